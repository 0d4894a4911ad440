// Writing one S3 object: a single PutObject below the threshold, otherwise our own
// multipart loop (several parts in flight) with a checkpoint whenever the prefix of
// completed parts grows, so a killed process resumes after the last part of that prefix.
// The store checks every part's CRC32C and, at completion, the whole object's
// (ChecksumType FULL_OBJECT), so a corrupted byte fails the upload.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type Part,
  type S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { Crc32c, crc32cOf } from './crc32c.ts';
import type { UploadCheckpoint, UploadState, WriteOptions, WrittenObject } from './driver.ts';
import { isNoSuchUpload, s3Url, wrapS3Error } from './s3-location.ts';

export const MAX_PARTS = 10_000;
const MiB = 1024 * 1024;

/** One object being written, and how the driver was configured. */
export interface UploadTarget {
  client: S3Client;
  bucket: string;
  /** Full S3 key. */
  key: string;
  multipartThreshold: number;
  partSize: number;
  /** Parts of this object uploaded at once (at least 1). */
  partConcurrency: number;
}

async function send<T>(target: UploadTarget, op: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw wrapS3Error(e, op, s3Url(target.bucket, target.key));
  }
}

/**
 * Cuts a stream of chunks into buffers of a requested size. Source chunks may be views
 * of reused buffers (valid until the next one is requested), so every byte is copied
 * into a buffer we own before the source is asked for more.
 */
class PartReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private pending: Uint8Array[] = [];
  private done = false;

  constructor(data: AsyncIterable<Uint8Array>) {
    this.it = data[Symbol.asyncIterator]();
  }

  /** Up to `max` bytes; fewer only at the end. `expected` sizes the first allocation. */
  async read(max: number, expected = max): Promise<Buffer> {
    let buf = Buffer.allocUnsafe(Math.max(0, Math.min(max, expected)));
    let len = 0;
    while (len < max) {
      const chunk = await this.take(max - len);
      if (!chunk) break;
      if (len + chunk.byteLength > buf.length) {
        // Unknown or understated size: grow by doubling, never beyond max.
        const grown = Buffer.allocUnsafe(
          Math.min(max, Math.max(len + chunk.byteLength, 2 * buf.length, 64 * 1024)),
        );
        buf.copy(grown, 0, 0, len);
        buf = grown;
      }
      buf.set(chunk, len);
      len += chunk.byteLength;
    }
    return buf.subarray(0, len);
  }

  /** True when the source has no more bytes (pulls one chunk ahead if needed). */
  async atEnd(): Promise<boolean> {
    const chunk = await this.take(Infinity);
    if (chunk) this.pending.unshift(chunk);
    return !chunk;
  }

  /** Puts bytes we own back in front of the stream. */
  unshift(buf: Buffer): void {
    if (buf.byteLength > 0) this.pending.unshift(buf);
  }

  private async take(max: number): Promise<Uint8Array | undefined> {
    let chunk = this.pending.shift();
    while (!chunk && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.byteLength > 0) chunk = r.value;
    }
    if (!chunk) return undefined;
    if (chunk.byteLength > max) {
      this.pending.unshift(chunk.subarray(max));
      chunk = chunk.subarray(0, max);
    }
    return chunk;
  }

  /** Lets a generator source run its finally blocks when we stop early. */
  async close(): Promise<void> {
    if (!this.done) await this.it.return?.();
  }
}

/**
 * Size of part `n`. Deterministic from the options, so a resumed upload cuts the rest
 * of the object exactly as the first attempt would have. With a known size parts grow
 * to fit S3's 10 000-part limit; with an unknown one they double every 1000 parts.
 */
function partSizeFor(n: number, base: number, total: number | undefined): number {
  if (total !== undefined) return Math.max(base, Math.ceil(total / MAX_PARTS / MiB) * MiB);
  return base * 2 ** Math.floor((n - 1) / 1000);
}

export async function writeObject(
  target: UploadTarget,
  data: AsyncIterable<Uint8Array>,
  opts: WriteOptions,
): Promise<WrittenObject> {
  const reader = new PartReader(data);
  try {
    const state = opts.checkpoint?.load();
    if (state) {
      if ((state.storageClass ?? null) !== (opts.storageClass ?? null)) {
        throw new Error(
          `write ${s3Url(target.bucket, target.key)}: the checkpoint's upload has storage class ` +
            `${state.storageClass ?? 'default'}, this write ${opts.storageClass ?? 'default'}; call resumeOffset first`,
        );
      }
      return await multipart(target, reader, opts, state);
    }
    if (opts.size === undefined || opts.size <= target.multipartThreshold) {
      const head = await reader.read(target.multipartThreshold, opts.size ?? 64 * 1024);
      if (head.byteLength < target.multipartThreshold || (await reader.atEnd())) {
        return await putSingle(target, head, opts);
      }
      reader.unshift(head);
    }
    return await multipart(target, reader, opts, undefined);
  } finally {
    await reader.close();
  }
}

async function putSingle(target: UploadTarget, body: Buffer, opts: WriteOptions): Promise<WrittenObject> {
  const crc32c = crc32cOf(body);
  await send(target, 'PutObject', () =>
    target.client.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: target.key,
        Body: body,
        ContentLength: body.byteLength,
        ChecksumAlgorithm: 'CRC32C',
        ChecksumCRC32C: crc32c,
        StorageClass: opts.storageClass as StorageClass | undefined,
      }),
      { abortSignal: opts.signal },
    ),
  );
  return { size: body.byteLength, crc32c };
}

async function createUpload(target: UploadTarget, opts: WriteOptions): Promise<UploadState> {
  const created = await send(target, 'CreateMultipartUpload', () =>
    target.client.send(
      new CreateMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        ChecksumAlgorithm: 'CRC32C',
        ChecksumType: 'FULL_OBJECT',
        StorageClass: opts.storageClass as StorageClass | undefined,
      }),
      { abortSignal: opts.signal },
    ),
  );
  if (!created.UploadId)
    throw new Error(`CreateMultipartUpload ${s3Url(target.bucket, target.key)}: no UploadId`);
  return {
    uploadId: created.UploadId,
    bytesDone: 0,
    crcState: 0,
    parts: [],
    storageClass: opts.storageClass ?? null,
  };
}

/** A part S3 acknowledged, with the running CRC32C state at its end (its checkpoint value). */
interface DonePart {
  part: UploadState['parts'][number];
  crcState: number;
}

/**
 * Uploads up to `partConcurrency` parts at once while the next one is read from the source.
 * Parts may finish in any order; the checkpoint only ever holds the contiguous prefix of
 * acknowledged parts (their bytes and the CRC32C state at the prefix's end), so it stays a
 * resume point: parts stored beyond a gap are uploaded again after a crash. Buffers: the
 * parts in flight plus the one being read.
 */
async function multipart(
  target: UploadTarget,
  reader: PartReader,
  opts: WriteOptions,
  resumed: UploadState | undefined,
): Promise<WrittenObject> {
  const state = resumed ?? (await createUpload(target, opts));
  // Running CRC of every byte read, in order: the whole object's CRC32C once the source ends.
  const crc = Crc32c.fromState(state.crcState);
  const ahead = new Map<number, DonePart>();
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;

  const acknowledged = (n: number, done: DonePart) => {
    ahead.set(n, done);
    let next = ahead.get(state.parts.length + 1);
    if (!next) return;
    while (next) {
      ahead.delete(next.part.partNumber);
      state.parts.push(next.part);
      state.bytesDone += next.part.size;
      state.crcState = next.crcState;
      next = ahead.get(state.parts.length + 1);
    }
    opts.checkpoint?.save(state);
  };
  // One listener on the caller's signal (often a whole job's), however many parts are in flight.
  const parts = new AbortController();
  const stop = () => parts.abort(opts.signal?.reason);
  if (opts.signal?.aborted) stop();
  opts.signal?.addEventListener('abort', stop, { once: true });
  const partOpts = { ...opts, signal: parts.signal };
  const start = (n: number, body: Buffer, crcState: number) => {
    const lane: Promise<void> = uploadPart(target, state.uploadId, n, body, partOpts).then(
      (part) => {
        inFlight.delete(lane);
        try {
          acknowledged(n, { part, crcState });
        } catch (error) {
          failure ??= { error }; // the checkpoint could not be saved
        }
      },
      (error: unknown) => {
        inFlight.delete(lane);
        failure ??= { error };
      },
    );
    inFlight.add(lane);
  };

  try {
    for (let n = state.parts.length + 1; ; n++) {
      const want = partSizeFor(n, target.partSize, opts.size);
      const body = await reader.read(want, want);
      // An empty object still needs one (empty) part.
      if (body.byteLength === 0 && n > 1) break;
      if (n > MAX_PARTS) throw new Error(`${s3Url(target.bucket, target.key)}: more than ${MAX_PARTS} parts`);
      crc.update(body);
      // A sliding window, not just a slot count: part n starts only once parts up to
      // n - partConcurrency are in the checkpoint. A slow part thus holds the others back, but
      // a crash re-sends at most partConcurrency stored parts.
      while (n > state.parts.length + target.partConcurrency && !failure) await Promise.race(inFlight);
      if (failure) break;
      start(n, body, crc.value);
      if (body.byteLength < want) break;
    }
  } catch (e) {
    failure ??= { error: e };
  }
  // Parts in flight may still land: wait, so the checkpoint covers every stored prefix part.
  while (inFlight.size > 0) await Promise.race(inFlight);
  opts.signal?.removeEventListener('abort', stop);
  if (failure) {
    if (!opts.checkpoint) await abortUpload(target, state.uploadId);
    throw failure.error;
  }
  const total = state.bytesDone;
  await complete(target, state, crc.digest(), opts);
  opts.checkpoint?.clear();
  return { size: total, crc32c: crc.digest() };
}

/** A 4xx other than a throttle or timeout: the same request would fail again. */
function isPermanent(e: unknown): boolean {
  const status = (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

async function complete(target: UploadTarget, state: UploadState, crc32c: string, opts: WriteOptions) {
  try {
    await send(target, 'CompleteMultipartUpload', () =>
      target.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: target.bucket,
          Key: target.key,
          UploadId: state.uploadId,
          ChecksumType: 'FULL_OBJECT',
          ChecksumCRC32C: crc32c,
          MpuObjectSize: state.bytesDone,
          MultipartUpload: {
            Parts: state.parts.map((p): Part => ({
              PartNumber: p.partNumber,
              ETag: p.etag,
              ChecksumCRC32C: p.crc32c,
            })),
          },
        }),
        { abortSignal: opts.signal },
      ),
    );
  } catch (e) {
    // S3 refused the assembled object (e.g. BadDigest: the whole-object CRC32C does not
    // match the parts). Resuming would only ask again: drop the upload so a retry restarts.
    if (isPermanent(e)) {
      await abortUpload(target, state.uploadId).catch(() => undefined);
      opts.checkpoint?.clear();
    }
    throw e;
  }
}

async function uploadPart(
  target: UploadTarget,
  uploadId: string,
  partNumber: number,
  body: Buffer,
  opts: WriteOptions,
): Promise<UploadState['parts'][number]> {
  opts.signal?.throwIfAborted();
  const partCrc = crc32cOf(body);
  const res = await send(target, `UploadPart ${partNumber}`, () =>
    target.client.send(
      new UploadPartCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body.byteLength,
        ChecksumAlgorithm: 'CRC32C',
        ChecksumCRC32C: partCrc,
      }),
      { abortSignal: opts.signal },
    ),
  );
  if (!res.ETag) throw new Error(`UploadPart ${partNumber} ${s3Url(target.bucket, target.key)}: no ETag`);
  return { partNumber, etag: res.ETag, crc32c: partCrc, size: body.byteLength };
}

export async function abortUpload(target: Pick<UploadTarget, 'client' | 'bucket' | 'key'>, uploadId: string) {
  try {
    await target.client.send(
      new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId }),
    );
  } catch (e) {
    if (!isNoSuchUpload(e)) throw wrapS3Error(e, 'AbortMultipartUpload', s3Url(target.bucket, target.key));
  }
}

/** Parts S3 holds for an upload, by number; undefined when the upload is gone. */
async function storedParts(
  target: Pick<UploadTarget, 'client' | 'bucket' | 'key'>,
  uploadId: string,
): Promise<Map<number, Part> | undefined> {
  const parts = new Map<number, Part>();
  let marker: string | undefined;
  for (;;) {
    let page;
    try {
      page = await target.client.send(
        new ListPartsCommand({
          Bucket: target.bucket,
          Key: target.key,
          UploadId: uploadId,
          PartNumberMarker: marker,
        }),
      );
    } catch (e) {
      if (isNoSuchUpload(e)) return undefined;
      throw wrapS3Error(e, 'ListParts', s3Url(target.bucket, target.key));
    }
    for (const p of page.Parts ?? []) if (p.PartNumber !== undefined) parts.set(p.PartNumber, p);
    if (!page.IsTruncated || !page.NextPartNumberMarker) return parts;
    marker = page.NextPartNumberMarker;
  }
}

/**
 * Where a write of this object resumes: the checkpoint's bytesDone when S3 still holds
 * every part it lists (same ETag and size); otherwise 0, with the upload aborted (if it
 * still exists) and the checkpoint cleared, so the write starts over cleanly.
 */
export async function resumeOffset(
  target: Pick<UploadTarget, 'client' | 'bucket' | 'key'>,
  checkpoint: UploadCheckpoint,
  storageClass: string | undefined,
): Promise<number> {
  const state = checkpoint.load();
  if (!state) return 0;
  const restart = async (abort: boolean): Promise<number> => {
    if (abort) await abortUpload(target, state.uploadId);
    checkpoint.clear();
    return 0;
  };
  if ((state.storageClass ?? null) !== (storageClass ?? null)) return restart(true);
  const stored = await storedParts(target, state.uploadId);
  if (!stored) return restart(false);
  const consistent =
    state.parts.every((p, i) => {
      const s = stored.get(p.partNumber);
      return p.partNumber === i + 1 && s?.ETag === p.etag && s.Size === p.size;
    }) && state.bytesDone === state.parts.reduce((sum, p) => sum + p.size, 0);
  // Parts S3 holds beyond the checkpoint (stored just before a crash) are uploaded again:
  // their CRC state was never saved, and an UploadPart of the same number replaces them.
  return consistent ? state.bytesDone : restart(true);
}
