import type { Dataset } from './datasets.ts';
import type { Job } from './jobs.ts';
import type { Recommendation } from './placement.ts';

/** What the event stream (SSE, IPC) carries to UIs. One bus, one shape. */
export type CoreEvent =
  | { type: 'job.updated'; job: Job }
  | { type: 'job.progress'; job: Job }
  | { type: 'dataset.updated'; dataset: Dataset }
  | { type: 'dataset.deleted'; dataset_id: number }
  | { type: 'recommendation.created'; recommendation: Recommendation }
  /** One per ingested batch; dataset_ids is capped at 1000 entries. */
  | { type: 'telemetry.ingested'; accepted: number; dataset_ids: number[] };

export type CoreEventType = CoreEvent['type'];
