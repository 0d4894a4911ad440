import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../core/contracts/events.ts';
import type { Job } from '../../core/contracts/jobs.ts';
import {
  MIXED_TREE,
  hashTree,
  migrationEnv,
  waitForCleanup,
  waitForJob,
  writeRandomTree,
  type MigrationEnv,
} from '../fixtures/migration-env.ts';

interface ObjectRow {
  rel_path: string;
  state: string;
  copy_count: number;
}

describe('mover', () => {
  let env: MigrationEnv;
  beforeEach(async () => {
    env = await migrationEnv();
  });
  afterEach(() => env.cleanup());

  const objects = (jobId: string) =>
    env.core.db
      .prepare('SELECT rel_path, state, copy_count FROM job_objects WHERE job_id = ? ORDER BY rel_path')
      .all(jobId) as ObjectRow[];

  /** A fresh env whose mover uses other limits. */
  async function reopenWith(mover: { objectConcurrency?: number; concurrency?: number }) {
    await env.cleanup();
    return migrationEnv({
      mover: { concurrency: 2, objectConcurrency: 4, enabled: true, maxAttempts: 3, ...mover },
    });
  }

  async function dataset(name = 'sales', tree = MIXED_TREE) {
    const src = join(env.fast, name);
    writeRandomTree(src, tree);
    return { src, ds: await env.core.datasets.create({ name, path_uri: env.uri(src) }) };
  }

  it('copies, verifies and switches a folder: identical bytes, dataset and replicas moved, full history', async () => {
    const { src, ds } = await dataset();
    const before = hashTree(src);
    const seen: CoreEvent[] = [];
    env.core.bus.onAny((e) => seen.push(e));

    const planned = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'archive',
    });
    const done = await waitForJob(env.core, planned.job_id, ['completed', 'failed']);

    expect(done).toMatchObject({ status: 'completed', error: null, attempts: 1, dest_tier: 'cold' });
    const dest = join(env.archive, 'sales');
    expect(hashTree(dest)).toEqual(before);
    expect(hashTree(src)).toEqual(before);
    const total = Object.values(MIXED_TREE).reduce((a, b) => a + b, 0);
    expect(done).toMatchObject({
      bytes_total: total,
      bytes_copied: total,
      objects_total: 6,
      objects_done: 6,
    });
    expect(done.progress.fraction).toBe(1);

    const moved = env.core.datasets.get(ds.id);
    expect(moved).toMatchObject({
      path_uri: env.uri(dest),
      location: 'archive',
      current_tier: 'cold',
      storage_class: 'archive',
      size_bytes: total,
      object_count: 6,
    });
    expect(moved.replicas.map((r) => [r.uri, r.role, r.tier])).toEqual([
      [env.uri(src), 'secondary', 'hot'],
      [env.uri(dest), 'primary', 'cold'],
    ]);

    const history = env.core.jobs.get(planned.job_id).history.map((h) => h.status);
    expect(history).toEqual(['queued', 'copying', 'verifying', 'switching', 'completed']);
    const statuses = seen.flatMap((e) => (e.type === 'job.updated' ? [e.job.status] : []));
    expect(statuses).toEqual(['queued', 'copying', 'verifying', 'switching', 'completed']);
    expect(seen.some((e) => e.type === 'dataset.updated')).toBe(true);
    // Verification reports its own progress, from 0 to every byte checked.
    const verifying = seen.flatMap((e) =>
      e.type === 'job.progress' && e.job.status === 'verifying' ? [e.job] : [],
    );
    expect(verifying[0]?.bytes_copied).toBe(0);
    expect(verifying.at(-1)).toMatchObject({ bytes_copied: total, objects_done: 6 });
    expect(objects(planned.job_id).every((o) => o.state === 'verified' && o.copy_count === 1)).toBe(true);

    const metrics = env.core.metrics.render();
    expect(metrics).toContain(`datamotion_migration_bytes_copied_total ${total}`);
    expect(metrics).toContain('datamotion_migration_objects_copied_total 6');
    expect(metrics).toContain('datamotion_migration_jobs_total{status="completed"} 1');
  });

  it('retires the source only after the switch committed', async () => {
    const { src, ds } = await dataset();
    const sourceExistedAtSwitch: boolean[] = [];
    env.core.bus.on('dataset.updated', () => sourceExistedAtSwitch.push(existsSync(src)));

    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'standard',
      retire_source: true,
      confirm: true,
    });
    const done = await waitForJob(env.core, job.job_id, ['completed', 'failed']);

    expect(done.status).toBe('completed');
    expect(sourceExistedAtSwitch).toEqual([true]);
    expect(existsSync(src)).toBe(false);
    const replicas = env.core.datasets.get(ds.id).replicas.map((r) => [r.location, r.role]);
    expect(replicas).toEqual([
      ['fast', 'retired'],
      ['archive', 'primary'],
    ]);
    expect(env.core.jobs.get(job.job_id).history.at(-1)?.message).toContain('removed');
  });

  it('a storage-class transition switches class and tier without copying', async () => {
    const src = join(env.archive, 'logs');
    writeRandomTree(src, { 'x.log': 100 });
    const ds = await env.core.datasets.create({ name: 'logs', path_uri: env.uri(src), current_tier: 'warm' });

    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: env.uri(src),
      storage_class: 'archive',
    });
    const done = await waitForJob(env.core, job.job_id, ['completed', 'failed']);

    expect(done.status).toBe('completed');
    expect(env.core.jobs.get(job.job_id).history.map((h) => h.status)).toEqual([
      'queued',
      'switching',
      'completed',
    ]);
    expect(objects(job.job_id)).toEqual([]);
    const after = env.core.datasets.get(ds.id);
    expect(after).toMatchObject({ path_uri: env.uri(src), storage_class: 'archive', current_tier: 'cold' });
    expect(after.replicas).toEqual([expect.objectContaining({ role: 'primary', storage_class: 'archive' })]);
  });

  it('fails when a destination object is corrupted before verification; the source stays primary', async () => {
    const { src, ds } = await dataset();
    const before = hashTree(src);
    const dest = join(env.archive, 'sales');
    const victim = 'a/b/two.bin';
    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'standard',
    });
    // The bus is synchronous and the mover announces 'verifying' before reading: corrupt in between.
    const off = env.core.bus.on('job.updated', (e) => {
      if (e.job.job_id === job.job_id && e.job.status === 'verifying') {
        off();
        writeFileSync(join(dest, victim), Buffer.alloc(MIXED_TREE[victim] as number, 7));
      }
    });

    const failed = await waitForJob(env.core, job.job_id, ['failed', 'completed']);

    expect(failed.status).toBe('failed');
    expect(failed.error).toContain(`"${victim}"`);
    expect(failed.error).toMatch(/1 of 6 objects differ/);
    const after = env.core.datasets.get(ds.id);
    expect(after.path_uri).toBe(env.uri(src));
    expect(after.replicas).toEqual([expect.objectContaining({ role: 'primary', uri: env.uri(src) })]);
    expect(hashTree(src)).toEqual(before);
    expect(
      objects(job.job_id)
        .filter((o) => o.state === 'mismatch')
        .map((o) => o.rel_path),
    ).toEqual([victim]);

    // Retry copies only the object that failed verification.
    env.core.jobs.retry(job.job_id);
    const done = await waitForJob(env.core, job.job_id, ['completed', 'failed']);

    expect(done).toMatchObject({ status: 'completed', attempts: 2 });
    expect(hashTree(dest)).toEqual(before);
    const counts = Object.fromEntries(objects(job.job_id).map((o) => [o.rel_path, o.copy_count]));
    expect(counts).toEqual(Object.fromEntries(Object.keys(MIXED_TREE).map((k) => [k, k === victim ? 2 : 1])));
    expect(env.core.jobs.get(job.job_id).history.map((h) => h.status)).toEqual([
      'queued',
      'copying',
      'verifying',
      'failed',
      'queued',
      'copying',
      'verifying',
      'switching',
      'completed',
    ]);
  });

  it('cancel aborts a running copy and removes only what the job wrote; the source is untouched', async () => {
    env = await reopenWith({ objectConcurrency: 2 });
    const tree = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}.bin`, (1 << 20) + i]));
    const { src, ds } = await dataset('big', tree);
    const before = hashTree(src);
    const dest = join(env.archive, 'big');
    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'standard',
    });
    // Cancel from inside the copy: on its first progress report with an object safe at the destination.
    const canceled = await new Promise<Job>((resolve) => {
      const off = env.core.bus.on('job.progress', (e) => {
        if (e.job.job_id !== job.job_id || e.job.objects_done < 1) return;
        off();
        resolve(env.core.jobs.cancel(job.job_id));
      });
    });
    // One object done, the second one in flight (aborted mid-stream), 38 never started.
    expect(canceled).toMatchObject({ status: 'canceled', objects_done: 1 });
    // The cleanup reports in the history once the in-flight writes have stopped.
    await waitForCleanup(env.core, job.job_id);

    expect(existsSync(dest)).toBe(false);
    expect(hashTree(src)).toEqual(before);
    expect(env.core.datasets.get(ds.id).path_uri).toBe(env.uri(src));
    const detail = env.core.jobs.get(job.job_id);
    expect(detail.status).toBe('canceled');
    expect(detail.history.map((h) => h.status)).toEqual(['queued', 'copying', 'canceled', 'canceled']);
    expect(objects(job.job_id)).toEqual([]);
    expect(readdirSync(env.archive)).toEqual([]);
    expect(() => env.core.jobs.cancel(job.job_id)).toThrow(/canceled and cannot be canceled/);

    // A canceled job can run again from scratch.
    env.core.jobs.retry(job.job_id);
    expect((await waitForJob(env.core, job.job_id, ['completed', 'failed'])).status).toBe('completed');
    expect(hashTree(dest)).toEqual(before);
    expect(readdirSync(env.archive)).toEqual(['big']);
  });
});
