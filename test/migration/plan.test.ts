import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compile } from '../../core/contracts/validate.ts';
import { JobDetail, PlanResult } from '../../core/contracts/jobs.ts';
import {
  catchError,
  migrationEnv,
  waitForJob,
  writeRandomTree,
  type MigrationEnv,
} from '../fixtures/migration-env.ts';

describe('planning a migration', () => {
  let env: MigrationEnv;
  // The mover is off: planned jobs stay queued, so only planning is under test.
  beforeEach(async () => {
    env = await migrationEnv({
      mover: { enabled: false, concurrency: 1, objectConcurrency: 1, maxAttempts: 3 },
    });
  });
  afterEach(() => env.cleanup());

  const jobCount = () =>
    (env.core.db.prepare('SELECT count(*) FROM migration_jobs').pluck().get() as number) ?? 0;

  async function dataset(name: string, root = env.fast) {
    writeRandomTree(join(root, name), { 'f.bin': 10, 'sub/g.bin': 20 });
    return env.core.datasets.create({ name, path_uri: env.uri(join(root, name)) });
  }

  it('plans to a location id as <root>/<name>, with the tier of the storage class, in the Job shape', async () => {
    const ds = await dataset('sales');
    const events: string[] = [];
    env.core.bus.on('job.updated', (e) => events.push(e.job.status));

    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'archive',
    });

    expect(compile(PlanResult)(job)).toBe(true);
    expect(job).toMatchObject({
      created: true,
      status: 'queued',
      source_uri: ds.path_uri,
      dest_uri: env.uri(join(env.archive, 'sales')),
      dest_location: 'archive',
      dest_tier: 'cold',
      retire_source: false,
      attempts: 0,
      bytes_total: 30,
      objects_total: 2,
      progress: { fraction: 0, throughput_bps: null, eta_s: null },
    });
    expect(job.job_key).toMatch(new RegExp(`^ds${ds.id}-[0-9a-f]{16}-g1$`));
    expect(events).toEqual(['queued']);
    const detail = env.core.jobs.get(job.job_id);
    expect(compile(JobDetail)(detail)).toBe(true);
    expect(detail.history).toEqual([expect.objectContaining({ status: 'queued' })]);
  });

  it('is idempotent on an explicit job_key, and refuses the key for a different request', async () => {
    const ds = await dataset('sales');
    const body = { dataset_id: ds.id, target_location: 'archive', storage_class: 'standard', job_key: 'k-1' };

    const first = env.core.jobs.plan(body);
    const again = env.core.jobs.plan({ ...body });
    const clash = catchError(() => env.core.jobs.plan({ ...body, storage_class: 'archive' }));

    expect(first.created).toBe(true);
    expect(again).toMatchObject({ job_id: first.job_id, job_key: 'k-1', created: false });
    expect(clash).toMatchObject({ code: 'conflict', statusCode: 409, field: 'body.job_key' });
    expect(clash.message).toContain(first.job_id);
    expect(jobCount()).toBe(1);
  });

  it('derives a key that dedupes while the job is open and moves to a new generation after it ended', async () => {
    const ds = await dataset('sales');
    const body = { dataset_id: ds.id, target_location: 'archive', storage_class: 'standard' };

    const first = env.core.jobs.plan(body);
    const again = env.core.jobs.plan(body);
    env.core.jobs.cancel(first.job_id);
    const next = env.core.jobs.plan(body);

    expect(again).toMatchObject({ job_id: first.job_id, created: false });
    expect(next.created).toBe(true);
    expect(next.job_id).not.toBe(first.job_id);
    expect(next.job_key).toBe(first.job_key.replace(/-g1$/, '-g2'));
  });

  it('allows one open job per dataset', async () => {
    const ds = await dataset('sales');
    const open = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'standard',
    });

    const e = catchError(() =>
      env.core.jobs.plan({ dataset_id: ds.id, target_location: 'archive', storage_class: 'archive' }),
    );

    expect(e).toMatchObject({ code: 'conflict', field: 'body.dataset_id' });
    expect(e.message).toContain(open.job_id);
  });

  it('refuses bad targets with the field at fault, and writes nothing', async () => {
    const ds = await dataset('sales');
    const other = await dataset('other', env.archive);
    const plan = (over: Record<string, unknown>) => () =>
      env.core.jobs.plan({
        dataset_id: ds.id,
        target_location: 'archive',
        storage_class: 'standard',
        ...over,
      });
    const outside = join(env.dir, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(env.archive, 'escape'));
    mkdirSync(join(env.archive, 'busy'));
    writeFileSync(join(env.archive, 'busy', 'someone.txt'), 'not yours');

    const cases: [() => unknown, string, string, RegExp][] = [
      [plan({ dataset_id: 999 }), 'not_found', 'body.dataset_id', /dataset 999/],
      [plan({ dataset_id: 'one' }), 'invalid_input', 'body.dataset_id', /integer/],
      [plan({ target_location: env.uri(outside) }), 'outside_location', 'body.target_location', /not inside/],
      [
        plan({ target_location: `${env.uri(env.archive)}/../outside` }),
        'outside_location',
        'body.target_location',
        /./,
      ],
      [
        plan({ target_location: env.uri(join(env.archive, 'escape')) }),
        'outside_location',
        'body.target_location',
        /./,
      ],
      [plan({ target_location: 'nowhere' }), 'not_found', 'body.target_location', /no location "nowhere"/],
      [plan({ storage_class: 'GLACIER' }), 'invalid_input', 'body.storage_class', /not offered/],
      [
        plan({ target_location: ds.path_uri, storage_class: 'standard' }),
        'invalid_input',
        'body.target_location',
        /already at/,
      ],
      [
        plan({ target_location: `${ds.path_uri}/sub/inner` }),
        'invalid_input',
        'body.target_location',
        /inside the dataset/,
      ],
      [plan({ target_location: env.uri(env.fast) + '/' }), 'outside_location', 'body.target_location', /./],
      [plan({ target_location: other.path_uri }), 'conflict', 'body.target_location', /overlaps dataset/],
      [
        plan({ target_location: `${other.path_uri}/x` }),
        'conflict',
        'body.target_location',
        /overlaps dataset/,
      ],
      [
        plan({ target_location: env.uri(join(env.archive, 'busy')) }),
        'conflict',
        'body.target_location',
        /not empty/,
      ],
    ];
    for (const [fn, code, field, message] of cases) {
      const e = catchError(fn);
      expect({ code: e.code, field: e.field }).toEqual({ code, field });
      expect(e.message).toMatch(message);
    }
    expect(jobCount()).toBe(0);
  });

  it('refuses a destination that contains the source', async () => {
    writeRandomTree(join(env.fast, 'outer', 'inner'), { 'f.bin': 1 });
    const ds = await env.core.datasets.create({
      name: 'inner',
      path_uri: env.uri(join(env.fast, 'outer', 'inner')),
    });

    const e = catchError(() =>
      env.core.jobs.plan({
        dataset_id: ds.id,
        target_location: env.uri(join(env.fast, 'outer')),
        storage_class: 'standard',
      }),
    );

    expect(e).toMatchObject({ code: 'invalid_input', field: 'body.target_location' });
    expect(e.message).toContain('contains the dataset');
  });

  it('treats the same place with another class as a transition, which cannot retire its source', async () => {
    const ds = await dataset('logs', env.archive);

    const e = catchError(() =>
      env.core.jobs.plan({
        dataset_id: ds.id,
        target_location: ds.path_uri,
        storage_class: 'archive',
        retire_source: true,
      }),
    );
    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: ds.path_uri,
      storage_class: 'archive',
    });

    expect(e).toMatchObject({ code: 'invalid_input', field: 'body.retire_source' });
    expect(job).toMatchObject({ created: true, dest_uri: ds.path_uri, dest_tier: 'cold' });
  });

  it('asks for confirm before retiring the source: a 409 with the estimate, nothing written', async () => {
    const ds = await dataset('sales');
    const body = {
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'standard',
      retire_source: true,
    };

    const e = catchError(() => env.core.jobs.plan(body));
    const job = env.core.jobs.plan({ ...body, confirm: true });

    expect(e).toMatchObject({ code: 'conflict', statusCode: 409, field: 'body.confirm' });
    expect(e.details?.estimate).toMatchObject({
      dataset_id: ds.id,
      needs_confirm: true,
      confirm_reasons: [expect.objectContaining({ code: 'retire_source' })],
    });
    expect(job).toMatchObject({ created: true, retire_source: true });
    expect(jobCount()).toBe(1);
  });

  it('refuses a destination where another open job is writing', async () => {
    const a = await dataset('a');
    const b = await dataset('b');
    const dest = env.uri(join(env.archive, 'shared'));
    const first = env.core.jobs.plan({ dataset_id: a.id, target_location: dest, storage_class: 'standard' });

    const e = catchError(() =>
      env.core.jobs.plan({ dataset_id: b.id, target_location: dest, storage_class: 'standard' }),
    );

    expect(e).toMatchObject({ code: 'conflict', field: 'body.target_location' });
    expect(e.message).toContain(first.job_id);
  });

  it('lists newest first with filters; unknown jobs are 404; retry and cancel refuse the wrong states', async () => {
    const a = await dataset('a');
    const b = await dataset('b');
    const ja = env.core.jobs.plan({
      dataset_id: a.id,
      target_location: 'archive',
      storage_class: 'standard',
    });
    const jb = env.core.jobs.plan({
      dataset_id: b.id,
      target_location: 'archive',
      storage_class: 'standard',
    });
    env.core.jobs.cancel(ja.job_id);

    expect(env.core.jobs.list().map((j) => j.job_id)).toEqual([jb.job_id, ja.job_id]);
    expect(env.core.jobs.list({ status: 'canceled' }).map((j) => j.job_id)).toEqual([ja.job_id]);
    expect(env.core.jobs.list({ dataset_id: b.id }).map((j) => j.job_id)).toEqual([jb.job_id]);
    expect(env.core.jobs.list({ limit: 1 })).toHaveLength(1);
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const fn of [
      () => env.core.jobs.get(missing),
      () => env.core.jobs.retry(missing),
      () => env.core.jobs.cancel(missing),
    ]) {
      expect(catchError(fn)).toMatchObject({ code: 'not_found', statusCode: 404 });
    }
    expect(catchError(() => env.core.jobs.retry(jb.job_id))).toMatchObject({
      code: 'conflict',
      field: 'job_id',
    });
    expect(catchError(() => env.core.jobs.cancel(ja.job_id))).toMatchObject({
      code: 'conflict',
      field: 'job_id',
    });
    const retried = env.core.jobs.retry(ja.job_id);
    expect(retried).toMatchObject({ status: 'queued', error: null, finished_at: null });
    expect(env.core.jobs.get(ja.job_id).history.map((h) => h.status)).toEqual([
      'queued',
      'canceled',
      'queued',
    ]);
  });
});

describe('cancel while switching', () => {
  let env: MigrationEnv;
  beforeEach(async () => {
    env = await migrationEnv();
  });
  afterEach(() => env.cleanup());

  it('is refused with 409: the switch completes', async () => {
    writeRandomTree(join(env.fast, 's'), { 'f.bin': 100 });
    const ds = await env.core.datasets.create({ name: 's', path_uri: env.uri(join(env.fast, 's')) });
    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'standard',
    });
    const refusals: unknown[] = [];
    env.core.bus.on('job.updated', (e) => {
      if (e.job.job_id === job.job_id && e.job.status === 'switching')
        refusals.push(catchError(() => env.core.jobs.cancel(job.job_id)));
    });

    const done = await waitForJob(env.core, job.job_id, ['completed', 'failed', 'canceled']);

    expect(done.status).toBe('completed');
    expect(refusals).toEqual([expect.objectContaining({ code: 'conflict', field: 'job_id' })]);
  });
});
