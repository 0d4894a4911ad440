import { describe, expect, it } from 'vitest';
import { applyEvent, type EventSlices } from '../../renderer/store/reducer.ts';
import type { Dataset } from '../../core/contracts/datasets.ts';
import type { Job } from '../../core/contracts/jobs.ts';
import type { Recommendation } from '../../core/contracts/placement.ts';

// The store's event reducer on plain objects: each event touches only what it names.
const dataset = (id: number, over: Partial<Dataset> = {}): Dataset => ({
  id,
  name: `d${id}`,
  path_uri: `file:///s/d${id}`,
  location: 'fast',
  current_tier: 'hot',
  storage_class: 'standard',
  latency_slo_ms: null,
  size_bytes: 100,
  object_count: 1,
  owner: null,
  last_access_ts: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  ...over,
});

const job = (id: string, over: Partial<Job> = {}): Job => ({
  job_id: id,
  job_key: `k-${id}`,
  dataset_id: 1,
  source_uri: 'file:///s/d1',
  dest_uri: 'file:///a/d1',
  dest_location: 'archive',
  dest_storage_class: 'standard',
  dest_tier: 'cold',
  retire_source: false,
  status: 'queued',
  error: null,
  attempts: 0,
  bytes_total: 1000,
  bytes_copied: 0,
  objects_total: 10,
  objects_done: 0,
  progress: { fraction: 0, throughput_bps: null, eta_s: null },
  submitted_at: '2026-01-01T00:00:00.000Z',
  started_at: null,
  finished_at: null,
  updated_at: '2026-01-01T00:00:00.000Z',
  ...over,
});

const rec = (dataset_id: number, id: number, ts: string): Recommendation => ({
  id,
  dataset_id,
  current_tier: 'hot',
  recommended_tier: 'cold',
  reasons: ['idle'],
  model_version: 'recency-v1',
  ts,
});

const base = (): EventSlices => ({
  datasets: { 1: dataset(1), 2: dataset(2) },
  jobs: {},
  openJobByDataset: {},
  recommendations: {},
  usage: {},
});

describe('store event reducer', () => {
  it('job.progress replaces one job and indexes it as its dataset open job; other slices keep identity', () => {
    const s = base();
    const patch = applyEvent(s, {
      type: 'job.progress',
      job: job('j1', { status: 'copying', bytes_copied: 500, updated_at: '2026-01-01T00:00:01.000Z' }),
    });
    expect(Object.keys(patch).sort()).toEqual(['jobs', 'openJobByDataset']);
    expect(patch.jobs?.j1?.bytes_copied).toBe(500);
    expect(patch.openJobByDataset).toEqual({ 1: 'j1' });

    // A second progress event of the same job keeps the index object as it is.
    const s2 = { ...s, ...patch };
    const patch2 = applyEvent(s2, {
      type: 'job.progress',
      job: job('j1', { status: 'verifying', bytes_copied: 1000, updated_at: '2026-01-01T00:00:02.000Z' }),
    });
    expect(Object.keys(patch2)).toEqual(['jobs']);
    expect(patch2.jobs?.j1?.status).toBe('verifying');
  });

  it('a finished job leaves the open-job index; an older snapshot is ignored', () => {
    const open = job('j1', { status: 'switching', updated_at: '2026-01-01T00:00:05.000Z' });
    const s = { ...base(), jobs: { j1: open }, openJobByDataset: { 1: 'j1' } };
    const done = job('j1', { status: 'completed', updated_at: '2026-01-01T00:00:06.000Z' });
    const patch = applyEvent(s, { type: 'job.updated', job: done });
    expect(patch.jobs?.j1?.status).toBe('completed');
    expect(patch.openJobByDataset).toEqual({});

    const s2 = { ...s, ...patch };
    expect(applyEvent(s2, { type: 'job.progress', job: open })).toEqual({});
  });

  it('dataset.updated replaces one dataset (replicas dropped); dataset.deleted removes it everywhere', () => {
    const s = {
      ...base(),
      recommendations: { 2: rec(2, 1, '2026-01-01T00:00:00.000Z') },
      usage: { 2: { buckets: [], stale: false, loading: false, fetchedAt: 1 } },
      openJobByDataset: { 2: 'j9' },
    };
    const detail = { ...dataset(1, { current_tier: 'cold' }), replicas: [] };
    const patch = applyEvent(s, { type: 'dataset.updated', dataset: detail });
    expect(Object.keys(patch)).toEqual(['datasets']);
    expect(patch.datasets?.[1]).toEqual(dataset(1, { current_tier: 'cold' }));
    expect(patch.datasets?.[2]).toBe(s.datasets[2]);

    const gone = applyEvent(s, { type: 'dataset.deleted', dataset_id: 2 });
    expect(Object.keys(gone.datasets ?? {})).toEqual(['1']);
    expect(gone.recommendations).toEqual({});
    expect(gone.usage).toEqual({});
    expect(gone.openJobByDataset).toEqual({});
    expect(applyEvent(s, { type: 'dataset.deleted', dataset_id: 99 })).toEqual({});
  });

  it('recommendation.created keeps the newest per dataset', () => {
    const s = { ...base(), recommendations: { 1: rec(1, 5, '2026-01-02T00:00:00.000Z') } };
    expect(
      applyEvent(s, {
        type: 'recommendation.created',
        recommendation: rec(1, 4, '2026-01-01T00:00:00.000Z'),
      }),
    ).toEqual({});
    const newer = rec(1, 6, '2026-01-03T00:00:00.000Z');
    expect(applyEvent(s, { type: 'recommendation.created', recommendation: newer }).recommendations).toEqual({
      1: newer,
    });
  });

  it('telemetry.ingested marks only the sparklines already read as stale', () => {
    const fresh = { buckets: [], stale: false, loading: false, fetchedAt: 1 };
    const s = { ...base(), usage: { 1: fresh } };
    const patch = applyEvent(s, { type: 'telemetry.ingested', accepted: 10, dataset_ids: [1, 2] });
    expect(patch.usage).toEqual({ 1: { ...fresh, stale: true } });
    expect(
      applyEvent({ ...s, ...patch }, { type: 'telemetry.ingested', accepted: 1, dataset_ids: [1] }),
    ).toEqual({});
  });
});
