import type { CoreEvent } from '../../core/contracts/events.ts';
import type { Dataset } from '../../core/contracts/datasets.ts';
import { OPEN_STATUSES, type Job } from '../../core/contracts/jobs.ts';
import type { Recommendation } from '../../core/contracts/placement.ts';
import type { StoreData } from './types.ts';

/** The slices an event can touch. */
export type EventSlices = Pick<
  StoreData,
  'datasets' | 'jobs' | 'openJobByDataset' | 'recommendations' | 'usage'
>;

/** Drops what a list does not show (a dataset.updated event carries the replicas too). */
export function toDataset(d: Dataset): Dataset {
  if (!('replicas' in d)) return d;
  const { replicas: _replicas, ...rest } = d as Dataset & { replicas?: unknown };
  return rest;
}

const isOpen = (job: Job) => OPEN_STATUSES.includes(job.status);

/** Puts one job in, keeping the dataset → open job index right. Older snapshots are ignored. */
export function withJob(s: Pick<EventSlices, 'jobs' | 'openJobByDataset'>, job: Job): Partial<EventSlices> {
  const prev = s.jobs[job.job_id];
  if (prev && prev.updated_at > job.updated_at) return {};
  // A late progress snapshot must not reopen a job that has ended.
  if (prev && !isOpen(prev) && isOpen(job) && prev.updated_at === job.updated_at) return {};
  const patch: Partial<EventSlices> = { jobs: { ...s.jobs, [job.job_id]: job } };
  const indexed = s.openJobByDataset[job.dataset_id];
  if (isOpen(job) && indexed !== job.job_id) {
    patch.openJobByDataset = { ...s.openJobByDataset, [job.dataset_id]: job.job_id };
  } else if (!isOpen(job) && indexed === job.job_id) {
    const { [job.dataset_id]: _gone, ...rest } = s.openJobByDataset;
    patch.openJobByDataset = rest;
  }
  return patch;
}

/** Keeps the newest recommendation of a dataset. */
export function withRecommendation(
  recs: EventSlices['recommendations'],
  r: Recommendation,
): EventSlices['recommendations'] | undefined {
  const prev = recs[r.dataset_id];
  if (prev && (prev.ts > r.ts || (prev.ts === r.ts && prev.id > r.id))) return undefined;
  return { ...recs, [r.dataset_id]: r };
}

/**
 * Applies one bus event to the store, touching only what it names: a job.progress
 * replaces one job, a dataset.updated one dataset. Returns the slices that changed
 * (an empty object when nothing did), never refetches.
 */
export function applyEvent(s: EventSlices, event: CoreEvent): Partial<EventSlices> {
  switch (event.type) {
    case 'job.updated':
    case 'job.progress':
      return withJob(s, event.job);
    case 'dataset.updated':
      return { datasets: { ...s.datasets, [event.dataset.id]: toDataset(event.dataset) } };
    case 'dataset.deleted': {
      const id = event.dataset_id;
      const patch: Partial<EventSlices> = {};
      if (id in s.datasets) {
        const { [id]: _d, ...datasets } = s.datasets;
        patch.datasets = datasets;
      }
      if (id in s.recommendations) {
        const { [id]: _r, ...recommendations } = s.recommendations;
        patch.recommendations = recommendations;
      }
      if (id in s.usage) {
        const { [id]: _u, ...usage } = s.usage;
        patch.usage = usage;
      }
      if (id in s.openJobByDataset) {
        const { [id]: _j, ...openJobByDataset } = s.openJobByDataset;
        patch.openJobByDataset = openJobByDataset;
      }
      return patch;
    }
    case 'recommendation.created': {
      const recommendations = withRecommendation(s.recommendations, event.recommendation);
      return recommendations ? { recommendations } : {};
    }
    case 'telemetry.ingested': {
      // Mark read sparklines stale; the store refetches the visible ones, throttled.
      let usage: EventSlices['usage'] | undefined;
      for (const id of event.dataset_ids) {
        const entry = s.usage[id];
        if (!entry || entry.stale) continue;
        usage ??= { ...s.usage };
        usage[id] = { ...entry, stale: true };
      }
      return usage ? { usage } : {};
    }
  }
}
