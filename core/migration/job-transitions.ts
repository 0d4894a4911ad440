import type { JobStatus } from '../contracts/jobs.ts';

/**
 * The job lifecycle, in one table: from each status, the statuses a job may move to.
 * The local mover, the job service (plan, retry, cancel), remote workers and the
 * control plane's migration_status consumer all go through JobStore.transition, which
 * checks it; a status message that is not an allowed move (late, duplicated, out of
 * order) is ignored, so a job never goes backwards.
 */
export const TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  // copying: a copy starts; switching: a class change on file:// is catalog metadata only.
  queued: ['copying', 'switching', 'failed', 'canceled', 'enqueue_failed'],
  copying: ['verifying', 'failed', 'canceled'],
  verifying: ['switching', 'failed', 'canceled'],
  // verifying: resumed after a restart before the switch committed, so it is checked again.
  switching: ['completed', 'failed', 'verifying'],
  completed: [],
  // queued: a retry; canceled: cleaning up what a failed job left.
  failed: ['queued', 'canceled'],
  canceled: ['queued'],
  enqueue_failed: ['queued', 'canceled'],
};

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses a job may come from to reach `to` (for callers that accept any legal source). */
export function sourcesOf(to: JobStatus): JobStatus[] {
  return (Object.keys(TRANSITIONS) as JobStatus[]).filter((from) => canTransition(from, to));
}

/** A programming error: a caller asked for a move the lifecycle does not have. */
export class IllegalTransition extends Error {
  constructor(from: JobStatus, to: JobStatus) {
    super(`a job cannot go from ${from} to ${to} (allowed: ${TRANSITIONS[from].join(', ') || 'none'})`);
    this.name = 'IllegalTransition';
  }
}
