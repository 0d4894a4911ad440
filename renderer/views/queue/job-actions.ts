import type { JobStatus } from '../../../core/contracts/jobs.ts';

/** The server's rules (core/migration/job-service.ts), so buttons are offered only when they can work. */
export const CANCELABLE: readonly JobStatus[] = [
  'queued',
  'copying',
  'verifying',
  'failed',
  'enqueue_failed',
];
export const RETRYABLE: readonly JobStatus[] = ['failed', 'canceled', 'enqueue_failed'];

export type QueueFilter = 'all' | 'active' | 'failed' | 'done';
export const FILTERS: { id: QueueFilter; label: string; statuses: readonly JobStatus[] | null }[] = [
  { id: 'all', label: 'All', statuses: null },
  { id: 'active', label: 'In flight', statuses: ['queued', 'copying', 'verifying', 'switching'] },
  { id: 'failed', label: 'Failed', statuses: ['failed', 'enqueue_failed', 'canceled'] },
  { id: 'done', label: 'Completed', statuses: ['completed'] },
];
