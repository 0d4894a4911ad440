import type { Db } from '../db/database.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { CoreConfig } from '../config.ts';
import type { DatasetService } from '../catalog/dataset-service.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { StorageRegistry } from '../storage/registry.ts';
import { OPEN_STATUSES, type JobStatus } from '../contracts/jobs.ts';
import { copyPhase } from './copy-phase.ts';
import { cleanupDestination } from './cleanup.ts';
import { errorText, type JobContext } from './job-context.ts';
import { isTransition, type JobRow, type JobStore } from './job-store.ts';
import { Manifest } from './manifest.ts';
import { alreadySwitched, switchPhase } from './switch-phase.ts';
import { verifyPhase } from './verify-phase.ts';
import { Throttle } from './throttle.ts';
import { describeStorageError } from '../storage/probe.ts';

export interface MoverDeps {
  db: Db;
  bus: EventBus;
  store: JobStore;
  storage: StorageRegistry;
  datasets: DatasetService;
  metrics: Metrics;
  logger: Logger;
  config: CoreConfig['mover'];
  /**
   * A worker's mover stops once every object is verified: it reports `switching` (the
   * hand-off) and the control plane, which owns the catalog, switches.
   */
  handoffSwitch?: boolean;
}

/** The history note of a worker's hand-off. */
export const HANDOFF_NOTE = 'every object verified; the control plane switches the dataset';

/** Why a run was aborted: a shutdown leaves the job resumable, a cancel cleans up after it. */
export class AbortReason extends Error {
  override readonly name = 'AbortError';
  constructor(readonly kind: 'shutdown' | 'canceled') {
    super(kind === 'shutdown' ? 'the mover is stopping' : 'the job was canceled');
  }
}

/**
 * A failed job's error as an operator reads it: when the store could not be reached or
 * refused the credentials, the same sentence POST /locations/{id}/test gives comes first,
 * then the store's own words (which name the bucket and object).
 */
function explainFailure(e: unknown, phase: JobStatus): string {
  const raw = errorText(e);
  const { cause, problem } = describeStorageError(e, phase === 'verifying' ? 'head' : 'put');
  return cause === 'other' ? raw : `${problem}. ${raw}`;
}

/** Thrown when the job's status changed under the mover (a cancel won the race). */
class StatusMoved extends Error {}

/**
 * The in-process mover: runs up to `concurrency` jobs, each through
 * copying → verifying → switching → completed. Jobs found mid-flight at start (a crash
 * or a kill) are resumed from their manifest; nothing is trusted that was not verified.
 */
export class Mover {
  private started = false;
  private stopping = false;
  private readonly running = new Map<string, { ctl: AbortController; done: Promise<void> }>();
  /** Canceled jobs whose destination cleanup has not finished (in their run or on its own). */
  private readonly cleaning = new Set<string>();
  private readonly cleanups = new Map<string, Promise<void>>();
  private readonly throttle: Throttle;

  constructor(private readonly deps: MoverDeps) {
    this.throttle = new Throttle(deps.config.bandwidthBytesPerSec ?? 0);
  }

  /** Recovers interrupted jobs, then starts taking queued ones. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    // A cancel whose cleanup a crash interrupted still has its manifest: finish removing.
    const pending = this.deps.db
      .prepare(
        `SELECT job_id FROM migration_jobs j WHERE status = 'canceled'
         AND EXISTS (SELECT 1 FROM job_objects o WHERE o.job_id = j.job_id)`,
      )
      .pluck()
      .all() as string[];
    for (const id of pending) this.canceled(id);
    this.pump();
  }

  /** Stops taking jobs; running copies are aborted and left resumable. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const r of this.running.values()) r.ctl.abort(new AbortReason('shutdown'));
    await Promise.allSettled([...[...this.running.values()].map((r) => r.done), ...this.cleanups.values()]);
    this.started = false;
  }

  /** Looks for work now (after a plan or a retry). */
  wake(): void {
    if (this.started && !this.stopping) this.pump();
  }

  /** True while a canceled job's cleanup has not finished: it cannot be retried yet. */
  isBusy(jobId: string): boolean {
    return this.cleaning.has(jobId);
  }

  /**
   * Runs one job now, outside the queue (a worker runs the job its partition delivered).
   * Aborting `signal` with an AbortReason('shutdown') leaves the job resumable.
   */
  async runJob(jobId: string, signal: AbortSignal): Promise<void> {
    await this.run(jobId, signal);
  }

  /** Called after a job was marked canceled: aborts its run, or removes what it wrote. */
  canceled(jobId: string): void {
    const run = this.running.get(jobId);
    if (run) {
      // The run cleans up once its in-flight writes have stopped.
      this.cleaning.add(jobId);
      run.ctl.abort(new AbortReason('canceled'));
      return;
    }
    if (this.cleanups.has(jobId)) return;
    const job = this.deps.store.find(jobId);
    // No manifest: the job never wrote anything.
    if (!job || !new Manifest(this.deps.db, jobId).hasRows()) return;
    const p = this.cleanup(job).finally(() => this.cleanups.delete(jobId));
    this.cleanups.set(jobId, p);
  }

  private pump(): void {
    const { db, config } = this.deps;
    while (this.running.size < config.concurrency) {
      // Interrupted jobs first (they hold a destination), then the queue in order.
      const ids = db
        .prepare(
          `SELECT job_id FROM migration_jobs WHERE status IN (${OPEN_STATUSES.map(() => '?').join(',')})
           ORDER BY status = 'queued', submitted_at, rowid`,
        )
        .pluck()
        .all(...OPEN_STATUSES) as string[];
      const next = ids.find((id) => !this.running.has(id) && !this.cleaning.has(id));
      if (!next) return;
      const ctl = new AbortController();
      const entry = { ctl, done: Promise.resolve() };
      this.running.set(next, entry);
      entry.done = this.run(next, ctl.signal)
        .catch((e: unknown) => this.deps.logger.error({ job_id: next, err: errorText(e) }, 'mover error'))
        .finally(() => {
          this.running.delete(next);
          // Canceled after the run had already ended (a failed job winding down): clean up now.
          if (this.cleaning.delete(next) && !this.cleanups.has(next)) this.canceled(next);
          this.wake();
        });
    }
  }

  private async run(jobId: string, signal: AbortSignal): Promise<void> {
    const { store } = this.deps;
    const advance = (from: JobStatus, to: JobStatus, message: string | null, patch = {}): JobRow => {
      const row = store.transition(jobId, [from], to, message, patch);
      if (!row) throw new StatusMoved();
      return row;
    };
    let job = store.row(jobId);
    try {
      if (job.status === 'queued') {
        // A class change on file:// is catalog metadata only (the file driver has no classes);
        // on an object store every object is rewritten in place, through copying and verifying.
        const metadataOnly = isTransition(job) && this.deps.storage.forUri(job.dest_uri).scheme === 'file';
        job = advance(
          'queued',
          metadataOnly ? 'switching' : 'copying',
          metadataOnly && this.deps.handoffSwitch ? HANDOFF_NOTE : null,
          {
            attempts: job.attempts + 1,
            started_at: job.started_at ?? Date.now(),
            error: null,
          },
        );
        if (metadataOnly && this.deps.handoffSwitch) return;
      } else {
        job = this.resume(job);
      }
      const ctx = this.context(job, signal);
      if (job.status === 'copying') {
        await copyPhase(ctx);
        const t = await ctx.manifest.totals();
        // Published before any destination byte is read again: a watcher sees 'verifying' first.
        job = advance('copying', 'verifying', `copied ${t.objects} objects, ${t.bytes} bytes`);
      }
      if (job.status === 'verifying') {
        await verifyPhase({ ...ctx, job });
        if (this.deps.handoffSwitch) {
          advance('verifying', 'switching', HANDOFF_NOTE);
          return;
        }
        job = advance('verifying', 'switching', 'every object matches its source checksum and size');
      }
      if (job.status === 'switching') {
        const note = await switchPhase({ ...ctx, job }, this.deps);
        advance('switching', 'completed', note);
      }
    } catch (e) {
      await this.onRunError(jobId, signal, e);
    }
  }

  /** Picks up a job a previous process left mid-flight. */
  private resume(job: JobRow): JobRow {
    const { store, datasets } = this.deps;
    this.deps.logger.info({ job_id: job.job_id, status: job.status }, 'resuming interrupted job');
    if (job.status === 'switching' && !alreadySwitched(job, datasets.row(job.dataset_id))) {
      // The switch did not commit: nothing unverified may become primary, so check again.
      const row = store.transition(job.job_id, ['switching'], 'verifying', 'resumed after a restart');
      if (!row) throw new StatusMoved();
      return row;
    }
    store.db.transaction(() => store.addEvent(job.job_id, job.status, 'resumed after a restart'))();
    store.publish(job);
    return job;
  }

  private async onRunError(jobId: string, signal: AbortSignal, e: unknown): Promise<void> {
    const { store, logger } = this.deps;
    if (signal.reason instanceof AbortReason && signal.reason.kind === 'shutdown') return;
    const cur = store.find(jobId);
    if (cur?.status === 'canceled') {
      await this.cleanup(cur);
      return;
    }
    if (!cur || !OPEN_STATUSES.includes(cur.status)) return;
    const message = explainFailure(e, cur.status);
    logger.warn({ job_id: jobId, err: message }, 'migration failed');
    store.transition(jobId, [cur.status], 'failed', message, { error: message });
  }

  private async cleanup(job: JobRow): Promise<void> {
    this.cleaning.add(job.job_id);
    try {
      const note = await cleanupDestination(this.deps, job, this.deps.config);
      if (note) {
        const { store } = this.deps;
        store.db.transaction(() => store.addEvent(job.job_id, 'canceled', note))();
        store.publish(store.row(job.job_id));
      }
    } catch (e) {
      // The manifest stays, so the next start tries again.
      this.deps.logger.error({ job_id: job.job_id, err: errorText(e) }, 'cleanup after cancel failed');
    } finally {
      this.cleaning.delete(job.job_id);
    }
  }

  private context(job: JobRow, signal: AbortSignal): JobContext {
    const { store, storage, config, metrics, logger } = this.deps;
    return {
      job,
      store,
      manifest: new Manifest(store.db, job.job_id),
      src: storage.forUri(job.source_uri),
      dst: storage.forUri(job.dest_uri),
      signal,
      objectConcurrency: config.objectConcurrency,
      maxAttempts: config.maxAttempts,
      throttle: this.throttle,
      verifyTransitionClass: config.verifyTransitionClass ?? true,
      metrics,
      logger,
    };
  }
}
