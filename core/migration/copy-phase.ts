import type { ObjectInfo } from '../storage/driver.ts';
import { errorText, type JobContext } from './job-context.ts';
import type { ManifestRow } from './manifest.ts';
import { ProgressReporter } from './progress.ts';
import { PermanentError, isAbort, runPool, withRetry } from './retry.ts';

/**
 * copying: lists the source once into the manifest, then streams every pending object
 * to the destination. Each object is committed to the manifest as soon as it is safe at
 * the destination, so a crash re-copies at most the objects that were in flight.
 */
export async function copyPhase(ctx: JobContext): Promise<void> {
  const { job, manifest, dst, signal } = ctx;
  const retry = <T>(what: string, fn: () => Promise<T>) => withRetry(fn, retryOptions(ctx, what));
  // Leftovers of writes a crash or a cancel interrupted; they are never listed, but they take space.
  await retry('cleaning partial writes', () => dst.cleanupPartials(job.dest_uri));
  if (!manifest.isWritten()) {
    await assertDestinationEmpty(ctx);
    const objects = await retry('listing the source', () => listAll(ctx));
    manifest.write(objects);
    await retry('creating the destination', () => dst.ensureRoot(job.dest_uri));
  } else {
    await revalidate(ctx);
  }
  const totals = manifest.syncJobTotals();
  const progress = new ProgressReporter(ctx.store, job.job_id, {
    bytesDone: totals.bytesDone,
    objectsDone: totals.objectsDone,
    bytesTotal: totals.bytes,
  });
  progress.flush();
  try {
    const pending = manifest.rows(['pending']);
    await runPool(pending, ctx.objectConcurrency, (row) => copyObject(ctx, row, progress), signal);
  } finally {
    progress.flush();
    progress.close();
    manifest.syncJobTotals();
  }
}

/** The mover never overwrites: a destination that gained files since planning fails the job. */
async function assertDestinationEmpty(ctx: JobContext): Promise<void> {
  const { dst, job } = ctx;
  for await (const o of dst.list(job.dest_uri)) {
    throw new PermanentError(
      `destination ${job.dest_uri} is not empty (it holds "${o.key}"); the mover never overwrites files: ` +
        'empty it or plan a migration to another destination',
    );
  }
}

async function listAll(ctx: JobContext): Promise<ObjectInfo[]> {
  // A missing root lists as empty; copying "nothing" and switching to it would lose the dataset.
  if (!(await ctx.src.exists(ctx.job.source_uri))) {
    throw new PermanentError(
      `the source ${ctx.job.source_uri} does not exist (any more); nothing was copied`,
    );
  }
  const out: ObjectInfo[] = [];
  for await (const o of ctx.src.list(ctx.job.source_uri)) {
    ctx.signal.throwIfAborted();
    out.push(o);
  }
  return out;
}

/**
 * A resumed or retried job keeps the objects already safe at the destination; anything
 * that failed verification, or whose destination copy is missing or has the wrong size,
 * goes back to pending. Verification re-reads every object anyway.
 */
async function revalidate(ctx: JobContext): Promise<void> {
  const { manifest, dst, job } = ctx;
  const redo: string[] = [];
  const rows = manifest.rows(['copied', 'verified', 'mismatch']);
  await runPool(
    rows,
    ctx.objectConcurrency,
    async (row) => {
      if (row.state === 'mismatch') redo.push(row.rel_path);
      else if ((await dst.head(job.dest_uri, row.rel_path)) !== row.size_bytes) redo.push(row.rel_path);
    },
    ctx.signal,
  );
  if (redo.length) {
    ctx.logger.info({ job_id: job.job_id, objects: redo.length }, 'objects to copy again');
    manifest.reset(redo);
  }
}

async function copyObject(ctx: JobContext, row: ManifestRow, progress: ProgressReporter): Promise<void> {
  const { job, src, dst, signal, manifest } = ctx;
  const key = row.rel_path;
  try {
    const crc32c = await withRetry(
      async () => {
        let read = 0;
        // The driver hashes exactly the bytes it was handed, which are the bytes read from
        // the source: verification then compares the destination against the source.
        async function* tap(): AsyncGenerator<Uint8Array> {
          for await (const chunk of src.read(job.source_uri, key)) {
            read += chunk.byteLength;
            progress.addBytes(chunk.byteLength);
            yield chunk;
          }
        }
        let written;
        try {
          written = await dst.write(job.dest_uri, key, tap(), {
            storageClass: job.dest_storage_class,
            signal,
          });
        } catch (e) {
          progress.addBytes(-read);
          throw e;
        }
        if (read !== row.size_bytes || written.size !== read) {
          progress.addBytes(-read);
          await dst.remove(job.dest_uri, key);
          throw new PermanentError(
            `it changed during the migration (listed with ${row.size_bytes} bytes, read ${read}); ` +
              'plan the migration again once the source is stable',
          );
        }
        return written.crc32c;
      },
      retryOptions(ctx, `copying "${key}"`),
    );
    manifest.markCopied(key, crc32c);
  } catch (e) {
    if (signal.aborted || isAbort(e)) throw e;
    throw new PermanentError(`copying "${key}" failed: ${errorText(e)}`);
  }
  progress.objectDone();
  ctx.metrics.inc('datamotion_migration_bytes_copied_total', 'Bytes copied by migrations', row.size_bytes);
  ctx.metrics.inc('datamotion_migration_objects_copied_total', 'Objects copied by migrations');
}

export function retryOptions(ctx: JobContext, what: string) {
  return {
    maxAttempts: ctx.maxAttempts,
    signal: ctx.signal,
    onRetry: (e: unknown, attempt: number) =>
      ctx.logger.warn({ job_id: ctx.job.job_id, attempt, err: errorText(e) }, `${what}: retrying`),
  };
}
