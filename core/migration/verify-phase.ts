import type { WrittenObject } from '../storage/driver.ts';
import { retryOptions } from './copy-phase.ts';
import { nameSome, type JobContext } from './job-context.ts';
import { PermanentError, runPool, withRetry } from './retry.ts';

/**
 * verifying: re-reads every destination object and compares its CRC32C and size with
 * what was read from the source, then the object count and total bytes with the
 * manifest. Any difference fails the job at once (no automatic retry: the operator
 * decides); the source stays primary.
 */
export async function verifyPhase(ctx: JobContext): Promise<void> {
  const { job, manifest, dst, signal } = ctx;
  const rows = manifest.rows();
  const bad: string[] = [];
  const details: string[] = [];
  await runPool(
    rows,
    ctx.objectConcurrency,
    async (row) => {
      const got = await withRetry(
        () => checksumOrNull(ctx, row.rel_path),
        retryOptions(ctx, `verifying "${row.rel_path}"`),
      );
      const ok = !!got && got.size === row.size_bytes && got.crc32c === row.src_crc32c;
      manifest.markChecked(row.rel_path, got?.crc32c ?? null, ok);
      if (ok) return;
      bad.push(row.rel_path);
      details.push(
        !got
          ? `"${row.rel_path}" is missing`
          : `"${row.rel_path}" has ${got.size} bytes, crc32c ${got.crc32c} (source: ${row.size_bytes} bytes, crc32c ${row.src_crc32c ?? 'never copied'})`,
      );
    },
    signal,
  );

  const expected = manifest.totals();
  const known = new Set(rows.map((r) => r.rel_path));
  const extra: string[] = [];
  let count = 0;
  let bytes = 0;
  for await (const o of dst.list(job.dest_uri)) {
    count++;
    bytes += o.size;
    if (!known.has(o.key)) extra.push(o.key);
  }

  const problems: string[] = [];
  if (bad.length) {
    bad.sort();
    details.sort();
    problems.push(
      `${bad.length} of ${rows.length} objects differ from the source: ${nameSome(bad)} (${details.slice(0, 3).join('; ')})`,
    );
  }
  if (extra.length) problems.push(`the destination holds objects the source does not: ${nameSome(extra)}`);
  if (!bad.length && (count !== expected.objects || bytes !== expected.bytes)) {
    problems.push(
      `the destination holds ${count} objects / ${bytes} bytes, the source ${expected.objects} / ${expected.bytes}`,
    );
  }
  problems.push(...(await sourceDrift(ctx, new Map(rows.map((r) => [r.rel_path, r.size_bytes])))));
  if (problems.length) {
    const hint = bad.length ? '; retry the job to copy the differing objects again' : '';
    throw new PermanentError(
      `verification failed: ${problems.join('; ')}. The dataset still points at the source${hint}`,
    );
  }
}

async function checksumOrNull(ctx: JobContext, key: string): Promise<WrittenObject | null> {
  try {
    return await ctx.dst.checksum(ctx.job.dest_uri, key, ctx.signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Objects written to the source after it was listed would be missing at the destination
 * (and lost if the source is retired), so a source that changed fails the job.
 */
async function sourceDrift(ctx: JobContext, listed: Map<string, number>): Promise<string[]> {
  const added: string[] = [];
  const changed: string[] = [];
  const seen = new Set<string>();
  for await (const o of ctx.src.list(ctx.job.source_uri)) {
    seen.add(o.key);
    const size = listed.get(o.key);
    if (size === undefined) added.push(o.key);
    else if (size !== o.size) changed.push(o.key);
  }
  const removed = [...listed.keys()].filter((k) => !seen.has(k));
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
