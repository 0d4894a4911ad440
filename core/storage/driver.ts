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

export interface StorageDriver {
  readonly scheme: 'file' | 's3' | 'gs';
  /** Every complete object under root, in key order. Partial uploads are never listed. */
  list(rootUri: string): AsyncIterable<ObjectInfo>;
  /** True when the root exists (a folder, or a prefix with objects). */
  exists(rootUri: string): Promise<boolean>;
  /**
   * Streams an object's bytes. A chunk may be a view of a reused buffer: it is valid
   * until the next chunk is requested, so a consumer that keeps chunks must copy them.
   */
  read(rootUri: string, key: string): AsyncIterable<Uint8Array>;
  /**
   * Writes an object so that it appears under its final name only when complete
   * (temp name + fsync + rename, or a single/multipart upload), hashing as it goes.
   */
  write(
    rootUri: string,
    key: string,
    data: AsyncIterable<Uint8Array>,
    opts?: { storageClass?: string; signal?: AbortSignal },
  ): Promise<WrittenObject>;
  /** Re-reads an object and returns its size and CRC32C. */
  checksum(rootUri: string, key: string, signal?: AbortSignal): Promise<WrittenObject>;
  /** Size of one object, or null when absent. */
  head(rootUri: string, key: string): Promise<number | null>;
  remove(rootUri: string, key: string): Promise<void>;
  /** Removes the whole root (after a source is retired). */
  removeRoot(rootUri: string): Promise<void>;
  /** Deletes leftovers of interrupted writes (temp files, abandoned multipart uploads). */
  cleanupPartials(rootUri: string): Promise<number>;
  /** Makes an empty root visible (a folder); object stores have nothing to do. */
  ensureRoot(rootUri: string): Promise<void>;
  /**
   * Removes empty folders under root, and root itself when it ends up empty, after a
   * job's objects were removed; object stores have nothing to do.
   */
  pruneEmptyFolders(rootUri: string): Promise<void>;
}
