import type { Outbox } from '../bus/outbox.ts';
import type { JobStatus } from '../contracts/jobs.ts';
import type { MigrationJobMessage, MigrationStatusMessage } from '../contracts/kafka-messages.ts';
import type { JobEventHook, JobRow } from './job-store.ts';

/** A worker's history note when it stops on a cancel; the control plane does not copy it. */
export const CANCELED_NOTE = 'canceled by the control plane';

/** A job's migration_status message for `status` (a transition, or progress inside it). */
export function statusMessage(
  outbox: Outbox,
  row: JobRow,
  status: JobStatus,
  message: string | null,
  extra: { attempt?: number; progress?: boolean } = {},
): MigrationStatusMessage {
  return {
    job_id: row.job_id,
    job_key: row.job_key,
    dataset_id: row.dataset_id,
    status,
    bytes_copied: row.bytes_done,
    bytes_total: row.bytes_total,
    objects_done: row.objects_done,
    objects_total: row.objects_total,
    error: row.error,
    message,
    attempt: extra.attempt ?? row.attempts,
    ...(extra.progress ? { progress: true } : {}),
    event_id: outbox.eventId(),
    producer: outbox.producer,
    ts: new Date().toISOString(),
  };
}

/** The migration_jobs message asking a mover for the job's next attempt. */
export function jobMessage(outbox: Outbox, row: JobRow): MigrationJobMessage {
  return {
    job_id: row.job_id,
    job_key: row.job_key,
    dataset_id: row.dataset_id,
    source_uri: row.source_uri,
    dest_uri: row.dest_uri,
    dest_storage_class: row.dest_storage_class,
    dest_tier: row.dest_tier,
    attempt: row.attempts + 1,
    event_id: outbox.eventId(),
    producer: outbox.producer,
    ts: new Date().toISOString(),
  };
}

/**
 * The control plane's outbox rows for a job: every history row becomes a migration_status
 * message, and a job entering `queued` (planned, retried) a migration_jobs message for the
 * movers. Runs inside the transaction of the change (JobStore.onEvent).
 */
export function controlPlaneJobHook(outbox: Outbox): JobEventHook {
  return (row, status, message) => {
    outbox.add('migration_status', row.dataset_id, statusMessage(outbox, row, status, message));
    if (status === 'queued') outbox.add('migration_jobs', row.dataset_id, jobMessage(outbox, row));
  };
}
