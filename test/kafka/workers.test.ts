// @needs kafka
// Headless workers as separate processes, started the way an operator starts them:
// the whole path from access events to a switched dataset, and a worker SIGKILLed mid-copy
// whose job another worker resumes after the rebalance: completed once, bytes identical,
// one switch in the history.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { describeWithService } from '../helpers/services.ts';
import {
  hashTree,
  migrationEnv,
  waitForJob,
  writeRandomTree,
  type MigrationEnv,
} from '../fixtures/migration-env.ts';
import type { KafkaSettings } from '../../core/bus/kafka-config.ts';
import type { MigrationStatusMessage } from '../../core/contracts/kafka-messages.ts';
import {
  client,
  counted,
  json,
  kafkaSettings,
  readTopic,
  startWorker,
  waitUntil,
  workerReady,
  type WorkerProcess,
} from './kafka-kit.ts';

/** Files under root, partial writes excluded. */
function files(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (!e.name.endsWith('.dm-partial')) out.push(e.name);
    }
  };
  walk(root);
  return out;
}

describeWithService('kafka', 'Workers on Kafka', (kafka) => {
  let env: MigrationEnv;
  let settings: KafkaSettings;
  const workers: WorkerProcess[] = [];

  afterEach(async () => {
    for (const w of workers.splice(0)) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
      await w.exited;
    }
    await env?.cleanup();
  });

  async function open() {
    settings = kafkaSettings(kafka.endpoint);
    env = await migrationEnv({
      kafka: settings,
      mover: { enabled: false } as never,
      // Production thinks in days; here an access an hour ago is already cold.
      recency: { hot_max_age_s: 60, warm_max_age_s: 600 },
    });
    await env.core.kafka?.ready();
  }
  const topic = (name: string) => `${settings.topicPrefix}${name}`;
  const worker = (id: string, bandwidth?: number, metricsPort?: number) => {
    const w = startWorker(settings, join(env.dir, id), {
      id,
      ...(bandwidth ? { bandwidth } : {}),
      ...(metricsPort !== undefined ? { metricsPort } : {}),
    });
    workers.push(w);
    return w;
  };

  test('events in via Kafka → aggregates → recommendation → plan → a worker process → status in order → switched', async () => {
    await open();
    const w1 = worker('w-one', undefined, 0);
    const src = join(env.fast, 'logs');
    writeRandomTree(src, { 'a.bin': 300_000, 'b/c.bin': 1_500_000, 'd.txt': 10 });
    const before = hashTree(src);
    const ds = await env.core.datasets.create({ name: 'logs', path_uri: env.uri(src) });

    const producer = client(kafka.endpoint).producer();
    await producer.connect();
    const anHourAgo = Date.now() - 3600_000;
    await producer.send({
      topic: topic('access_events'),
      messages: Array.from({ length: 50 }, (_, i) => ({
        key: String(ds.id),
        value: JSON.stringify({ dataset_id: ds.id, op: 'read', size_bytes: 4096, ts: anHourAgo + i }),
      })),
    });
    await producer.disconnect();
    await waitUntil('50 events in the aggregates', () => counted(env.core, ds.id) === 50);

    // The placement model (core/placement, its own issue) decides from those aggregates; its
    // answer reaches the recommendations topic through the outbox. The operator then moves
    // the dataset to the archive's cold tier, which is what a "cold" recommendation asks for.
    const [rec] = env.core.placement.recommend({ datasetId: ds.id });
    expect(rec).toMatchObject({ dataset_id: ds.id, current_tier: 'hot' });
    const published = await readTopic(kafka.endpoint, topic('recommendations'), (m) => m.length >= 1);
    expect(json(published[0]!)).toMatchObject({ dataset_id: ds.id, recommended_tier: rec!.recommended_tier });
    await workerReady(w1);
    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'archive',
      tier: 'cold',
    });
    const done = await waitForJob(env.core, job.job_id, ['completed', 'failed'], 60_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');

    const dsNow = env.core.datasets.get(ds.id);
    expect(dsNow.path_uri).toBe(env.uri(join(env.archive, 'logs')));
    expect(dsNow.current_tier).toBe('cold');
    expect(hashTree(join(env.archive, 'logs'))).toEqual(before);

    const statuses = (
      await readTopic(kafka.endpoint, topic('migration_status'), (m) =>
        m.some((x) => json<MigrationStatusMessage>(x).status === 'completed'),
      )
    ).map((m) => json<MigrationStatusMessage>(m));
    const by = (producer: string) =>
      statuses.filter((s) => s.producer === producer && !s.progress).map((s) => s.status);
    expect(by('w-one')).toEqual(['copying', 'verifying', 'switching']);
    expect(by('control-plane')).toEqual(['queued', 'copying', 'verifying', 'switching', 'completed']);
    // The worker's only HTTP: /health and /metrics on --metrics-port.
    const port = /metrics: http:\/\/127\.0\.0\.1:(\d+)/.exec(w1.output())?.[1];
    expect(port).toBeDefined();
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: 'ok',
      worker: 'w-one',
      running_jobs: [],
      kafka: { connected: true },
    });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^datamotion_migration_bytes_copied_total 1800010$/m);
    expect((await fetch(`http://127.0.0.1:${port}/datasets`)).status).toBe(404);
    expect(statuses.find((s) => s.producer === 'w-one' && s.status === 'switching')).toMatchObject({
      bytes_total: 1_800_010,
      objects_total: 3,
    });
  });

  test('a worker SIGKILLed mid-copy: after the rebalance another resumes it; completed once, bytes identical, one switch', async () => {
    await open();
    // Bandwidth-capped so the copy takes seconds and the kill lands inside it.
    const a = worker('w-a', 1 << 20);
    const b = worker('w-b', 1 << 20);
    await workerReady(a);
    await workerReady(b);
    const src = join(env.fast, 'big');
    const tree: Record<string, number> = {};
    for (let i = 0; i < 10; i++) tree[`part-${i}.bin`] = 512 * 1024;
    writeRandomTree(src, tree);
    const before = hashTree(src);
    const ds = await env.core.datasets.create({ name: 'big', path_uri: env.uri(src) });
    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'archive',
    });

    const dest = join(env.archive, 'big');
    // The owner is whoever reported the copy; kill it once some, not all, objects landed.
    const owner = await waitUntil('a worker copying with objects landed', () => {
      const d = env.core.jobs.get(job.job_id);
      const note = d.history.find((e) => e.status === 'copying')?.message ?? '';
      const n = files(dest).length;
      return d.status === 'copying' && n >= 2 && n < 8 && note.replace('reported by ', '');
    });
    const victim = owner === 'w-a' ? a : b;
    const survivor = owner === 'w-a' ? b : a;
    victim.child.kill('SIGKILL');
    await victim.exited;
    const atKill = files(dest).length;
    expect(env.core.jobs.get(job.job_id).status).toBe('copying');
    expect(atKill).toBeLessThan(10);

    const done = await waitForJob(env.core, job.job_id, ['completed', 'failed'], 90_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(hashTree(dest)).toEqual(before);
    const history = env.core.jobs.get(job.job_id).history;
    expect(history.filter((e) => e.status === 'switching')).toHaveLength(1);
    expect(history.filter((e) => e.status === 'completed')).toHaveLength(1);
    expect(history.map((e) => e.message)).toContain(`resumed by ${survivor.id}`);
    expect(survivor.child.exitCode).toBeNull();
    // The survivor kept what the victim had finished (its own journal says how many) and
    // copied only the rest: nothing complete was written twice.
    const journal = new Database(join(env.dir, survivor.id, 'worker-journal.db'), { readonly: true });
    try {
      const notes = journal
        .prepare('SELECT message FROM job_events WHERE job_id = ? ORDER BY id')
        .pluck()
        .all(job.job_id) as string[];
      expect(notes).toContain(`taken over: ${atKill} objects already at the destination are kept`);
      const copies = journal
        .prepare('SELECT sum(copy_count) FROM job_objects WHERE job_id = ?')
        .pluck()
        .get(job.job_id) as number;
      expect(copies).toBe(10);
    } finally {
      journal.close();
    }
  });

  test('a cancel while a worker copies stops it there: it removes what its manifest says it wrote and never verifies', async () => {
    await open();
    const w = worker('w-c', 1 << 20);
    await workerReady(w);
    const src = join(env.fast, 'logs');
    const tree: Record<string, number> = {};
    for (let i = 0; i < 6; i++) tree[`f${i}.bin`] = 512 * 1024;
    writeRandomTree(src, tree);
    const before = hashTree(src);
    const ds = await env.core.datasets.create({ name: 'logs', path_uri: env.uri(src) });
    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'archive',
    });
    const dest = join(env.archive, 'logs');
    await waitUntil(
      'the worker copying',
      () => env.core.jobs.get(job.job_id).status === 'copying' && files(dest).length >= 1,
    );
    expect(env.core.jobs.cancel(job.job_id).status).toBe('canceled');
    const note = await waitUntil(
      'the worker’s cleanup note',
      () => env.core.jobs.get(job.job_id).history.find((e) => e.message?.startsWith('w-c: removed'))?.message,
      60_000,
    );
    expect(note).toMatch(/^w-c: removed this job's objects \(6 in its manifest\)/);
    expect(files(dest)).toEqual([]);
    const reports = (
      await readTopic(kafka.endpoint, topic('migration_status'), (m) =>
        m.some((x) => json<MigrationStatusMessage>(x).message?.startsWith('removed') ?? false),
      )
    )
      .map((m) => json<MigrationStatusMessage>(m))
      .filter((s) => s.producer === 'w-c' && !s.progress)
      .map((s) => s.status);
    expect(reports).toEqual(['copying', 'canceled', 'canceled']);
    const detail = env.core.jobs.get(job.job_id);
    expect(detail.status).toBe('canceled');
    expect(env.core.datasets.get(ds.id).path_uri).toBe(env.uri(src));
    expect(hashTree(src)).toEqual(before);
  });

  test('a job canceled before any worker saw it: the worker that runs it anyway hands off, and the control plane removes the copy', async () => {
    await open();
    const src = join(env.fast, 'logs');
    writeRandomTree(src, { 'a.bin': 200_000, 'b/c.bin': 300_000 });
    const ds = await env.core.datasets.create({ name: 'logs', path_uri: env.uri(src) });
    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'archive',
    });
    env.core.jobs.cancel(job.job_id);
    // Only now a worker joins: the job message is there, the cancel is in its past.
    const w = worker('w-late');
    await workerReady(w);
    const note = await waitUntil(
      'the control plane’s cleanup',
      () => env.core.jobs.get(job.job_id).history.find((e) => e.message?.startsWith('removed the '))?.message,
      60_000,
    );
    expect(note).toMatch(/^removed the 2 objects the worker had written/);
    expect(files(join(env.archive, 'logs'))).toEqual([]);
    const detail = env.core.jobs.get(job.job_id);
    expect(detail.status).toBe('canceled');
    expect(detail.history.map((e) => e.status)).toEqual(['queued', 'canceled', 'canceled']);
    expect(env.core.datasets.get(ds.id).path_uri).toBe(env.uri(src));
  });
});
