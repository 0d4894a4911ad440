import type { DatasetService } from '../catalog/dataset-service.ts';
import type { Logger } from '../logger.ts';
import type { StorageRegistry } from '../storage/registry.ts';
import { isTransition, type JobRow } from './job-store.ts';
import { runPoolAsync, withRetry } from './retry.ts';

/**
 * After a cancel of a job a worker ran: the worker kept its manifest in its own journal,
 * so the control plane removes what it wrote by name — every destination object whose
 * name the source has (a mover writes nothing else), plus partial writes and emptied
 * folders. Called once the worker reported its part over, so nothing is still writing.
 * Returns a note for the history.
 */
export async function removeWorkerCopy(
  deps: { storage: StorageRegistry; datasets: DatasetService; logger: Logger },
  job: JobRow,
  opts: { objectConcurrency: number; maxAttempts: number },
): Promise<string | null> {
  if (isTransition(job)) return null;
  try {
    deps.datasets.assertNoOverlap(job.dest_uri, 'dest_uri');
  } catch {
    return `left ${job.dest_uri} in place: a dataset now lives there`;
  }
  const src = deps.storage.forUri(job.source_uri);
  const dst = deps.storage.forUri(job.dest_uri);
  const retry = <T>(fn: () => Promise<T>) => withRetry(fn, { maxAttempts: opts.maxAttempts });
  const names = new Set<string>();
  for await (const o of src.list(job.source_uri)) names.add(o.key);
  await retry(() => dst.cleanupPartials(job.dest_uri));
  async function* written() {
    for await (const o of dst.list(job.dest_uri)) if (names.has(o.key)) yield o.key;
  }
  let removed = 0;
  await runPoolAsync(written(), opts.objectConcurrency, async (key) => {
    await retry(() => dst.remove(job.dest_uri, key));
    removed++;
  });
  await retry(() => dst.pruneEmptyFolders(job.dest_uri));
  deps.logger.info({ job_id: job.job_id, removed }, 'removed a canceled job’s copy a worker wrote');
  return `removed the ${removed} objects the worker had written to ${job.dest_uri}`;
}
