import type { DatasetRow, DatasetService } from '../catalog/dataset-service.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { Db } from '../db/database.ts';
import { retryOptions } from './copy-phase.ts';
import { errorText, type JobContext } from './job-context.ts';
import { isTransition, type JobRow } from './job-store.ts';
import { PermanentError, withRetry } from './retry.ts';

export interface SwitchDeps {
  datasets: DatasetService;
  bus: EventBus;
}

/** True when the dataset already is where the job takes it (a restart after the switch committed). */
export function alreadySwitched(job: JobRow, ds: DatasetRow): boolean {
  return (
    ds.path_uri === job.dest_uri &&
    ds.storage_class === job.dest_storage_class &&
    ds.current_tier === job.dest_tier
  );
}

/**
 * switching: points the dataset at the verified copy and sets the replica roles in ONE
 * transaction (readers see the old or the new location, never a mix), then, only once
 * that committed and only if asked, removes the source. Returns a note for the history.
 */
export async function switchPhase(ctx: JobContext, deps: SwitchDeps): Promise<string> {
  const { job } = ctx;
  const ds = deps.datasets.row(job.dataset_id);
  let note: string;
  if (alreadySwitched(job, ds)) {
    note = `dataset already pointed at ${job.dest_uri}`;
  } else {
    // Summed before the transaction: over a million rows the sum yields between pages.
    const totals = isTransition(job)
      ? { objects: ds.object_count, bytes: ds.size_bytes }
      : await ctx.manifest.totals();
    commitSwitch(ctx, totals);
    deps.bus.publish({ type: 'dataset.updated', dataset: deps.datasets.get(job.dataset_id) });
    note = isTransition(job)
      ? `storage class is now ${job.dest_storage_class} (${job.dest_tier})`
      : `dataset now points at ${job.dest_uri}`;
  }
  if (job.retire_source === 1 && !isTransition(job)) note += `; ${await retireSource(ctx, deps)}`;
  return note;
}

function commitSwitch(ctx: JobContext, totals: { objects: number; bytes: number }): void {
  const db = ctx.store.db;
  db.transaction(() => switchRows(db, ctx.job, totals))();
}

/**
 * The dataset pointer and the replica roles of a switch; call inside a transaction (the
 * control plane applying a worker's verified result puts its status change in the same one).
 */
export function switchRows(db: Db, job: JobRow, totals: { objects: number; bytes: number }): void {
  const now = Date.now();
  const ds = db.prepare('SELECT path_uri FROM datasets WHERE id = ?').get(job.dataset_id) as
    { path_uri: string } | undefined;
  if (!ds || ds.path_uri !== job.source_uri) {
    throw new PermanentError(
      `dataset ${job.dataset_id} no longer points at this job's source ${job.source_uri}` +
        `${ds ? ` (it points at ${ds.path_uri})` : ''}; plan a new migration`,
    );
  }
  db.prepare(
    `UPDATE datasets SET path_uri = ?, location_id = ?, current_tier = ?, storage_class = ?,
         size_bytes = ?, object_count = ?, updated_at = ? WHERE id = ?`,
  ).run(
    job.dest_uri,
    job.dest_location_id,
    job.dest_tier,
    job.dest_storage_class,
    totals.bytes,
    totals.objects,
    now,
    job.dataset_id,
  );
  if (!isTransition(job)) {
    db.prepare(`UPDATE replicas SET role = ?, updated_at = ? WHERE dataset_id = ? AND role = 'primary'`).run(
      job.retire_source ? 'retired' : 'secondary',
      now,
      job.dataset_id,
    );
  }
  db.prepare(
    `INSERT INTO replicas (dataset_id, location_id, uri, role, storage_class, tier, created_at, updated_at)
       VALUES (?, ?, ?, 'primary', ?, ?, ?, ?)
       ON CONFLICT (dataset_id, uri) DO UPDATE SET role = 'primary', location_id = excluded.location_id,
         storage_class = excluded.storage_class, tier = excluded.tier, updated_at = excluded.updated_at`,
  ).run(job.dataset_id, job.dest_location_id, job.dest_uri, job.dest_storage_class, job.dest_tier, now, now);
}

/**
 * Deletes the old copy. The switch has committed, so a failure here loses nothing: the
 * job still completes and its history says what to delete by hand.
 */
export async function retireSource(
  ctx: Pick<JobContext, 'job' | 'src' | 'signal' | 'logger' | 'maxAttempts'>,
  deps: Pick<SwitchDeps, 'datasets'>,
): Promise<string> {
  const { job } = ctx;
  try {
    // Never delete files another dataset lives in (a dataset registered later inside the old path).
    deps.datasets.assertNoOverlap(job.source_uri, 'source_uri', job.dataset_id);
    await withRetry(() => ctx.src.removeRoot(job.source_uri), retryOptions(ctx, 'removing the source'));
    return `source ${job.source_uri} removed`;
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    ctx.logger.warn({ job_id: job.job_id, err: errorText(e) }, 'source not retired');
    return `source ${job.source_uri} was NOT removed (${errorText(e)}); delete it by hand`;
  }
}
