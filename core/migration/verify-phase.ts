import type { ObjectInfo, WrittenObject } from '../storage/driver.ts';
import { compareKeys } from '../storage/key-order.ts';
import { retryOptions } from './copy-phase.ts';
import { nameSome, type JobContext } from './job-context.ts';
import { isTransition } from './job-store.ts';
import type { ManifestRow } from './manifest.ts';
import { PermanentError, runPoolAsync, withRetry } from './retry.ts';
import { ProgressReporter } from './progress.ts';

/** Names kept for the error message; the counts are exact whatever the size. */
const SHOWN = 20;

/**
 * verifying: checks every destination object's CRC32C and size against what was read
 * from the source (the file driver re-reads it; S3 and GCS answer with the whole-object
 * CRC32C they computed on arrival), then the object count and total bytes with the
 * manifest, and that the source did not change meanwhile. Listings and the manifest are
 * merged in key order, page by page, so a million objects verify in flat memory. Any
 * difference fails the job at once (no automatic retry: the operator decides); the
 * source stays primary.
 */
export async function verifyPhase(ctx: JobContext): Promise<void> {
  const { job, manifest, signal } = ctx;
  const bad: string[] = [];
  const details: string[] = [];
  let badCount = 0;
  const transition = isTransition(job);
  // Verification has its own progress (bytes checked), so a long re-read never looks stuck.
  const progress = new ProgressReporter(
    ctx.store,
    job.job_id,
    { bytesDone: 0, objectsDone: 0, bytesTotal: (await manifest.totals()).bytes },
    'verifying',
  );
  progress.flush();
  try {
    await runPoolAsync(
      manifest.each(),
      ctx.objectConcurrency,
      async (row) => {
        const problem = transition ? await checkTransition(ctx, row) : await checkCopy(ctx, row);
        progress.addBytes(row.size_bytes);
        progress.objectDone();
        if (problem === null) return;
        badCount++;
        if (bad.length < SHOWN) {
          bad.push(row.rel_path);
          details.push(problem);
        }
      },
      signal,
    );
  } finally {
    progress.flush();
    progress.close();
  }

  const problems: string[] = [];
  if (badCount) {
    const t = await manifest.totals();
    problems.push(
      `${badCount} of ${t.objects} objects differ from the source: ${nameSome(bad.sort())}${badCount > bad.length ? ' …' : ''} (${details.sort().slice(0, 3).join('; ')})`,
    );
  }
  if (!transition) problems.push(...(await destinationMatches(ctx, badCount > 0)));
  problems.push(...(await sourceDrift(ctx)));
  if (problems.length) {
    const hint = badCount ? '; retry the job to copy the differing objects again' : '';
    throw new PermanentError(
      `verification failed: ${problems.join('; ')}. The dataset still points at the source${hint}`,
    );
  }
}

/** null when the destination object matches; otherwise what is wrong. */
async function checkCopy(ctx: JobContext, row: ManifestRow): Promise<string | null> {
  const got: WrittenObject | null = await withRetry(
    () => ctx.dst.checksum(ctx.job.dest_uri, row.rel_path, ctx.signal),
    retryOptions(ctx, `verifying "${row.rel_path}"`),
  );
  const ok = !!got && got.size === row.size_bytes && got.crc32c === row.src_crc32c;
  ctx.manifest.markChecked(row.rel_path, got?.crc32c ?? null, ok);
  if (ok) return null;
  return !got
    ? `"${row.rel_path}" is missing`
    : `"${row.rel_path}" has ${got.size} bytes, crc32c ${got.crc32c} (source: ${row.size_bytes} bytes, crc32c ${row.src_crc32c ?? 'never copied'})`;
}

/** A transitioned object keeps its bytes (same size and CRC32C) and reports the new class. */
async function checkTransition(ctx: JobContext, row: ManifestRow): Promise<string | null> {
  const { job } = ctx;
  const got = await withRetry(
    () => ctx.dst.stat(job.dest_uri, row.rel_path),
    retryOptions(ctx, `verifying "${row.rel_path}"`),
  );
  const classOk =
    !got ||
    got.storageClass === null ||
    !ctx.verifyTransitionClass ||
    got.storageClass === job.dest_storage_class;
  const bytesOk =
    !!got && got.size === row.size_bytes && (got.crc32c === null || got.crc32c === row.src_crc32c);
  ctx.manifest.markChecked(row.rel_path, got?.crc32c ?? null, bytesOk && classOk);
  if (!got) return `"${row.rel_path}" is missing`;
  if (!bytesOk)
    return `"${row.rel_path}" changed: ${got.size} bytes, crc32c ${got.crc32c} (before: ${row.size_bytes}, ${row.src_crc32c})`;
  if (!classOk) return `"${row.rel_path}" is still ${got.storageClass}, not ${job.dest_storage_class}`;
  return null;
}

/** Merges a listing (in key order) with the manifest (in key order): one pass, flat memory. */
async function* merge(
  listing: AsyncIterable<ObjectInfo>,
  manifest: AsyncIterable<ManifestRow>,
): AsyncGenerator<{ listed?: ObjectInfo; row?: ManifestRow }> {
  const a = listing[Symbol.asyncIterator]();
  const b = manifest[Symbol.asyncIterator]();
  let x = await a.next();
  let y = await b.next();
  while (!x.done || !y.done) {
    const cmp = x.done ? 1 : y.done ? -1 : compareKeys(x.value.key, y.value.rel_path);
    if (cmp === 0) {
      yield {
        listed: (x as IteratorYieldResult<ObjectInfo>).value,
        row: (y as IteratorYieldResult<ManifestRow>).value,
      };
      x = await a.next();
      y = await b.next();
    } else if (cmp < 0) {
      yield { listed: (x as IteratorYieldResult<ObjectInfo>).value };
      x = await a.next();
    } else {
      yield { row: (y as IteratorYieldResult<ManifestRow>).value };
      y = await b.next();
    }
  }
}

/** The destination holds exactly the manifest's objects: no extra, none missing, same totals. */
async function destinationMatches(ctx: JobContext, objectsAlreadyBad: boolean): Promise<string[]> {
  const extra: string[] = [];
  let extraCount = 0;
  let count = 0;
  let bytes = 0;
  for await (const m of merge(ctx.dst.list(ctx.job.dest_uri, ctx.signal), ctx.manifest.each())) {
    if (m.listed) {
      count++;
      bytes += m.listed.size;
      if (!m.row && extraCount++ < SHOWN) extra.push(m.listed.key);
    }
  }
  const expected = await ctx.manifest.totals();
  const out: string[] = [];
  if (extraCount) out.push(`the destination holds objects the source does not: ${nameSome(extra)}`);
  if (!objectsAlreadyBad && (count !== expected.objects || bytes !== expected.bytes)) {
    out.push(
      `the destination holds ${count} objects / ${bytes} bytes, the source ${expected.objects} / ${expected.bytes}`,
    );
  }
  return out;
}

/**
 * Objects written to the source after it was listed would be missing at the destination
 * (and lost if the source is retired), so a source that changed fails the job.
 */
async function sourceDrift(ctx: JobContext): Promise<string[]> {
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  for await (const m of merge(ctx.src.list(ctx.job.source_uri, ctx.signal), ctx.manifest.each())) {
    if (m.listed && !m.row) {
      if (added.length < SHOWN) added.push(m.listed.key);
    } else if (!m.listed && m.row) {
      if (removed.length < SHOWN) removed.push(m.row.rel_path);
    } else if (m.listed && m.row && m.listed.size !== m.row.size_bytes) {
      if (changed.length < SHOWN) changed.push(m.row.rel_path);
    }
  }
  if (!added.length && !changed.length && !removed.length) return [];
  const parts = [
    added.length ? `new objects ${nameSome(added)}` : '',
    changed.length ? `objects that changed size ${nameSome(changed)}` : '',
    removed.length ? `objects removed ${nameSome(removed)}` : '',
  ].filter(Boolean);
  return [
    `the source changed while it was being migrated (${parts.join('; ')}); ` +
      'cancel this job (which removes its copy) and plan the migration again once the source is stable',
  ];
}
