import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../core/contracts/jobs.ts';
import { PARTIAL_SUFFIX } from '../../core/storage/file-driver.ts';
import {
  hashTree,
  migrationEnv,
  waitForJob,
  writeRandomTree,
  type MigrationEnv,
} from '../fixtures/migration-env.ts';

const CHILD = fileURLToPath(new URL('../fixtures/migration-child.ts', import.meta.url));

interface ChildLine {
  planned?: Job;
  progress?: Job;
  status?: Job;
}

/** Starts a core in a child process; `lines` yields what it prints. */
function startChild(env: MigrationEnv, folder: string, plan: object, dieOn?: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, env.dir, folder, JSON.stringify(plan), ...(dieOn ? [dieOn] : [])],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const lines = createInterface({ input: child.stdout });
  return { child, exited, lines };
}

/** Reads the first line that satisfies `pick`. */
async function firstLine<T>(lines: AsyncIterable<string>, pick: (l: ChildLine) => T | undefined): Promise<T> {
  for await (const line of lines) {
    const v = pick(JSON.parse(line) as ChildLine);
    if (v !== undefined) return v;
  }
  throw new Error('the child process ended before printing the expected line');
}

interface ObjectRow {
  rel_path: string;
  state: string;
  copy_count: number;
}

function readManifest(env: MigrationEnv, jobId: string): ObjectRow[] {
  const db = new Database(join(env.dataDir, 'datamotion.db'), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT rel_path, state, copy_count FROM job_objects WHERE job_id = ? ORDER BY rel_path')
      .all(jobId) as ObjectRow[];
  } finally {
    db.close();
  }
}

const partials = (root: string): string[] =>
  existsSync(root)
    ? readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(PARTIAL_SUFFIX))
    : [];

describe('crash safety (a core killed with SIGKILL, then restarted on the same data folder)', () => {
  let env: MigrationEnv;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    env = await migrationEnv(null);
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await env.cleanup();
  });

  it('resumes a copy killed midway: identical bytes, nothing recorded as copied is copied again', async () => {
    const src = join(env.fast, 'big');
    // 160 files of 128 KiB–1 MiB (~90 MiB): one at a time with an fsync each, the copy
    // outlasts the few milliseconds between the first progress line and the kill.
    const tree = Object.fromEntries(
      Array.from({ length: 160 }, (_, i) => [`d${i % 7}/f${i}.bin`, 131072 + ((i * 7919) % 917504)]),
    );
    writeRandomTree(src, tree);
    const before = hashTree(src);
    const run = startChild(env, src, { target_location: 'archive', storage_class: 'standard' });
    child = run.child;

    const progressed = await firstLine(run.lines, (l) =>
      l.progress && l.progress.objects_done >= 1 ? l.progress : undefined,
    );
    child.kill('SIGKILL');
    expect(await run.exited).toBe('SIGKILL');

    const atKill = readManifest(env, progressed.job_id);
    const copiedAtKill = atKill.filter((o) => o.state === 'copied').map((o) => o.rel_path);
    // The kill must land mid-copy, or this test proves nothing.
    expect(atKill).toHaveLength(160);
    expect(copiedAtKill.length).toBeGreaterThanOrEqual(1);
    expect(copiedAtKill.length).toBeLessThan(160);

    const core = env.reopen();
    const done = await waitForJob(core, progressed.job_id, ['completed', 'failed'], 30_000);

    expect(done).toMatchObject({ status: 'completed', attempts: 1, objects_done: 160 });
    const dest = join(env.archive, 'big');
    expect(hashTree(dest)).toEqual(before);
    expect(partials(dest)).toEqual([]);
    const after = readManifest(env, progressed.job_id);
    // Each object was recorded copied exactly once: those copied before the kill were kept.
    expect(after.filter((o) => o.copy_count !== 1)).toEqual([]);
    expect(after.every((o) => o.state === 'verified')).toBe(true);
    expect(core.datasets.get(done.dataset_id).path_uri).toBe(env.uri(dest));
    const history = core.jobs.get(done.job_id).history;
    expect(history.map((h) => h.status)).toEqual([
      'queued',
      'copying',
      'copying',
      'verifying',
      'switching',
      'completed',
    ]);
    expect(history[2]?.message).toBe('resumed after a restart');
  });

  it('killed after verifying but before the switch: verifies again, then switches', async () => {
    const src = join(env.fast, 'big');
    writeRandomTree(src, { 'a.bin': 1000, 'b/c.bin': 5000 });
    const before = hashTree(src);
    const run = startChild(env, src, { target_location: 'archive', storage_class: 'standard' }, 'switching');
    child = run.child;
    const planned = await firstLine(run.lines, (l) => l.planned);
    expect(await run.exited).toBe('SIGKILL');

    const core = env.reopen();
    expect(core.datasets.get(planned.dataset_id).path_uri).toBe(env.uri(src));
    const done = await waitForJob(core, planned.job_id, ['completed', 'failed']);

    expect(done.status).toBe('completed');
    expect(hashTree(join(env.archive, 'big'))).toEqual(before);
    expect(core.jobs.get(done.job_id).history.map((h) => h.status)).toEqual([
      'queued',
      'copying',
      'verifying',
      'switching',
      'verifying',
      'switching',
      'completed',
    ]);
  });

  it('killed right after the switch committed: finishes retiring the source and completes', async () => {
    const src = join(env.fast, 'big');
    writeRandomTree(src, { 'a.bin': 1000, 'b/c.bin': 5000 });
    const before = hashTree(src);
    const plan = {
      target_location: 'archive',
      storage_class: 'standard',
      retire_source: true,
      confirm: true,
    };
    const run = startChild(env, src, plan, 'switched');
    child = run.child;
    const planned = await firstLine(run.lines, (l) => l.planned);
    expect(await run.exited).toBe('SIGKILL');
    expect(existsSync(src)).toBe(true);

    const core = env.reopen();
    const done = await waitForJob(core, planned.job_id, ['completed', 'failed']);

    expect(done.status).toBe('completed');
    expect(existsSync(src)).toBe(false);
    expect(hashTree(join(env.archive, 'big'))).toEqual(before);
    const history = core.jobs.get(done.job_id).history;
    expect(history.map((h) => h.status)).toEqual([
      'queued',
      'copying',
      'verifying',
      'switching',
      'switching',
      'completed',
    ]);
    expect(history.at(-1)?.message).toMatch(/already pointed at .*source .* removed/);
  });
});
