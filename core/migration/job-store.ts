import type { Db } from '../db/database.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { Metrics } from '../metrics.ts';
import type { Tier } from '../contracts/common.ts';
import { TERMINAL_STATUSES, type Job, type JobEvent, type JobStatus } from '../contracts/jobs.ts';
import { notFound } from '../errors.ts';
import { IllegalTransition, canTransition } from './job-transitions.ts';

/**
 * Called inside the transaction of every history row (plan, each transition, a resume
 * note): the outbox writes the job's migration_status / migration_jobs messages here,
 * so they exist exactly when the change committed.
 */
export type JobEventHook = (row: JobRow, status: JobStatus, message: string | null) => void;

export interface JobRow {
  job_id: string;
  job_key: string;
  dataset_id: number;
  source_uri: string;
  dest_uri: string;
  dest_location_id: string;
  dest_storage_class: string;
  dest_tier: Tier;
  retire_source: number;
  status: JobStatus;
  error: string | null;
  attempts: number;
  bytes_total: number;
  bytes_done: number;
  objects_total: number;
  objects_done: number;
  submitted_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

/** Live rate of a running copy; only the mover knows it, the database keeps totals. */
export interface LiveRate {
  throughput_bps: number | null;
  eta_s: number | null;
}

/** A job whose source and destination are the same place: only class and tier change. */
export const isTransition = (r: Pick<JobRow, 'source_uri' | 'dest_uri'>): boolean =>
  r.source_uri === r.dest_uri;

const iso = (ms: number | null): string | null => (ms == null ? null : new Date(ms).toISOString());

export function jobToApi(r: JobRow, live?: LiveRate): Job {
  const fraction =
    r.status === 'completed'
      ? 1
      : r.bytes_total > 0
        ? Math.min(1, r.bytes_done / r.bytes_total)
        : r.objects_total > 0
          ? Math.min(1, r.objects_done / r.objects_total)
          : 0;
  return {
    job_id: r.job_id,
    job_key: r.job_key,
    dataset_id: r.dataset_id,
    source_uri: r.source_uri,
    dest_uri: r.dest_uri,
    dest_location: r.dest_location_id,
    dest_storage_class: r.dest_storage_class,
    dest_tier: r.dest_tier,
    retire_source: r.retire_source === 1,
    status: r.status,
    error: r.error,
    attempts: r.attempts,
    bytes_total: r.bytes_total,
    bytes_copied: r.bytes_done,
    objects_total: r.objects_total,
    objects_done: r.objects_done,
    progress: {
      fraction,
      throughput_bps: live?.throughput_bps ?? null,
      eta_s: live?.eta_s ?? null,
    },
    submitted_at: new Date(r.submitted_at).toISOString(),
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

type Patch = Partial<Pick<JobRow, 'error' | 'started_at' | 'finished_at' | 'attempts'>>;

/**
 * Job rows and their status history. Every status change goes through `transition`,
 * which checks the current status inside the transaction: a job canceled meanwhile
 * is never pushed forward by a mover that has not noticed yet.
 */
export class JobStore {
  /** Filled by the mover while a job copies; read when a job is shown. */
  readonly live = new Map<string, () => LiveRate>();
  private readonly hooks: JobEventHook[] = [];

  constructor(
    readonly db: Db,
    private readonly bus: EventBus,
    private readonly metrics: Metrics,
  ) {}

  find(jobId: string): JobRow | undefined {
    return this.db.prepare('SELECT * FROM migration_jobs WHERE job_id = ?').get(jobId) as JobRow | undefined;
  }

  row(jobId: string, field = 'job_id'): JobRow {
    const row = this.find(jobId);
    if (!row) throw notFound('job', jobId, field);
    return row;
  }

  toApi(row: JobRow): Job {
    return jobToApi(row, this.live.get(row.job_id)?.());
  }

  history(jobId: string): JobEvent[] {
    const rows = this.db
      .prepare('SELECT status, message, at FROM job_events WHERE job_id = ? ORDER BY id')
      .all(jobId) as { status: string; message: string | null; at: number }[];
    return rows.map((e) => ({ status: e.status, message: e.message, at: new Date(e.at).toISOString() }));
  }

  /** Runs `hook` in the transaction of every history row (see JobEventHook). */
  onEvent(hook: JobEventHook): void {
    this.hooks.push(hook);
  }

  /** Appends a history row; call inside the transaction that made the change. */
  addEvent(jobId: string, status: JobStatus, message: string | null, at = Date.now()): void {
    this.db
      .prepare('INSERT INTO job_events (job_id, status, message, at) VALUES (?, ?, ?, ?)')
      .run(jobId, status, message, at);
    if (!this.hooks.length) return;
    const row = this.find(jobId);
    if (row) for (const hook of this.hooks) hook(row, status, message);
  }

  /**
   * Moves a job from one of `from` to `to` with a history row, in one transaction,
   * then publishes `job.updated`. Returns null (and changes nothing) when the job is
   * no longer in one of `from`.
   */
  transition(
    jobId: string,
    from: readonly JobStatus[],
    to: JobStatus,
    message: string | null,
    patch: Patch = {},
  ): JobRow | null {
    // Every caller's moves are checked against the one lifecycle table.
    for (const f of from) if (!canTransition(f, to)) throw new IllegalTransition(f, to);
    const now = Date.now();
    const row = this.db.transaction((): JobRow | null => {
      const cur = this.find(jobId);
      if (!cur || !from.includes(cur.status)) return null;
      return this.write(cur, to, message, patch, now);
    })();
    if (!row) return null;
    this.afterTransition(row, to);
    return row;
  }

  /**
   * A status reported from elsewhere (a worker on migration_status): applied only when the
   * lifecycle table allows the move from the job's current status, inside the caller's
   * transaction; otherwise (a duplicate, a late or out-of-order message) null and nothing
   * changes. Call afterTransition once the transaction committed.
   */
  applyReported(jobId: string, to: JobStatus, message: string | null, patch: Patch = {}): JobRow | null {
    const cur = this.find(jobId);
    if (!cur || !canTransition(cur.status, to)) return null;
    return this.write(cur, to, message, patch, Date.now());
  }

  /** Metrics and the `job.updated` event of a committed transition. */
  afterTransition(row: JobRow, to: JobStatus): void {
    if (TERMINAL_STATUSES.includes(to)) {
      this.metrics.inc('datamotion_migration_jobs_total', 'Migration jobs that ended, by status', 1, {
        status: to,
      });
    }
    this.publish(row);
  }

  private write(cur: JobRow, to: JobStatus, message: string | null, patch: Patch, now: number): JobRow {
    const jobId = cur.job_id;
    const next: JobRow = { ...cur, ...patch, status: to, updated_at: now };
    if (TERMINAL_STATUSES.includes(to)) next.finished_at = now;
    this.db
      .prepare(
        `UPDATE migration_jobs SET status = ?, error = ?, started_at = ?, finished_at = ?, attempts = ?,
           updated_at = ? WHERE job_id = ?`,
      )
      .run(to, next.error, next.started_at, next.finished_at, next.attempts, now, jobId);
    this.addEvent(jobId, to, message, now);
    return next;
  }

  publish(row: JobRow, type: 'job.updated' | 'job.progress' = 'job.updated'): void {
    this.bus.publish({ type, job: this.toApi(row) });
  }
}
