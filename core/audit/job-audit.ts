import type { Db } from '../db/database.ts';
import type { JobStatus } from '../contracts/jobs.ts';
import type { JobRow } from '../migration/job-store.ts';
import { currentNote } from './actor.ts';
import type { AuditLog } from './audit-log.ts';

/**
 * The audit side of the job lifecycle, run by JobStore.onEvent inside the transaction of
 * each history row: a plan, a cancel, a retry, and at completion the switch and (if asked)
 * the retirement.
 * Switch and retirement inherit the actor and recommendation of the plan that caused them.
 */
/** The history messages of JobService.cancel and .retry. */
const CANCELED = 'canceled by the operator';
const RETRIED = 'retry requested';

export function jobAuditHook(db: Db, audit: AuditLog) {
  return (row: JobRow, status: JobStatus, message: string | null): void => {
    if (status === 'queued' && message?.startsWith('planned:')) recordPlan(db, audit, row, message);
    else if (status === 'completed') recordCompletion(audit, row, message);
    // The cancel itself, not the later notes of its cleanup (also written as 'canceled').
    else if (
      (status === 'canceled' && message === CANCELED) ||
      (status === 'queued' && message === RETRIED)
    ) {
      audit.record({
        action: status === 'canceled' ? 'cancel' : 'retry',
        datasetId: row.dataset_id,
        jobId: row.job_id,
        reason: message ?? status,
        details: { source_uri: row.source_uri, dest_uri: row.dest_uri },
      });
    }
  };
}

const moveDetails = (row: JobRow) => ({
  source_uri: row.source_uri,
  dest_uri: row.dest_uri,
  dest_location: row.dest_location_id,
  storage_class: row.dest_storage_class,
  tier: row.dest_tier,
  retire_source: row.retire_source === 1,
  bytes: row.bytes_total,
});

function recordPlan(db: Db, audit: AuditLog, row: JobRow, message: string): void {
  const note = currentNote();
  audit.record({
    action: note?.action ?? 'plan',
    datasetId: row.dataset_id,
    jobId: row.job_id,
    policy: note?.policy ?? null,
    recommendationId: note ? (note.recommendationId ?? null) : matchingRecommendation(db, row),
    reason: note?.reason ?? message,
    details: { ...moveDetails(row), ...note?.details },
    ...(note?.at !== undefined ? { at: note.at } : {}),
  });
}

/** A plan by hand follows the latest recommendation when it goes to the tier that recommends. */
function matchingRecommendation(db: Db, row: JobRow): number | null {
  const rec = db
    .prepare('SELECT id, recommended_tier FROM recommendations WHERE dataset_id = ? ORDER BY id DESC LIMIT 1')
    .get(row.dataset_id) as { id: number; recommended_tier: string } | undefined;
  return rec && rec.recommended_tier === row.dest_tier ? rec.id : null;
}

function recordCompletion(audit: AuditLog, row: JobRow, message: string | null): void {
  const plan = audit.planOf(row.job_id);
  const common = {
    datasetId: row.dataset_id,
    jobId: row.job_id,
    policy: plan?.policy ?? null,
    recommendationId: plan?.recommendation_id ?? null,
    ...(plan ? { actor: plan.actor } : {}),
  };
  const note = message ?? '';
  audit.record({
    ...common,
    action: 'switch',
    reason: note.split('; ')[0] || `dataset now points at ${row.dest_uri}`,
    details: moveDetails(row),
  });
  if (row.retire_source === 1 && row.source_uri !== row.dest_uri) {
    const retired = note.split('; ').slice(1).join('; ') || `source ${row.source_uri} retired`;
    audit.record({
      ...common,
      action: 'retire',
      reason: retired,
      details: { source_uri: row.source_uri, removed: !retired.includes('NOT removed') },
    });
  }
}
