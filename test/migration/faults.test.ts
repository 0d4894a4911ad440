import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileDriver } from '../../core/storage/file-driver.ts';
import {
  MIXED_TREE,
  hashTree,
  migrationEnv,
  waitForCleanup,
  waitForJob,
  writeRandomTree,
  type MigrationEnv,
} from '../fixtures/migration-env.ts';

/**
 * The real file driver, except that reading one object fails with EBUSY a set number of
 * times. A fault injection, not a mock: a real disk cannot be made to answer EBUSY on demand.
 */
class FlakyDriver extends FileDriver {
  constructor(
    private readonly victim: string,
    public failuresLeft: number,
  ) {
    super();
  }

  override async *read(rootUri: string, key: string): AsyncIterable<Uint8Array> {
    if (key === this.victim && this.failuresLeft > 0) {
      this.failuresLeft--;
      throw Object.assign(new Error(`EBUSY: resource busy, open '${key}'`), { code: 'EBUSY' });
    }
    yield* super.read(rootUri, key);
  }
}

describe('mover under I/O faults', () => {
  let env: MigrationEnv;
  beforeEach(async () => {
    env = await migrationEnv({
      mover: { concurrency: 1, objectConcurrency: 2, enabled: true, maxAttempts: 3 },
    });
  });
  afterEach(() => env.cleanup());

  const victim = 'a/b/two.bin';
  const copyCounts = (jobId: string) =>
    Object.fromEntries(
      (
        env.core.db.prepare('SELECT rel_path, copy_count FROM job_objects WHERE job_id = ?').all(jobId) as {
          rel_path: string;
          copy_count: number;
        }[]
      ).map((o) => [o.rel_path, o.copy_count]),
    );

  async function plan(failures: number) {
    const flaky = new FlakyDriver(victim, failures);
    env.core.storage.register(flaky);
    const src = join(env.fast, 'sales');
    writeRandomTree(src, MIXED_TREE);
    const ds = await env.core.datasets.create({ name: 'sales', path_uri: env.uri(src) });
    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'standard',
    });
    return { flaky, src, ds, job };
  }

  it('retries a transient error with backoff and completes', async () => {
    const { flaky, src, job } = await plan(2);

    const done = await waitForJob(env.core, job.job_id, ['completed', 'failed']);

    expect(done).toMatchObject({ status: 'completed', attempts: 1 });
    expect(flaky.failuresLeft).toBe(0);
    expect(hashTree(join(env.archive, 'sales'))).toEqual(hashTree(src));
    expect(Object.values(copyCounts(job.job_id))).toEqual(Object.keys(MIXED_TREE).map(() => 1));
  });

  it('fails naming the object when the error outlasts maxAttempts; a retry copies only what is missing', async () => {
    const { flaky, src, ds, job } = await plan(3);

    const failed = await waitForJob(env.core, job.job_id, ['completed', 'failed']);

    expect(failed.status).toBe('failed');
    expect(failed.error).toContain(`copying "${victim}" failed: EBUSY`);
    expect(env.core.datasets.get(ds.id).path_uri).toBe(env.uri(src));
    expect(flaky.failuresLeft).toBe(0);

    env.core.jobs.retry(job.job_id);
    const done = await waitForJob(env.core, job.job_id, ['completed', 'failed']);

    expect(done).toMatchObject({ status: 'completed', attempts: 2 });
    expect(hashTree(join(env.archive, 'sales'))).toEqual(hashTree(src));
    expect(Object.values(copyCounts(job.job_id))).toEqual(Object.keys(MIXED_TREE).map(() => 1));
  });

  it('fails when the source changes during the migration; cancel clears the copy so it can be planned again', async () => {
    const src = join(env.fast, 'live');
    writeRandomTree(src, MIXED_TREE);
    const ds = await env.core.datasets.create({ name: 'live', path_uri: env.uri(src) });
    const body = { dataset_id: ds.id, target_location: 'archive', storage_class: 'standard' };
    const job = env.core.jobs.plan(body);
    const off = env.core.bus.on('job.updated', (e) => {
      if (e.job.job_id === job.job_id && e.job.status === 'verifying') {
        off();
        writeRandomTree(src, { 'late/arrival.csv': 10 });
      }
    });

    const failed = await waitForJob(env.core, job.job_id, ['completed', 'failed']);

    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('the source changed');
    expect(failed.error).toContain('"late/arrival.csv"');
    expect(env.core.datasets.get(ds.id).path_uri).toBe(env.uri(src));

    env.core.jobs.cancel(job.job_id);
    await waitForCleanup(env.core, job.job_id);
    expect(existsSync(join(env.archive, 'live'))).toBe(false);
    const again = env.core.jobs.plan(body);
    const done = await waitForJob(env.core, again.job_id, ['completed', 'failed']);

    expect(done.status).toBe('completed');
    expect(hashTree(join(env.archive, 'live'))).toEqual(hashTree(src));
  });

  it('fails, without switching, when the source folder has vanished', async () => {
    const src = join(env.fast, 'gone');
    writeRandomTree(src, { 'f.bin': 10 });
    const ds = await env.core.datasets.create({ name: 'gone', path_uri: env.uri(src) });
    // Bus handlers run synchronously: the folder is gone before the mover lists it.
    const off = env.core.bus.on('job.updated', (e) => {
      if (e.job.status === 'copying') {
        off();
        rmSync(src, { recursive: true });
      }
    });

    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'standard',
    });
    const failed = await waitForJob(env.core, job.job_id, ['completed', 'failed']);

    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/source .* does not exist/);
    expect(env.core.datasets.get(ds.id).path_uri).toBe(env.uri(src));
  });
});
