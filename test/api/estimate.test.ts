import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compile } from '../../core/contracts/validate.ts';
import { Estimate } from '../../core/contracts/estimate.ts';
import type { ErrorBody } from '../../core/contracts/common.ts';
import type { Job } from '../../core/contracts/jobs.ts';
import type { CreateCoreOptions } from '../../core/create-core.ts';
import { writeTree } from '../helpers/temp-core.ts';
import { apiFixture, type ApiFixture } from './api-fixture.ts';

const GiB = 2 ** 30;

// file → file over the REST API: location "t" (every tier standard at $0.05) and "archive"
// (cold = archive at $0.01). The dataset declares 100 GiB in 1,000 objects so that the
// amounts are worth reading; only a few bytes are on disk (the mover is off).
describe('GET /estimate and the confirm guardrail of POST /plan-migration', () => {
  let f: ApiFixture;
  let datasetId: number;

  async function setup(core: CreateCoreOptions = {}) {
    f = await apiFixture({}, core);
    // Through the service: the location is the setting of this test, not what it checks.
    f.core.locations.create({
      id: 'archive',
      uri: pathToFileURL(join(f.dir, 'archive')).href,
      tiers: { cold: { storage_class: 'archive', price_per_gb_month: 0.01 } },
    });
    writeTree(join(f.store, 'sales'), { 'a.bin': 10 });
    const ds = await f.inject({
      method: 'POST',
      url: '/datasets',
      payload: { name: 'sales', path_uri: f.uri('sales'), size_bytes: 100 * GiB, object_count: 1000 },
    });
    expect(ds.statusCode).toBe(201);
    datasetId = ds.json<{ id: number }>().id;
  }
  afterEach(() => f.close());

  const estimate = (query: Record<string, string | number | boolean>) =>
    f.inject({
      method: 'GET',
      url: '/estimate',
      query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
    });
  const plan = (body: Record<string, unknown>) =>
    f.inject({ method: 'POST', url: '/plan-migration', payload: body });
  const jobs = async () => (await f.inject({ method: 'GET', url: '/jobs' })).json<Job[]>();
  const toArchive = () => ({ dataset_id: datasetId, target_location: 'archive', storage_class: 'archive' });

  describe('with the default limits', () => {
    beforeEach(() => setup());

    it('answers a file → file move: storage from the tier maps, no one-time cost, a default duration', async () => {
      const res = await estimate(toArchive());

      expect(res.statusCode).toBe(200);
      const e = res.json<Estimate>();
      expect(compile(Estimate)(e)).toBe(true);
      expect(e).toMatchObject({
        dataset_id: datasetId,
        bytes: 100 * GiB,
        objects: 1000,
        source: { location: 't', kind: 'file', uri: f.uri('sales'), tier: 'hot', price_per_gb_month: 0.05 },
        target: {
          location: 'archive',
          kind: 'file',
          storage_class: 'archive',
          tier: 'cold',
          price_per_gb_month: 0.01,
        },
        transition: false,
        retire_source: false,
        one_time: [],
        one_time_total_usd: 0,
        // Kept source: 100 GB × $0.05 stays, 100 GB × $0.01 is added.
        monthly_before_usd: 5,
        monthly_after_usd: 6,
        payback_months: null,
        needs_confirm: false,
        confirm_reasons: [],
      });
      // 100 GiB at 200 MB/s + 1,000 objects × 1 ms over 4 in parallel, rounded up.
      expect(e.duration_s).toBe(Math.ceil((100 * GiB) / 200e6 + 0.25));
      expect(e.duration_basis).toMatch(/^default for file→file: 200 MB\/s/);
      expect(e.warnings).toContain(
        'keeps the source as a secondary copy: both are billed until it is removed',
      );
    });

    it('a move into a class that tiers itself says the estimate prices its first tier, and what comes after', async () => {
      // A GCS bucket with Autoclass (nothing is contacted to estimate).
      f.core.locations.create({
        id: 'lake-ac',
        uri: 'gs://lake-ac',
        tiers: { warm: { storage_class: 'AUTOCLASS_ARCHIVE', price_per_gb_month: 0.02 } },
      });
      const res = await estimate({
        dataset_id: datasetId,
        target_location: 'lake-ac',
        storage_class: 'AUTOCLASS_ARCHIVE',
      });
      expect(res.statusCode).toBe(200);
      const e = res.json<Estimate>();
      expect(e.target).toMatchObject({ location: 'lake-ac', tier: 'warm', price_per_gb_month: 0.02 });
      expect(e.warnings).toContain(
        'AUTOCLASS_ARCHIVE tiers itself: priced here at its first tier; after 30 days without access $0.01, ' +
          '90 days without access $0.004, 365 days without access $0.0012 a GB-month (the recommendations price those steps)',
      );
      // An ordinary class says nothing of the kind.
      expect((await estimate(toArchive())).json<Estimate>().warnings.join(' ')).not.toMatch(/tiers itself/);
    });

    it('with retire_source the source stops costing, and the answer asks for confirm', async () => {
      const e = (await estimate({ ...toArchive(), retire_source: true })).json<Estimate>();

      expect(e).toMatchObject({ monthly_after_usd: 1, payback_months: 0, needs_confirm: true });
      expect(e.confirm_reasons.map((r) => r.code)).toEqual(['retire_source']);
      expect(e.warnings[0]).toMatch(/^retires the source/);
    });

    it('measures the duration from past jobs of the same kinds once there are some', async () => {
      // Three completed file→file jobs at 100, 50 and 20 MB/s (median 50 MB/s).
      const insert = f.core.db.prepare(
        `INSERT INTO migration_jobs (job_id, job_key, dataset_id, source_uri, dest_uri, dest_location_id,
           dest_storage_class, dest_tier, status, bytes_total, submitted_at, started_at, finished_at, updated_at)
         VALUES (?, ?, ?, 'file:///a', 'file:///b', 'archive', 'archive', 'cold', 'completed', ?, 0, 1000, ?, 0)`,
      );
      for (const [i, seconds] of [1, 2, 5].entries()) {
        insert.run(
          `00000000-0000-4000-8000-00000000000${i}`,
          `k${i}`,
          datasetId,
          100e6,
          1000 + seconds * 1000,
        );
      }

      const e = (await estimate(toArchive())).json<Estimate>();

      expect(e.throughput_bps).toBe(50e6);
      expect(e.duration_s).toBe(Math.ceil((100 * GiB) / 50e6));
      expect(e.duration_basis).toMatch(/^median of the last 3 completed file→file jobs/);
    });

    it('names the query field at fault', async () => {
      const nowhere = await estimate({ ...toArchive(), target_location: 'nowhere' });
      const noClass = await estimate({ dataset_id: datasetId, target_location: 'archive' });
      const transition = await estimate({
        dataset_id: datasetId,
        target_location: f.uri('sales'),
        storage_class: 'standard',
        tier: 'warm',
        retire_source: true,
      });
      const noDataset = await estimate({ ...toArchive(), dataset_id: 999 });
      const noop = await estimate({
        dataset_id: datasetId,
        target_location: f.uri('sales'),
        storage_class: 'standard',
      });

      expect([nowhere.statusCode, nowhere.json<ErrorBody>().field]).toEqual([404, 'query.target_location']);
      expect(nowhere.json<ErrorBody>().message).toMatch(
        /^query\.target_location: there is no location "nowhere"/,
      );
      expect([noClass.statusCode, noClass.json<ErrorBody>().field]).toEqual([400, 'query.storage_class']);
      expect([transition.statusCode, transition.json<ErrorBody>().field]).toEqual([
        400,
        'query.retire_source',
      ]);
      expect([noDataset.statusCode, noDataset.json<ErrorBody>().field]).toEqual([404, 'query.dataset_id']);
      expect(noop.json<ErrorBody>()).toMatchObject({
        field: 'query.target_location',
        message: /nothing to do$/,
      });
    });

    it('a plan that retires the source without confirm is a 409 carrying the estimate, and creates nothing', async () => {
      const res = await plan({ ...toArchive(), retire_source: true });

      expect(res.statusCode).toBe(409);
      const body = res.json<ErrorBody & { estimate: Estimate }>();
      expect(body).toMatchObject({ error: 'conflict', field: 'body.confirm' });
      expect(body.message).toMatch(
        /^body\.confirm: this move retires the source: .* send "confirm": true to proceed$/,
      );
      expect(compile(Estimate)(body.estimate)).toBe(true);
      expect(body.estimate).toMatchObject({ needs_confirm: true, retire_source: true, monthly_after_usd: 1 });
      expect(await jobs()).toEqual([]);
    });

    it('confirm: true plans it; the same request again returns that job without asking', async () => {
      const confirmed = await plan({ ...toArchive(), retire_source: true, confirm: true });
      const replay = await plan({ ...toArchive(), retire_source: true });

      expect(confirmed.statusCode).toBe(201);
      expect(confirmed.json<Job>()).toMatchObject({ retire_source: true, status: 'queued' });
      expect(replay.statusCode).toBe(200);
      expect(replay.json<Job>().job_id).toBe(confirmed.json<Job>().job_id);
      expect(await jobs()).toHaveLength(1);
    });

    it('a plan that keeps the source and stays under the limit needs no confirm', async () => {
      const res = await plan(toArchive());

      expect(res.statusCode).toBe(201);
    });

    it('documents the route and the estimate on the error body in /openapi.json', async () => {
      const doc = (await f.inject({ method: 'GET', url: '/openapi.json' })).json<{
        paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      }>();

      const params = doc.paths['/estimate']?.get?.parameters?.map((p) => p.name);
      expect(params).toEqual(['dataset_id', 'target_location', 'storage_class', 'tier', 'retire_source']);
      expect(JSON.stringify(doc)).toContain('"confirm"');
    });
  });

  it('a move above confirmAboveBytes needs confirm even when it keeps the source', async () => {
    await setup({ confirmAboveBytes: 10 * GiB });

    const res = await plan(toArchive());
    const ok = await plan({ ...toArchive(), confirm: true });

    expect(res.statusCode).toBe(409);
    const reasons = res.json<{ estimate: Estimate }>().estimate.confirm_reasons;
    expect(reasons).toEqual([
      { code: 'size_limit', message: expect.stringMatching(/^moves more than 10 GiB \(100 GiB;/) as string },
    ]);
    expect(ok.statusCode).toBe(201);
  });
});
