/**
 * One interface over file://, s3:// and gs://. A dataset is a root (folder or prefix);
 * objects are addressed by a key relative to it, always with '/' separators.
 */
export interface ObjectInfo {
  key: string;
  size: number;
}

export interface WrittenObject {
  size: number;
  /** CRC32C of the bytes written, base64 of the big-endian value (the S3/GCS encoding). */
  crc32c: string;
}

/** What a driver knows of one stored object without reading its bytes. */
export interface ObjectHead {
  size: number;
  /** The store's storage class (S3 StorageClass, GCS storageClass); null where there is none (file). */
  storageClass: string | null;
  /** CRC32C the store computed and keeps for the whole object, base64 big-endian; null when it has none. */
  crc32c: string | null;
}

/**
 * Progress of one large upload (S3 multipart, GCS resumable session), saved after each
 * part so a killed process resumes from the last completed part instead of byte 0.
 */
export interface UploadState {
  /** S3 UploadId, or the GCS resumable session URI. */
  uploadId: string;
  /** Bytes of the object already stored (the sum of the completed parts). */
  bytesDone: number;
  /** CRC32C state (uint32) of the first bytesDone bytes, so the whole-object CRC needs no re-read. */
  crcState: number;
  /** Completed parts, in order (S3: ETag and per-part CRC32C; GCS: empty). */
  parts: { partNumber: number; etag: string; crc32c: string; size: number }[];
  /** Storage class the upload was started with (a resume with another class restarts). */
  storageClass: string | null;
}

/** Where a driver keeps an object's UploadState: the migration manifest, in SQLite. */
export interface UploadCheckpoint {
  load(): UploadState | undefined;
  save(state: UploadState): void;
  clear(): void;
}

export interface WriteOptions {
  storageClass?: string;
  signal?: AbortSignal;
  /** Size of the object from the source listing: lets the driver choose single PUT or multipart. */
  size?: number;
  /**
   * Resume state of this object's upload. When it holds progress the driver continues
   * the upload, and `data` must start at byte `checkpoint.load().bytesDone` of the object:
   * the caller asks `resumeOffset()` first and reads the source from there.
   */
  checkpoint?: UploadCheckpoint;
}

export interface StorageDriver {
  readonly scheme: 'file' | 's3' | 'gs';
  /** Every complete object under root, in key order (byte order of the UTF-8 key). Partial uploads are never listed. */
  list(rootUri: string, signal?: AbortSignal): AsyncIterable<ObjectInfo>;
  /**
   * GCS only: the Autoclass setting of the root's bucket — its terminal class (NEARLINE or
   * ARCHIVE) when on, null when off. Checked by POST /locations/{id}/test against a tier
   * map naming AUTOCLASS.
   */
  autoclass?(rootUri: string): Promise<{ terminal_class: string } | null>;
  /** True when the root exists (a folder, or a prefix with objects; an object store's bucket for an empty prefix is "exists: false"). */
  exists(rootUri: string): Promise<boolean>;
  /**
   * Streams an object's bytes, from `offset` when given. A chunk may be a view of a reused
   * buffer: it is valid until the next chunk is requested, so a consumer that keeps chunks must copy them.
   */
  read(
    rootUri: string,
    key: string,
    opts?: { offset?: number; signal?: AbortSignal },
  ): AsyncIterable<Uint8Array>;
  /**
   * Byte offset a write of this object resumes from, given its checkpoint (0 when there is
   * nothing to resume, or the stored upload no longer exists: the driver then clears it).
   */
  resumeOffset(
    rootUri: string,
    key: string,
    checkpoint: UploadCheckpoint,
    storageClass?: string,
  ): Promise<number>;
  /**
   * Writes an object so that it appears under its final name only when complete
   * (temp name + fsync + rename, or a single/multipart upload), hashing as it goes. The
   * store checks the bytes on arrival where it can (x-amz-checksum-crc32c, GCS crc32c).
   */
  write(
    rootUri: string,
    key: string,
    data: AsyncIterable<Uint8Array>,
    opts?: WriteOptions,
  ): Promise<WrittenObject>;
  /**
   * Size and CRC32C of a stored object: the file driver re-reads it; object stores
   * answer with the whole-object CRC32C they computed on arrival. null when the object is missing.
   */
  checksum(rootUri: string, key: string, signal?: AbortSignal): Promise<WrittenObject | null>;
  /** Size of one object, or null when absent. */
  head(rootUri: string, key: string): Promise<number | null>;
  /** Size, storage class and stored checksum of one object, or null when absent. */
  stat(rootUri: string, key: string): Promise<ObjectHead | null>;
  /**
   * Changes an object's storage class in place, bytes untouched (S3 CopyObject onto itself,
   * multipart copy above 5 GB; GCS rewrite). The file driver has no classes: metadata only, a no-op.
   */
  transition(rootUri: string, key: string, storageClass: string, signal?: AbortSignal): Promise<void>;
  remove(rootUri: string, key: string): Promise<void>;
  /** Removes the whole root (after a source is retired). */
  removeRoot(rootUri: string): Promise<void>;
  /**
   * Deletes leftovers of interrupted writes (temp files, abandoned multipart uploads) and
   * returns how many. `keep` names uploads (UploadState.uploadId) still referenced by a
   * checkpoint: they are resumable and survive.
   */
  cleanupPartials(rootUri: string, keep?: ReadonlySet<string>): Promise<number>;
  /** Makes an empty root visible (a folder); object stores have nothing to do. */
  ensureRoot(rootUri: string): Promise<void>;
  /**
   * Removes empty folders under root, and root itself when it ends up empty, after a
   * job's objects were removed; object stores have nothing to do.
   */
  pruneEmptyFolders(rootUri: string): Promise<void>;
}
