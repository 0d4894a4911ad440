import type { DatasetService } from '../catalog/dataset-service.ts';
import type { StorageRegistry } from '../storage/registry.ts';
import type { Logger } from '../logger.ts';
import { isTransition, type JobRow, type JobStore } from './job-store.ts';
import { Manifest } from './manifest.ts';
import { runPoolAsync, withRetry } from './retry.ts';

export interface CleanupDeps {
  store: JobStore;
  storage: StorageRegistry;
  datasets: DatasetService;
  logger: Logger;
}

/**
 * After a cancel: removes exactly the objects the job's manifest names (plus partial
 * writes and the folders that end up empty) from the destination. Files the job did not
 * write are never touched, and the source never is. Dropping the manifest last marks the
 * cleanup done; until then a restart repeats it. Returns a note for the history, or null
 * when the job never wrote anything.
 */
export async function cleanupDestination(
  deps: CleanupDeps,
  job: JobRow,
  opts: { objectConcurrency: number; maxAttempts: number },
): Promise<string | null> {
  const manifest = new Manifest(deps.store.db, job.job_id);
  if (!manifest.hasRows()) return null;
  if (isTransition(job)) {
    manifest.drop();
    return null;
  }
  try {
    // The destination may have become a dataset's home since (another job reached it): keep it.
    deps.datasets.assertNoOverlap(job.dest_uri, 'dest_uri');
  } catch {
    deps.logger.warn({ job_id: job.job_id }, 'destination now belongs to a dataset; not cleaning it');
    manifest.drop();
    return `left ${job.dest_uri} in place: a dataset now lives there`;
  }
  const dst = deps.storage.forUri(job.dest_uri);
  const retry = <T>(fn: () => Promise<T>) => withRetry(fn, { maxAttempts: opts.maxAttempts });
  // Every partial upload goes, resumable ones included: the job will not resume.
  await retry(() => dst.cleanupPartials(job.dest_uri));
  let objects = 0;
  await runPoolAsync(manifest.each(), opts.objectConcurrency, async (r) => {
    objects++;
    await retry(() => dst.remove(job.dest_uri, r.rel_path));
  });
  await retry(() => dst.pruneEmptyFolders(job.dest_uri));
  manifest.drop();
  return `removed this job's objects (${objects} in its manifest) from ${job.dest_uri}`;
}
