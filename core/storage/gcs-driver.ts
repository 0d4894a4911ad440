import { Storage, type File } from '@google-cloud/storage';
import { autoclassName } from '../contracts/locations.ts';
import { BufferPool } from './buffer-pool.ts';
import { hashStream } from './crc32c.ts';
import { download } from './gcs-download.ts';
import type {
  ObjectHead,
  ObjectInfo,
  StorageDriver,
  UploadCheckpoint,
  WriteOptions,
  WrittenObject,
} from './driver.ts';
import { cancelSession, isNotFound, querySession, wrap, type SessionContext } from './gcs-session.ts';
import { discard, uploadResumable, uploadSingle } from './gcs-upload.ts';
import { listPrefix, objectName, parseGcsUri, type GcsRoot } from './gcs-uri.ts';

export interface GcsDriverOptions {
  /** A GCS-compatible endpoint (an emulator); requests to it carry no credentials. */
  apiEndpoint?: string;
  projectId?: string;
  keyFilename?: string;
  /** Service-account JSON. */
  credentials?: object;
  /** Objects larger than this go through a resumable session; default 8 MiB. */
  resumableThreshold?: number;
  /** Bytes per resumable chunk, a multiple of 256 KiB; default 8 MiB. */
  chunkSize?: number;
  /** Objects per listing page; default 1000 (the API's maximum). */
  listPageSize?: number;
}

const MiB = 1024 * 1024;
const CHUNK_UNIT = 256 * 1024;
const DELETE_CONCURRENCY = 16;

/**
 * The class an object is written with: none in a bucket with Autoclass (the bucket starts
 * every object in Standard and ignores a class asked for), else the tier map's.
 */
function writtenClass(storageClass: string | undefined): string | undefined {
  return autoclassName(storageClass) ? undefined : storageClass;
}

export class GcsDriver implements StorageDriver {
  readonly scheme = 'gs' as const;
  private readonly storage: Storage;
  private readonly threshold: number;
  private readonly pool: BufferPool;
  private readonly pageSize: number;
  /** Session URI → bytes it persisted beyond its checkpoint, learned by resumeOffset for the next write. */
  private readonly persistedBeyond = new Map<string, number>();

  constructor(opts: GcsDriverOptions = {}) {
    const chunkSize = opts.chunkSize ?? 8 * MiB;
    if (!Number.isInteger(chunkSize) || chunkSize <= 0 || chunkSize % CHUNK_UNIT !== 0) {
      throw new Error(`GCS chunkSize must be a positive multiple of 256 KiB (262144), got ${chunkSize}`);
    }
    this.storage = new Storage({
      ...(opts.apiEndpoint ? { apiEndpoint: opts.apiEndpoint } : {}),
      ...(opts.projectId ? { projectId: opts.projectId } : {}),
      ...(opts.keyFilename ? { keyFilename: opts.keyFilename } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
    });
    // With STORAGE_EMULATOR_HOST set, the SDK sends JSON API calls there even when given an
    // apiEndpoint; a location's own endpoint must win over a process-wide variable.
    if (opts.apiEndpoint) this.storage.baseUrl = `${this.storage.apiEndpoint}/storage/v1`;
    this.threshold = opts.resumableThreshold ?? 8 * MiB;
    this.pool = new BufferPool(chunkSize, 4);
    this.pageSize = opts.listPageSize ?? 1000;
  }

  private file(root: GcsRoot, key: string): File {
    return this.storage.bucket(root.bucket).file(objectName(root, key));
  }

  private session(root: GcsRoot, key: string, signal?: AbortSignal): SessionContext {
    return {
      what: `gs://${root.bucket}/${objectName(root, key)}`,
      // Same rule as the SDK: a custom endpoint (an emulator) gets no credentials.
      headers: async () =>
        this.storage.customEndpoint ? {} : { ...(await this.storage.authClient.getRequestHeaders()) },
      ...(signal ? { signal } : {}),
    };
  }

  /** Pages of object names and sizes under root, one request each: never the whole bucket in memory. */
  private async *pages(
    root: GcsRoot,
    signal?: AbortSignal,
  ): AsyncGenerator<{ name: string; size: number }[]> {
    const bucket = this.storage.bucket(root.bucket);
    const prefix = listPrefix(root);
    let pageToken: string | undefined;
    do {
      signal?.throwIfAborted();
      let files: File[];
      let next: { pageToken?: string } | null;
      try {
        [files, next] = (await bucket.getFiles({
          prefix,
          autoPaginate: false,
          maxResults: this.pageSize,
          ...(pageToken ? { pageToken } : {}),
        })) as unknown as [File[], { pageToken?: string } | null];
      } catch (e) {
        if (isNotFound(e)) return; // no bucket: nothing under the root
        throw wrap('listing', `gs://${root.bucket}/${prefix}`, e);
      }
      yield files.map((f) => ({ name: f.name, size: Number(f.metadata.size ?? 0) }));
      pageToken = next?.pageToken;
    } while (pageToken);
  }

  async *list(rootUri: string, signal?: AbortSignal): AsyncIterable<ObjectInfo> {
    const root = parseGcsUri(rootUri);
    const cut = listPrefix(root).length;
    for await (const page of this.pages(root, signal)) {
      for (const o of page) {
        // Folder placeholders (console-created "dir/") hold no data.
        if (!o.name.endsWith('/')) yield { key: o.name.slice(cut), size: o.size };
      }
    }
  }

  async exists(rootUri: string): Promise<boolean> {
    const root = parseGcsUri(rootUri);
    try {
      const [files] = await this.storage
        .bucket(root.bucket)
        .getFiles({ prefix: listPrefix(root), autoPaginate: false, maxResults: 1 });
      return files.length > 0;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw wrap('checking', rootUri, e);
    }
  }

  async *read(
    rootUri: string,
    key: string,
    opts: { offset?: number; signal?: AbortSignal } = {},
  ): AsyncIterable<Uint8Array> {
    const root = parseGcsUri(rootUri);
    // No validation while reading (a ranged read cannot be checked): the verify phase
    // compares the CRC32C GCS stored with the one of the bytes written.
    yield* download({
      baseUrl: this.storage.baseUrl,
      bucket: root.bucket,
      name: objectName(root, key),
      offset: opts.offset ?? 0,
      headers: this.session(root, key).headers,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  async resumeOffset(
    rootUri: string,
    key: string,
    checkpoint: UploadCheckpoint,
    storageClass?: string,
  ): Promise<number> {
    const state = checkpoint.load();
    if (!state) return 0;
    storageClass = writtenClass(storageClass);
    const ctx = this.session(parseGcsUri(rootUri), key);
    const restart = async () => {
      await cancelSession(ctx, state.uploadId).catch(() => undefined);
      checkpoint.clear();
      return 0;
    };
    if ((state.storageClass ?? null) !== (storageClass ?? null)) return restart();
    const status = await querySession(ctx, state.uploadId);
    if (status.state === 'gone') {
      checkpoint.clear();
      return 0;
    }
    // Finished, but the final answer was lost: written again, as nothing confirmed it here.
    if (status.state === 'complete') return restart();
    // Fewer bytes than it acknowledged: the CRC state no longer matches what it holds.
    if (status.persisted < state.bytesDone) return restart();
    // More than checkpointed (killed between GCS's answer and the save): the write re-reads
    // those bytes to extend its CRC but does not send them again.
    if (status.persisted > state.bytesDone) this.persistedBeyond.set(state.uploadId, status.persisted);
    return state.bytesDone;
  }

  async write(
    rootUri: string,
    key: string,
    data: AsyncIterable<Uint8Array>,
    opts: WriteOptions = {},
  ): Promise<WrittenObject> {
    if (autoclassName(opts.storageClass)) {
      const { storageClass: _bucketSets, ...rest } = opts;
      opts = rest;
    }
    const root = parseGcsUri(rootUri);
    const file = this.file(root, key);
    const ctx = this.session(root, key, opts.signal);
    const resumable = (source: AsyncIterable<Uint8Array>) => {
      const uploadId = opts.checkpoint?.load()?.uploadId;
      const beyond = uploadId ? this.persistedBeyond.get(uploadId) : undefined;
      if (uploadId) this.persistedBeyond.delete(uploadId);
      return uploadResumable({
        ctx,
        apiEndpoint: this.storage.apiEndpoint,
        bucket: root.bucket,
        name: file.name,
        data: source,
        pool: this.pool,
        ...(opts.storageClass ? { storageClass: opts.storageClass } : {}),
        ...(opts.size !== undefined ? { size: opts.size } : {}),
        ...(opts.checkpoint ? { checkpoint: opts.checkpoint } : {}),
        ...(beyond !== undefined ? { persistedBeyond: beyond } : {}),
        discard: (generation) => discard(file, generation),
      });
    };
    if (opts.checkpoint?.load() || (opts.size !== undefined && opts.size > this.threshold))
      return resumable(data);

    // Small or of unknown size: buffer up to the threshold, then decide.
    const it = data[Symbol.asyncIterator]();
    const held: Buffer[] = [];
    let heldBytes = 0;
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      opts.signal?.throwIfAborted();
      held.push(Buffer.from(r.value)); // a copy: the source may reuse its buffer
      heldBytes += r.value.byteLength;
      if (heldBytes > this.threshold) {
        async function* rest(): AsyncGenerator<Uint8Array> {
          yield* held;
          for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
        }
        return resumable(rest());
      }
    }
    return uploadSingle(file, Buffer.concat(held, heldBytes), opts, ctx.what);
  }

  async autoclass(rootUri: string): Promise<{ terminal_class: string } | null> {
    const root = parseGcsUri(rootUri);
    try {
      const [m] = await this.storage.bucket(root.bucket).getMetadata();
      // A bucket that never set a terminal class has Nearline's (the default).
      return m.autoclass?.enabled
        ? { terminal_class: (m.autoclass.terminalStorageClass ?? 'NEARLINE').toUpperCase() }
        : null;
    } catch (e) {
      throw wrap('reading the bucket settings', `gs://${root.bucket}`, e);
    }
  }

  async stat(rootUri: string, key: string): Promise<ObjectHead | null> {
    const root = parseGcsUri(rootUri);
    const file = this.file(root, key);
    try {
      const [m] = await file.getMetadata();
      return { size: Number(m.size ?? 0), storageClass: m.storageClass ?? null, crc32c: m.crc32c ?? null };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw wrap('reading the metadata', `gs://${root.bucket}/${file.name}`, e);
    }
  }

  async head(rootUri: string, key: string): Promise<number | null> {
    return (await this.stat(rootUri, key))?.size ?? null;
  }

  async checksum(rootUri: string, key: string, signal?: AbortSignal): Promise<WrittenObject | null> {
    const head = await this.stat(rootUri, key);
    if (!head) return null;
    if (head.crc32c) return { size: head.size, crc32c: head.crc32c };
    // GCS keeps a CRC32C for every object; a store without one gets the bytes hashed here.
    return hashStream(this.read(rootUri, key, signal ? { signal } : {}));
  }

  async transition(rootUri: string, key: string, storageClass: string, signal?: AbortSignal): Promise<void> {
    const root = parseGcsUri(rootUri);
    const file = this.file(root, key);
    signal?.throwIfAborted();
    if (autoclassName(storageClass)) {
      // Location validation keeps an Autoclass location to one tier: no transition reaches here.
      throw new Error(
        `cannot change gs://${root.bucket}/${file.name} to ${storageClass}: a bucket with Autoclass sets its objects' classes itself`,
      );
    }
    try {
      // A rewrite onto itself (looping on rewriteToken for large objects): GCS copies the bytes server-side.
      await file.setStorageClass(storageClass);
    } catch (e) {
      throw wrap(`changing the storage class to ${storageClass}`, `gs://${root.bucket}/${file.name}`, e);
    }
  }

  async remove(rootUri: string, key: string): Promise<void> {
    const root = parseGcsUri(rootUri);
    const file = this.file(root, key);
    try {
      await file.delete({ ignoreNotFound: true });
    } catch (e) {
      throw wrap('deleting', `gs://${root.bucket}/${file.name}`, e);
    }
  }

  async removeRoot(rootUri: string): Promise<void> {
    const root = parseGcsUri(rootUri);
    const bucket = this.storage.bucket(root.bucket);
    // Always the first page again: a page token could skip names once earlier ones are gone.
    for (;;) {
      const first = await this.pages(root).next();
      const page = first.done ? [] : first.value;
      if (page.length === 0) return;
      for (let i = 0; i < page.length; i += DELETE_CONCURRENCY) {
        await Promise.all(
          page.slice(i, i + DELETE_CONCURRENCY).map(async ({ name }) => {
            try {
              await bucket.file(name).delete({ ignoreNotFound: true });
            } catch (e) {
              throw wrap('deleting', `gs://${root.bucket}/${name}`, e);
            }
          }),
        );
      }
    }
  }

  /**
   * 0: GCS offers no listing of resumable sessions; an abandoned one holds no object and
   * expires a week after it started. Sessions the driver knows of (through a checkpoint)
   * are cancelled when resumeOffset restarts them.
   */
  async cleanupPartials(rootUri: string, keep?: ReadonlySet<string>): Promise<number> {
    void keep;
    parseGcsUri(rootUri);
    return 0;
  }

  async ensureRoot(rootUri: string): Promise<void> {
    parseGcsUri(rootUri);
  }

  async pruneEmptyFolders(rootUri: string): Promise<void> {
    parseGcsUri(rootUri);
  }
}

export { GcsError } from './gcs-session.ts';
