// Filled in by the migration work; the shape below is the contract the API relies on.
import type { Job, JobDetail, JobListQuery, PlanResult } from '../contracts/jobs.ts';

export class JobService {
  /** POST /plan-migration: idempotent on job_key. */
  plan(_input: unknown): PlanResult {
    throw new Error('TODO');
  }
  list(_q: JobListQuery = {}): Job[] {
    throw new Error('TODO');
  }
  get(_jobId: string): JobDetail {
    throw new Error('TODO');
  }
  retry(_jobId: string): Job {
    throw new Error('TODO');
  }
  cancel(_jobId: string): Job {
    throw new Error('TODO');
  }
}
