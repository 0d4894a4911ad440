import { randomUUID } from 'node:crypto';
import type { DatasetRow, DatasetService } from '../catalog/dataset-service.ts';
import type { LocationService } from '../catalog/location-service.ts';
import { parse } from '../contracts/validate.ts';
import {
  OPEN_STATUSES,
  PlanMigration,
  type Job,
  type JobDetail,
  type JobListQuery,
  type JobObject,
  type JobObjectsPage,
  type JobObjectsQuery,
  type JobStatus,
  type PlanResult,
} from '../contracts/jobs.ts';
import { conflict, invalid } from '../errors.ts';
import type { JobRow, JobStore } from './job-store.ts';
import { sourcesOf } from './job-transitions.ts';
import type { Mover } from './mover.ts';
import type { EstimateService } from './estimate-service.ts';
import {
  TARGET_FIELD,
  assertDestinationFree,
  derivedKeyBase,
  isInside,
  resolveTarget,
  type Target,
} from './plan-target.ts';

/** From the lifecycle table: failed, canceled and enqueue_failed jobs may be queued again. */
const RETRYABLE: readonly JobStatus[] = sourcesOf('queued');
/** Open jobs but switching, and failed ones (cancel is how an operator clears what a failed job left behind). */
const CANCELABLE: readonly JobStatus[] = sourcesOf('canceled');
const OPEN_SQL = OPEN_STATUSES.map((s) => `'${s}'`).join(',');

/**
 * A rule every plan must pass (the policy document's pin, residency, never-retire-source):
 * throws a DataMotionError naming the rule, inside the plan's transaction.
 */
export type PlanGuard = (ds: DatasetRow, target: Target, storageClass: string, retire: boolean) => void;

export class JobService {
  /** Consulted by plan() before a job is created; see PlanGuard. */
  readonly guards: PlanGuard[] = [];

  constructor(
    private readonly store: JobStore,
    private readonly locations: LocationService,
    private readonly datasets: DatasetService,
    private readonly mover: Pick<Mover, 'wake' | 'canceled' | 'isBusy'>,
    private readonly estimates: Pick<EstimateService, 'forMove'>,
  ) {}

  /** POST /plan-migration: idempotent on job_key. */
  plan(input: unknown): PlanResult {
    const body = parse(PlanMigration, input);
    const ds = this.datasets.row(body.dataset_id, 'body.dataset_id');
    const target = resolveTarget(this.locations, ds, body);
    const retire = body.retire_source ?? false;
    const db = this.store.db;
    const { row, created } = db
      .transaction((): { row: JobRow; created: boolean } => {
        let key = body.job_key;
        if (key !== undefined) {
          const existing = db.prepare('SELECT * FROM migration_jobs WHERE job_key = ?').get(key) as
            JobRow | undefined;
          if (existing) return { row: this.sameRequest(existing, ds, target, body, retire), created: false };
        } else {
          // Same request while its job is open → that job; after it ended → the next generation.
          const base = derivedKeyBase(ds, target.destUri, body.storage_class, target.tier, retire);
          const prior = db
            .prepare(`SELECT * FROM migration_jobs WHERE job_key LIKE ? ORDER BY rowid DESC`)
            .all(`${base}-g%`) as JobRow[];
          const open = prior.find((r) => OPEN_STATUSES.includes(r.status));
          if (open) return { row: open, created: false };
          key = `${base}-g${prior.length + 1}`;
        }
        this.assertPlannable(ds, target, body.storage_class, body.tier, retire);
        for (const guard of this.guards) guard(ds, target, body.storage_class, retire);
        // After the replay checks above: the same request again gets its job, not a second question.
        if (!body.confirm) this.assertNoConfirmNeeded(ds, target, body.storage_class, retire);
        return { row: this.insert(key, ds, target, body.storage_class, retire), created: true };
      })
      .immediate();
    if (created) {
      this.store.publish(row);
      this.mover.wake();
    }
    return { ...this.store.toApi(row), created };
  }

  list(q: JobListQuery = {}): Job[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.status) {
      where.push('status = ?');
      args.push(q.status);
    }
    if (q.dataset_id !== undefined) {
      where.push('dataset_id = ?');
      args.push(q.dataset_id);
    }
    const rows = this.store.db
      .prepare(
        `SELECT * FROM migration_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY submitted_at DESC, rowid DESC LIMIT ?`,
      )
      .all(...args, q.limit ?? 500) as JobRow[];
    return rows.map((r) => this.store.toApi(r));
  }

  get(jobId: string): JobDetail {
    const row = this.store.row(jobId);
    return { ...this.store.toApi(row), history: this.store.history(jobId) };
  }

  /** GET /jobs/{id}/objects: a page of the job's manifest, each object's state and checksums. */
  objects(jobId: string, q: JobObjectsQuery = {}): JobObjectsPage {
    this.store.row(jobId);
    const db = this.store.db;
    const counts = { pending: 0, copied: 0, verified: 0, mismatch: 0 };
    const byState = db
      .prepare('SELECT state, COUNT(*) AS n FROM job_objects WHERE job_id = ? GROUP BY state')
      .all(jobId) as { state: keyof typeof counts; n: number }[];
    for (const { state, n } of byState) counts[state] = n;
    const filter = q.state ? ' AND state = ?' : '';
    const args: (string | number)[] = q.state ? [jobId, q.state] : [jobId];
    const items = db
      .prepare(
        `SELECT rel_path, size_bytes, state, src_crc32c, dst_crc32c, copy_count FROM job_objects
         WHERE job_id = ?${filter} ORDER BY rel_path LIMIT ? OFFSET ?`,
      )
      .all(...args, q.limit ?? 100, q.offset ?? 0) as JobObject[];
    const total = q.state ? counts[q.state] : Object.values(counts).reduce((a, b) => a + b, 0);
    return { job_id: jobId, total, counts, items };
  }

  /** Back to queued; attempts and the manifest are kept, so objects already verified are not copied again. */
  retry(jobId: string): Job {
    const row = this.store.row(jobId);
    if (!RETRYABLE.includes(row.status)) {
      throw conflict(
        `job ${jobId} is ${row.status}; only failed, canceled or enqueue_failed jobs can be retried`,
        'job_id',
      );
    }
    if (this.mover.isBusy(jobId)) {
      throw conflict(
        `job ${jobId} is still removing what it wrote after its cancel; retry in a moment`,
        'job_id',
      );
    }
    const ds = this.datasets.row(row.dataset_id);
    if (ds.path_uri !== row.source_uri) {
      throw conflict(
        `dataset ${ds.id} has moved to ${ds.path_uri} since job ${jobId} was planned; plan a new migration`,
        'job_id',
      );
    }
    this.assertNoOpenJob(ds, 'job_id');
    const next = this.store.transition(jobId, [row.status], 'queued', 'retry requested', {
      error: null,
      finished_at: null,
    });
    if (!next) throw conflict(`job ${jobId} changed state meanwhile; look at it again`, 'job_id');
    this.mover.wake();
    return this.store.toApi(next);
  }

  /** Stops a job; what it wrote at the destination is removed (the source is never touched). */
  cancel(jobId: string): Job {
    const row = this.store.row(jobId);
    if (row.status === 'switching') {
      throw conflict(
        `job ${jobId} is switching the dataset to its verified copy and cannot be canceled now; ` +
          'wait for it to complete, then plan a migration back if needed',
        'job_id',
      );
    }
    if (!CANCELABLE.includes(row.status)) {
      throw conflict(`job ${jobId} is ${row.status} and cannot be canceled`, 'job_id');
    }
    const next = this.store.transition(jobId, [row.status], 'canceled', 'canceled by the operator', {
      error: null,
    });
    if (!next) throw conflict(`job ${jobId} changed state meanwhile; look at it again`, 'job_id');
    this.mover.canceled(jobId);
    return this.store.toApi(next);
  }

  /** An explicit job_key seen before: the same request gets its job back, another one a 409. */
  private sameRequest(
    existing: JobRow,
    ds: DatasetRow,
    t: Target,
    body: PlanMigration,
    retire: boolean,
  ): JobRow {
    const diffs: string[] = [];
    const cmp = (name: string, was: unknown, now: unknown) => {
      if (was !== now) diffs.push(`${name} ${JSON.stringify(was)} (now ${JSON.stringify(now)})`);
    };
    cmp('dataset_id', existing.dataset_id, ds.id);
    cmp('destination', existing.dest_uri, t.destUri);
    cmp('storage_class', existing.dest_storage_class, body.storage_class);
    cmp('tier', existing.dest_tier, t.tier);
    cmp('retire_source', existing.retire_source === 1, retire);
    if (diffs.length) {
      throw conflict(
        `body.job_key: "${existing.job_key}" already names job ${existing.job_id} with ${diffs.join(', ')}; ` +
          'use a new job_key for a different request',
        'body.job_key',
      );
    }
    return existing;
  }

  private assertPlannable(
    ds: DatasetRow,
    t: Target,
    storageClass: string,
    tier: string | undefined,
    retire: boolean,
  ): void {
    const source = ds.path_uri;
    const dest = t.destUri;
    if (dest === source) {
      if (storageClass === ds.storage_class && (tier === undefined || tier === ds.current_tier)) {
        throw invalid(
          TARGET_FIELD,
          `dataset ${ds.id} is already at ${dest} with storage class "${storageClass}"; nothing to do`,
        );
      }
      if (retire) {
        throw invalid(
          'body.retire_source',
          'a storage-class transition keeps the data where it is, so there is no source to retire',
        );
      }
    } else if (isInside(dest, source)) {
      throw invalid(
        TARGET_FIELD,
        `${dest} is inside the dataset's current folder ${source}; pick a folder outside it`,
      );
    } else if (isInside(source, dest)) {
      throw invalid(
        TARGET_FIELD,
        `${dest} contains the dataset's current folder ${source}; pick a folder beside it`,
      );
    }
    this.assertNoOpenJob(ds, 'body.dataset_id');
    if (dest === source) return;
    this.datasets.assertNoOverlap(dest, TARGET_FIELD, ds.id);
    const rival = this.store.db
      .prepare(
        `SELECT job_id, dest_uri FROM migration_jobs WHERE status IN (${OPEN_SQL})
         AND (dest_uri = ? OR substr(?, 1, length(dest_uri) + 1) = dest_uri || '/'
              OR substr(dest_uri, 1, length(?) + 1) = ? || '/') LIMIT 1`,
      )
      .get(dest, dest, dest, dest) as { job_id: string; dest_uri: string } | undefined;
    if (rival) {
      throw conflict(
        `${TARGET_FIELD}: ${dest} overlaps ${rival.dest_uri}, where open job ${rival.job_id} is writing`,
        TARGET_FIELD,
      );
    }
    assertDestinationFree(dest);
  }

  /** A move that deletes data, pays an early-deletion charge or is very large asks first. */
  private assertNoConfirmNeeded(ds: DatasetRow, t: Target, storageClass: string, retire: boolean): void {
    const estimate = this.estimates.forMove(ds, t, storageClass, retire);
    if (!estimate.needs_confirm) return;
    throw conflict(
      `body.confirm: this move ${estimate.confirm_reasons.map((r) => r.message).join('; ')}. ` +
        'Review the estimate in this answer, then send "confirm": true to proceed',
      'body.confirm',
      { estimate },
    );
  }

  private assertNoOpenJob(ds: DatasetRow, field: string): void {
    const open = this.store.db
      .prepare(
        `SELECT job_id, status FROM migration_jobs WHERE dataset_id = ? AND status IN (${OPEN_SQL}) LIMIT 1`,
      )
      .get(ds.id) as { job_id: string; status: JobStatus } | undefined;
    if (open) {
      throw conflict(
        `dataset ${ds.id} already has an open migration, job ${open.job_id} (${open.status}); wait for it or cancel it`,
        field,
      );
    }
  }

  private insert(key: string, ds: DatasetRow, t: Target, storageClass: string, retire: boolean): JobRow {
    const now = Date.now();
    const jobId = randomUUID();
    const db = this.store.db;
    db.prepare(
      `INSERT INTO migration_jobs (job_id, job_key, dataset_id, source_uri, dest_uri, dest_location_id,
         dest_storage_class, dest_tier, retire_source, status, attempts, bytes_total, bytes_done,
         objects_total, objects_done, submitted_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, 0, ?, 0, ?, ?)`,
    ).run(
      jobId,
      key,
      ds.id,
      ds.path_uri,
      t.destUri,
      t.location.id,
      storageClass,
      t.tier,
      retire ? 1 : 0,
      // Estimates from the catalog until the copy lists the source.
      ds.size_bytes,
      ds.object_count,
      now,
      now,
    );
    this.store.addEvent(
      jobId,
      'queued',
      `planned: ${ds.path_uri} → ${t.destUri} (${storageClass}, ${t.tier}${retire ? ', retire source' : ''})`,
      now,
    );
    return this.store.row(jobId);
  }
}
