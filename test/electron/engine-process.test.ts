// The desktop's engine process, run from its build (dist-electron/engine.js) as a Node child
// with the same message protocol main uses with Electron's utilityProcess. Everything but the
// window: start from the bundle, calls, events, a crash mid-migration, restart, resume.
// (Electron's utilityProcess itself needs the Electron binary; here a Node child stands in,
// speaking the identical protocol through electron/engine/host.ts's parentPort fallback.)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EngineCallError, EngineClient } from '../../electron/engine/client.ts';
import { forkNodeEngine } from '../../electron/engine/node-child.ts';
import type { EngineInit } from '../../electron/engine/protocol.ts';
import type { CoreEvent } from '../../core/contracts/events.ts';
import type { EngineStatus } from '../../core/contracts/desktop.ts';
import type { Job, JobDetail } from '../../core/contracts/jobs.ts';
import type { Dataset } from '../../core/contracts/datasets.ts';
import type { Health } from '../../core/contracts/system.ts';
import { listMigrations } from '../../core/db/database.ts';
import { writeTree } from '../helpers/temp-core.ts';

const ROOT = join(import.meta.dirname, '..', '..');
// Inside the repository, so the bundle's external packages resolve from its node_modules,
// and away from core/: the bundle must not need the sources next to it.
const BUILD = join(ROOT, '.cache', 'test-bundles', `engine-${process.pid}`);
const ENGINE = join(BUILD, 'dist-electron', 'engine.js');

beforeAll(() => {
  const r = spawnSync(process.execPath, ['scripts/build-electron.mjs', join(BUILD, 'dist-electron')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(BUILD, { recursive: true, force: true }));

let dirs: string[] = [];
let clients: EngineClient[] = [];
afterEach(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  clients = [];
});

function setup(entry = ENGINE, extra: Partial<EngineInit> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dm-engine-'));
  dirs.push(dir);
  const store = join(dir, 'store');
  mkdirSync(store);
  const init: EngineInit = {
    dataDir: join(dir, 'data'),
    logFile: join(dir, 'logs', 'engine.log'),
    locations: [{ id: 't', uri: pathToFileURL(store).href }],
    ...extra,
  };
  const events: CoreEvent[] = [];
  const statuses: EngineStatus[] = [];
  const client = new EngineClient({
    spawn: () => forkNodeEngine({ entry, silent: true }),
    init,
    backoffMs: [100],
    stopTimeoutMs: 20_000,
  });
  client.onEvent((e) => events.push(e));
  client.onStatus((s) => statuses.push(s));
  clients.push(client);
  return {
    dir,
    store,
    init,
    client,
    events,
    statuses,
    uri: (p: string) => pathToFileURL(join(store, p)).href,
  };
}

async function until<T>(what: string, f: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the engine process, started from the Electron build', () => {
  it('starts from dist-electron/ alone: migrations from the bundle, version built in', async () => {
    const t = setup();
    await t.client.start();
    const health = (await t.client.call('health', [])) as Health;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(health.version).toBe(pkg.version);
    await t.client.stop();
    const db = new Database(join(t.init.dataDir, 'datamotion.db'), { readonly: true });
    const applied = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    db.close();
    expect(applied).toEqual(listMigrations().map((m) => m.version));
  });

  it('refuses to start without its migrations, saying where it looked, and leaves no database', async () => {
    const broken = join(BUILD, 'no-migrations');
    cpSync(join(BUILD, 'dist-electron'), broken, { recursive: true });
    rmSync(join(broken, 'migrations'), { recursive: true });
    const t = setup(join(broken, 'engine.js'));
    await expect(t.client.start()).rejects.toThrow(
      `the database migrations are missing: no NNN-name.sql files in ${join(broken, 'migrations')}`,
    );
    expect(existsSync(join(t.init.dataDir, 'datamotion.db'))).toBe(false);
  });

  it('reports a data folder it cannot use as the reason, not a silent exit', async () => {
    const t = setup(ENGINE, {});
    // A file where the data folder should be.
    const file = join(t.dir, 'not-a-dir');
    writeTree(t.dir, { 'not-a-dir': 1 });
    const c = new EngineClient({
      spawn: () => forkNodeEngine({ entry: ENGINE, silent: true }),
      init: { ...t.init, dataDir: file },
    });
    clients.push(c);
    await expect(c.start()).rejects.toThrow(/ENOTDIR|EEXIST|not a directory|file already exists/);
  });

  it('answers calls, names invalid fields, and forwards the bus events', async () => {
    const t = setup();
    await t.client.start();
    writeTree(t.store, { 'src/a.bin': 1000, 'src/b.bin': 2000 });
    const ds = (await t.client.call('datasets/create', [{ name: 'src', path_uri: t.uri('src') }])) as Dataset;
    expect(ds).toMatchObject({ name: 'src', size_bytes: 3000, object_count: 2 });
    expect(t.events).toContainEqual(expect.objectContaining({ type: 'dataset.updated' }));
    const err = await t.client.call('datasets/get', ['1; drop table']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineCallError);
    expect((err as EngineCallError).body).toEqual({
      error: 'invalid_input',
      message: 'id: must be integer',
      field: 'id',
    });
    const unknown = await t.client.call('nope' as never, []).catch((e: unknown) => e);
    expect((unknown as EngineCallError).body).toMatchObject({ error: 'invalid_input', field: 'channel' });
  });

  it('a crash mid-migration is reported, the engine restarts, and the job resumes to completion', async () => {
    const t = setup(ENGINE, { mover: { bandwidthBytesPerSec: 8 << 20 } });
    await t.client.start();
    writeTree(t.store, { 'src/big-1.bin': 12 << 20, 'src/big-2.bin': 12 << 20, 'src/small.bin': 4096 });
    const created = (await t.client.call('datasets/create', [
      { name: 'src', path_uri: t.uri('src') },
    ])) as Dataset;
    const job = (await t.client.call('jobs/plan', [
      { dataset_id: created.id, target_location: t.uri('dst'), storage_class: 'standard' },
    ])) as Job;
    const jobId = job.job_id;
    await until('bytes copied', () =>
      t.events.some((e) => e.type === 'job.progress' && e.job.job_id === jobId && e.job.bytes_copied > 0),
    );
    const pid = t.client.pid;
    const inFlight = t.client.call('jobs/get', [jobId]).catch((e: unknown) => e);
    process.kill(pid as number, 'SIGKILL');
    const lost = await inFlight;
    // Either the answer left before the kill landed, or the caller is told the engine stopped.
    if (lost instanceof EngineCallError) expect(lost.body.error).toBe('engine_restarted');
    await until('restarting status', () => t.statuses.find((s) => s.state === 'restarting'));
    await until('running again', () => t.statuses.find((s) => s.state === 'running' && s.restarts === 1));
    expect(t.client.pid).not.toBe(pid);
    const final = await pollJob(t.client, jobId);
    expect(final.status).toBe('completed');
    for (const f of ['big-1.bin', 'big-2.bin', 'small.bin']) {
      expect(readFileSync(join(t.store, 'dst', f)).equals(readFileSync(join(t.store, 'src', f)))).toBe(true);
    }
    const detail = (await t.client.call('jobs/get', [jobId])) as JobDetail;
    expect(detail.history.map((e) => e.message).join('\n')).toMatch(/resumed after a restart/);
    // One switch: the crash did not make the job run its switch twice.
    expect(detail.history.filter((e) => e.status === 'switching')).toHaveLength(1);
  }, 120_000);

  it('a quit mid-copy stops the engine cleanly and the next start resumes the job', async () => {
    const t = setup(ENGINE, { mover: { bandwidthBytesPerSec: 8 << 20 } });
    await t.client.start();
    writeTree(t.store, { 'src/big.bin': 24 << 20 });
    const ds = (await t.client.call('datasets/create', [{ name: 'src', path_uri: t.uri('src') }])) as Dataset;
    const job = (await t.client.call('jobs/plan', [
      { dataset_id: ds.id, target_location: t.uri('dst'), storage_class: 'standard' },
    ])) as Job;
    await until('bytes copied', () =>
      t.events.some(
        (e) => e.type === 'job.progress' && e.job.job_id === job.job_id && e.job.bytes_copied > 0,
      ),
    );
    await t.client.stop();
    expect(t.statuses.at(-1)).toEqual({ state: 'stopped' });
    expect(t.statuses.some((s) => s.state === 'restarting')).toBe(false);
    const next = new EngineClient({
      spawn: () => forkNodeEngine({ entry: ENGINE, silent: true }),
      init: t.init,
    });
    clients.push(next);
    await next.start();
    const final = await pollJob(next, job.job_id);
    expect(final.status).toBe('completed');
    expect(
      readFileSync(join(t.store, 'dst', 'big.bin')).equals(readFileSync(join(t.store, 'src', 'big.bin'))),
    ).toBe(true);
  }, 120_000);

  it('gives up after repeated crashes, and says so', async () => {
    const t = setup();
    const c = new EngineClient({
      spawn: () => forkNodeEngine({ entry: ENGINE, silent: true }),
      init: t.init,
      backoffMs: [50],
      maxCrashes: 2,
    });
    clients.push(c);
    const statuses: string[] = [];
    let failed = '';
    c.onStatus((s) => {
      statuses.push(s.state);
      if (s.state === 'failed') failed = s.reason;
    });
    await c.start();
    process.kill(c.pid as number, 'SIGKILL');
    await until('restarted', () => statuses.filter((s) => s === 'running').length === 2);
    process.kill(c.pid as number, 'SIGKILL');
    await until('failed', () => statuses.includes('failed'));
    expect(failed).toMatch(/killed by SIGKILL; it crashed 2 times within 60 s and is not restarted again/);
    await expect(c.call('health', [])).rejects.toMatchObject({ body: { error: 'unavailable' } });
  });
});

async function pollJob(client: EngineClient, jobId: string): Promise<Job> {
  const end = Date.now() + 90_000;
  for (;;) {
    const detail = (await client.call('jobs/get', [jobId])) as Job;
    if (['completed', 'failed', 'canceled'].includes(detail.status)) return detail;
    if (Date.now() > end) throw new Error(`job ${jobId} still ${detail.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
