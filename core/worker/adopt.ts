import type { StorageDriver } from '../storage/driver.ts';
import { nameSome } from '../migration/job-context.ts';
import { isTransition, type JobRow } from '../migration/job-store.ts';
import type { Manifest } from '../migration/manifest.ts';
import { PermanentError, runPoolAsync } from '../migration/retry.ts';

/**
 * A job this worker has no manifest for, whose destination already holds objects: another
 * mover started it and died (its partition moved here after a rebalance). The source is
 * listed into a fresh manifest, and each destination object that is byte-identical to its
 * source (same size and CRC32C) is kept as copied; the copy then resumes with the rest, and
 * verification checks every object anyway. Anything else at the destination (a different
 * object, a name the source does not have) fails the job: the mover never overwrites.
 * Returns the number of objects kept, or 0 when the destination was empty.
 */
export async function adoptDestination(
  manifest: Manifest,
  job: JobRow,
  src: StorageDriver,
  dst: StorageDriver,
  concurrency: number,
  signal: AbortSignal,
): Promise<number> {
  if (isTransition(job) || manifest.hasRows()) return 0;
  const present: string[] = [];
  for await (const o of dst.list(job.dest_uri, signal)) present.push(o.key);
  if (!present.length) return 0;
  if (!(await src.exists(job.source_uri))) {
    throw new PermanentError(`the source ${job.source_uri} does not exist (any more); nothing was copied`);
  }
  await manifest.write(src.list(job.source_uri, signal), signal);
  const inSource = new Set<string>();
  for await (const row of manifest.each()) inSource.add(row.rel_path);
  const foreign = present.filter((k) => !inSource.has(k));
  if (foreign.length) {
    manifest.drop();
    throw new PermanentError(
      `destination ${job.dest_uri} holds objects the source does not (${nameSome(foreign)}); ` +
        'the mover never overwrites files: empty it or plan a migration to another destination',
    );
  }
  const differ: string[] = [];
  let kept = 0;
  const presentSet = new Set(present);
  await runPoolAsync(
    manifest.each(['pending']),
    concurrency,
    async (row) => {
      if (!presentSet.has(row.rel_path)) return;
      const [a, b] = await Promise.all([
        src.checksum(job.source_uri, row.rel_path, signal),
        dst.checksum(job.dest_uri, row.rel_path, signal),
      ]);
      if (a && b && a.size === b.size && a.crc32c === b.crc32c && a.size === row.size_bytes) {
        manifest.markCopied(row.rel_path, a.crc32c);
        kept++;
      } else differ.push(row.rel_path);
    },
    signal,
  );
  if (differ.length) {
    manifest.drop();
    throw new PermanentError(
      `destination ${job.dest_uri} holds objects that differ from the source (${nameSome(differ)}); ` +
        'the mover never overwrites files: empty it or plan a migration to another destination',
    );
  }
  await manifest.syncJobTotals();
  return kept;
}
