import { errorText, type JobContext } from './job-context.ts';
import { isTransition } from './job-store.ts';
import type { ManifestRow } from './manifest.ts';
import { ProgressReporter } from './progress.ts';
import { PermanentError, isAbort, runPoolAsync, withRetry } from './retry.ts';

/**
 * copying: lists the source into the manifest (page by page), then streams every pending
 * object to the destination. Each object is committed to the manifest as soon as it is
 * safe at the destination, so a crash re-copies at most the objects that were in flight,
 * and a large object resumes from its last completed part (the driver's checkpoint).
 * An in-place storage-class transition on an object store changes each object's class
 * here instead of copying it.
 */
export async function copyPhase(ctx: JobContext): Promise<void> {
  const { job, manifest, dst, signal } = ctx;
  const retry = <T>(what: string, fn: () => Promise<T>) => withRetry(fn, retryOptions(ctx, what));
  const transition = isTransition(job);
  // Leftovers of writes a crash or a cancel interrupted (they are never listed, but they
  // take space); uploads this job can still resume are spared.
  if (!transition)
    await retry('cleaning partial writes', () => dst.cleanupPartials(job.dest_uri, manifest.uploadIds()));
  if (!manifest.isWritten()) {
    if (!transition) await assertDestinationEmpty(ctx);
    await retry('listing the source', () => listInto(ctx));
    if (!transition) await retry('creating the destination', () => dst.ensureRoot(job.dest_uri));
  } else {
    await revalidate(ctx);
  }
  const totals = await manifest.syncJobTotals();
  const progress = new ProgressReporter(ctx.store, job.job_id, {
    bytesDone: totals.bytesDone,
    objectsDone: totals.objectsDone,
    bytesTotal: totals.bytes,
  });
  progress.flush();
  try {
    const each = transition ? transitionObject : copyObject;
    await runPoolAsync(
      manifest.each(['pending']),
      ctx.objectConcurrency,
      (row) => each(ctx, row, progress),
      signal,
    );
  } finally {
    progress.flush();
    progress.close();
    await manifest.syncJobTotals();
  }
}

/** The mover never overwrites: a destination that gained files since planning fails the job. */
async function assertDestinationEmpty(ctx: JobContext): Promise<void> {
  const { dst, job } = ctx;
  for await (const o of dst.list(job.dest_uri, ctx.signal)) {
    throw new PermanentError(
      `destination ${job.dest_uri} is not empty (it holds "${o.key}"); the mover never overwrites files: ` +
        'empty it or plan a migration to another destination',
    );
  }
}

async function listInto(ctx: JobContext): Promise<void> {
  // A missing root lists as empty; copying "nothing" and switching to it would lose the dataset.
  if (!(await ctx.src.exists(ctx.job.source_uri))) {
    throw new PermanentError(
      `the source ${ctx.job.source_uri} does not exist (any more); nothing was copied`,
    );
  }
  await ctx.manifest.write(ctx.src.list(ctx.job.source_uri, ctx.signal), ctx.signal);
}

/**
 * A resumed or retried job keeps the objects already safe at the destination; anything
 * that failed verification, or whose destination copy is missing or has the wrong size,
 * goes back to pending. Verification checks every object anyway.
 */
async function revalidate(ctx: JobContext): Promise<void> {
  const { manifest, dst, job } = ctx;
  const redo: string[] = [];
  const check = async (row: ManifestRow) => {
    if (row.state === 'mismatch') redo.push(row.rel_path);
    else if (!isTransition(job) && (await dst.head(job.dest_uri, row.rel_path)) !== row.size_bytes)
      redo.push(row.rel_path);
  };
  await runPoolAsync(
    manifest.each(['copied', 'verified', 'mismatch']),
    ctx.objectConcurrency,
    check,
    ctx.signal,
  );
  if (redo.length) {
    ctx.logger.info({ job_id: job.job_id, objects: redo.length }, 'objects to copy again');
    manifest.reset(redo);
  }
}

async function copyObject(ctx: JobContext, row: ManifestRow, progress: ProgressReporter): Promise<void> {
  const { job, src, dst, signal, manifest, throttle } = ctx;
  const key = row.rel_path;
  const checkpoint = manifest.checkpoint(key);
  try {
    const crc32c = await withRetry(
      async () => {
        // A large upload a crash or a failed attempt interrupted continues after its last
        // stored part: only the rest of the object is read from the source again.
        const offset = await dst.resumeOffset(job.dest_uri, key, checkpoint, job.dest_storage_class);
        let read = offset;
        progress.addBytes(offset);
        // The driver hashes exactly the bytes it was handed, which are the bytes read from
        // the source: verification then compares the destination against the source.
        async function* tap(): AsyncGenerator<Uint8Array> {
          for await (const chunk of src.read(job.source_uri, key, { offset, signal })) {
            await throttle.take(chunk.byteLength, signal);
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
            size: row.size_bytes,
            checkpoint,
          });
        } catch (e) {
          progress.addBytes(-read);
          throw e;
        }
        if (read !== row.size_bytes || written.size !== read) {
          progress.addBytes(-read);
          checkpoint.clear();
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
    throw new PermanentError(`copying "${key}" failed: ${errorText(e)}`, { cause: e });
  }
  progress.objectDone();
  ctx.metrics.inc('datamotion_migration_bytes_copied_total', 'Bytes copied by migrations', row.size_bytes);
  ctx.metrics.inc('datamotion_migration_objects_copied_total', 'Objects copied by migrations');
}

/**
 * An in-place class change of one object: the store rewrites it under the same name
 * (S3 CopyObject, GCS rewrite). The CRC32C it had before is recorded, so verification
 * proves the bytes were left alone. The file driver has no classes: nothing to do.
 */
async function transitionObject(
  ctx: JobContext,
  row: ManifestRow,
  progress: ProgressReporter,
): Promise<void> {
  const { job, dst, signal, manifest } = ctx;
  const key = row.rel_path;
  try {
    const crc32c = await withRetry(
      async () => {
        const before = await dst.checksum(job.dest_uri, key, signal);
        if (!before) throw new PermanentError('it disappeared from the store during the transition');
        await dst.transition(job.dest_uri, key, job.dest_storage_class, signal);
        return before.crc32c;
      },
      retryOptions(ctx, `changing the class of "${key}"`),
    );
    manifest.markCopied(key, crc32c);
  } catch (e) {
    if (signal.aborted || isAbort(e)) throw e;
    throw new PermanentError(`changing the storage class of "${key}" failed: ${errorText(e)}`, {
      cause: e,
    });
  }
  progress.addBytes(row.size_bytes);
  progress.objectDone();
}

export function retryOptions(
  ctx: Pick<JobContext, 'job' | 'signal' | 'logger' | 'maxAttempts'>,
  what: string,
) {
  return {
    maxAttempts: ctx.maxAttempts,
    signal: ctx.signal,
    onRetry: (e: unknown, attempt: number) =>
      ctx.logger.warn({ job_id: ctx.job.job_id, attempt, err: errorText(e) }, `${what}: retrying`),
  };
}
