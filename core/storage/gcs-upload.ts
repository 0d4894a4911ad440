// GCS writes. Small objects: one multipart request carrying their CRC32C. Large ones: one
// resumable session, fed chunk by chunk, checkpointed after each chunk GCS acknowledges,
// so a killed process resumes from the last persisted byte. Chunks go one at a time (the
// protocol's order), but the next one is read from the source while this one is sent.
import type { File } from '@google-cloud/storage';
import { Crc32c, crc32cOf } from './crc32c.ts';
import type { BufferPool } from './buffer-pool.ts';
import type { UploadCheckpoint, WriteOptions, WrittenObject } from './driver.ts';
import {
  GcsError,
  cancelSession,
  createSession,
  putChunk,
  type GcsObjectResource,
  wrap,
  type SessionContext,
} from './gcs-session.ts';

export interface ResumableUploadInput {
  ctx: SessionContext;
  apiEndpoint: string;
  bucket: string;
  name: string;
  data: AsyncIterable<Uint8Array>;
  /** Its length is the chunk size: a multiple of 256 KiB, as GCS requires of non-final chunks. */
  pool: BufferPool;
  storageClass?: string;
  size?: number;
  checkpoint?: UploadCheckpoint;
  /** Bytes the session holds beyond the checkpoint (found by resumeOffset): hashed, not re-sent. */
  persistedBeyond?: number;
  /** Removes a finished object whose stored bytes disagree with what was sent. */
  discard: (generation: string | undefined) => Promise<void>;
}

/** Pulls source chunks one at a time, skipping empty ones; a chunk is valid until the next pull. */
function puller(data: AsyncIterable<Uint8Array>) {
  const it = data[Symbol.asyncIterator]();
  return {
    async next(): Promise<Uint8Array | null> {
      for (;;) {
        const r = await it.next();
        if (r.done) return null;
        if (r.value.byteLength > 0) return r.value;
      }
    },
    async close(): Promise<void> {
      await it.return?.();
    },
  };
}

/** Copies the source into buffers we own; only one fill runs at a time. */
class ChunkSource {
  private readonly source: ReturnType<typeof puller>;
  /** The unread rest of the last source chunk (valid until the next pull). */
  private carry: Uint8Array | null = null;
  private ended = false;

  constructor(data: AsyncIterable<Uint8Array>) {
    this.source = puller(data);
  }

  /** Fills buf from `from` until it is full or the source ends; `onData` after every copy. */
  async fill(buf: Buffer, from: number, onData?: () => void): Promise<number> {
    let fill = from;
    while (fill < buf.byteLength && !this.ended) {
      this.carry ??= await this.source.next();
      if (!this.carry) {
        this.ended = true;
        break;
      }
      const n = Math.min(this.carry.byteLength, buf.byteLength - fill);
      buf.set(this.carry.subarray(0, n), fill);
      fill += n;
      this.carry = n < this.carry.byteLength ? this.carry.subarray(n) : null;
      onData?.();
    }
    return fill;
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}

/** The chunk after the one being sent, read from the source meanwhile (one chunk of read-ahead). */
interface Staged {
  buf: Buffer;
  /** Bytes in buf once the fill is over: all of it, or all the source had left. */
  filled: Promise<number>;
  /** Settles as soon as buf holds a byte (true) or the source turned out empty (false). */
  nonEmpty: Promise<boolean>;
}

function stage(source: ChunkSource, buf: Buffer, from: number): Staged {
  let holds!: (yes: boolean) => void;
  let failed!: (e: unknown) => void;
  const nonEmpty = new Promise<boolean>((resolve, reject) => {
    holds = resolve;
    failed = reject;
  });
  if (from > 0) holds(true);
  const filled = source.fill(buf, from, () => holds(true));
  filled.then((n) => holds(n > 0), failed);
  // Observed here, awaited by the upload loop (or its cleanup): never an unhandled rejection.
  nonEmpty.catch(() => undefined);
  filled.catch(() => undefined);
  return { buf, filled, nonEmpty };
}

export async function uploadResumable(input: ResumableUploadInput): Promise<WrittenObject> {
  const { ctx, checkpoint, storageClass } = input;
  const resumed = checkpoint?.load();
  if (resumed && (resumed.storageClass ?? null) !== (storageClass ?? null)) {
    throw new Error(
      `resuming the upload of ${ctx.what} with storage class ${storageClass ?? 'default'} but it was started with ${resumed.storageClass ?? 'default'}: call resumeOffset() first, it restarts such uploads`,
    );
  }
  const sessionUri =
    resumed?.uploadId ??
    (await createSession(ctx, input.apiEndpoint, input.bucket, input.name, {
      ...(storageClass ? { storageClass } : {}),
      ...(input.size !== undefined ? { size: input.size } : {}),
    }));
  let offset = resumed?.bytesDone ?? 0;
  const crc = Crc32c.fromState(resumed?.crcState ?? 0);
  const save = () =>
    checkpoint?.save({
      uploadId: sessionUri,
      bytesDone: offset,
      crcState: crc.value,
      parts: [],
      storageClass: storageClass ?? null,
    });
  // Saved before the first chunk too: a crash then still finds (and can cancel) the session.
  if (!resumed) save();
  const skipTo = Math.max(offset, input.persistedBeyond ?? offset);

  const source = new ChunkSource(input.data);
  // Invariant at the top of the loop: `buf` holds `fill` bytes, a full chunk or all that is
  // left of the source, and `next` is being filled with the bytes after them while we send.
  let buf = input.pool.take();
  let next: Staged | undefined;
  let stalls = 0;
  try {
    let fill = await source.fill(buf, 0);
    next = stage(source, input.pool.take(), 0);
    for (;;) {
      ctx.signal?.throwIfAborted();
      let used: number;
      if (offset < skipTo) {
        // Bytes the session already has (persisted before the last checkpoint was saved).
        if (fill === 0)
          throw new Error(
            `the source of ${ctx.what} ended at byte ${offset}, before the ${skipTo} GCS holds`,
          );
        used = Math.min(fill, skipTo - offset);
        crc.update(buf.subarray(0, used));
        offset += used;
      } else {
        // A full buffer is not the last chunk when the declared size or a staged byte says more follows.
        const last =
          fill < buf.byteLength ||
          (!(input.size !== undefined && offset + fill < input.size) && !(await next.nonEmpty));
        if (last) {
          crc.update(buf.subarray(0, fill));
          const finalCrc = crc.digest();
          const total = offset + fill;
          const r = await putChunk(ctx, sessionUri, buf.subarray(0, fill), offset, {
            total,
            crc32c: finalCrc,
          });
          if (!r.done)
            throw new GcsError(`GCS did not finish the upload of ${ctx.what} on its final chunk`, 308);
          checkpoint?.clear();
          await checkStored(input, r.object, total, finalCrc);
          return { size: total, crc32c: finalCrc };
        }
        const r = await putChunk(ctx, sessionUri, buf.subarray(0, fill), offset, null);
        if (r.done) throw new GcsError(`GCS finished the upload of ${ctx.what} before its last chunk`, 200);
        used = r.persisted - offset;
        if (used < 0 || used > fill) {
          throw new GcsError(
            `GCS reports ${r.persisted} bytes of ${ctx.what} persisted after bytes ${offset}-${offset + fill - 1} were sent`,
            308,
          );
        }
        // GCS may keep only part of a chunk; the rest stays in the buffer and goes again.
        stalls = used === 0 ? stalls + 1 : 0;
        if (stalls > 3) throw new GcsError(`GCS stopped accepting bytes of ${ctx.what} at ${offset}`, 308);
        crc.update(buf.subarray(0, used));
        offset = r.persisted;
        save();
      }
      const staged = await next.filled;
      if (used === fill) {
        // The usual case: the staged chunk is the next one; its buffer is refilled meanwhile.
        const spare = buf;
        buf = next.buf;
        fill = staged;
        next = stage(source, spare, 0);
      } else {
        // Some bytes of this chunk go again: top it up from the staged bytes.
        buf.copyWithin(0, used, fill);
        fill -= used;
        const moved = Math.min(staged, buf.byteLength - fill);
        next.buf.copy(buf, fill, 0, moved);
        fill += moved;
        next.buf.copyWithin(0, moved, staged);
        next = stage(source, next.buf, staged - moved);
      }
    }
  } catch (e) {
    // Without a checkpoint nobody can resume the session: drop its bytes now.
    if (!checkpoint) await cancelSession({ ...ctx, signal: undefined }, sessionUri).catch(() => undefined);
    throw e;
  } finally {
    // The staged fill writes into a pooled buffer: let it end before the buffer goes back.
    await next?.filled.catch(() => undefined);
    await source.close().catch(() => undefined);
    input.pool.give(buf);
    if (next) input.pool.give(next.buf);
  }
}

/**
 * GCS checks the x-goog-hash of the final chunk itself; comparing its answer too catches a
 * store that does not (fake-gcs-server drops it), before the object is reported written.
 */
async function checkStored(
  input: ResumableUploadInput,
  stored: GcsObjectResource,
  size: number,
  crc: string,
): Promise<void> {
  if (Number(stored.size) === size && (stored.crc32c === undefined || stored.crc32c === crc)) return;
  await input.discard(stored.generation);
  throw new Error(
    `GCS stored ${input.ctx.what} as ${stored.size} bytes with CRC32C ${stored.crc32c}, but ${size} bytes with CRC32C ${crc} were sent; the object was deleted`,
  );
}

/** One multipart request carrying our CRC32C, which GCS checks before it stores anything. */
export async function uploadSingle(
  file: File,
  bytes: Buffer,
  opts: WriteOptions,
  what: string,
): Promise<WrittenObject> {
  const crc32c = crc32cOf(bytes);
  opts.signal?.throwIfAborted();
  try {
    await file.save(bytes, {
      resumable: false,
      // Our own CRC32C rides in the metadata (checked by GCS); the SDK's md5 pass would be redundant.
      validation: false,
      contentType: 'application/octet-stream',
      metadata: { crc32c, ...(opts.storageClass ? { storageClass: opts.storageClass } : {}) },
    });
  } catch (e) {
    throw wrap('uploading', what, e);
  }
  const stored = file.metadata;
  if (Number(stored.size) !== bytes.byteLength || (stored.crc32c !== undefined && stored.crc32c !== crc32c)) {
    await discard(file, stored.generation === undefined ? undefined : String(stored.generation));
    throw new Error(
      `GCS stored ${what} as ${stored.size} bytes with CRC32C ${stored.crc32c}, but ${bytes.byteLength} bytes with CRC32C ${crc32c} were sent; the object was deleted`,
    );
  }
  return { size: bytes.byteLength, crc32c };
}

/** Deletes exactly the generation we wrote, never a newer one written meanwhile. */
export async function discard(file: File, generation: string | undefined): Promise<void> {
  await file
    .delete({ ignoreNotFound: true, ...(generation ? { ifGenerationMatch: generation } : {}) })
    .catch(() => undefined);
}
