// StorageDriver for s3:// on the AWS SDK v3: one S3Client per driver (one driver per
// location). Uploads and resumes live in s3-upload.ts, in-place class changes in
// s3-transition.ts, listing and bulk deletes in s3-listing.ts, URIs and errors in s3-location.ts.
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type HeadObjectCommandOutput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { hashStream } from './crc32c.ts';
import type {
  ObjectHead,
  ObjectInfo,
  StorageDriver,
  UploadCheckpoint,
  WriteOptions,
  WrittenObject,
} from './driver.ts';
import {
  isInvalidRange,
  isNoSuchBucket,
  isNoSuchKey,
  keyPrefix,
  objectKey,
  parseS3Uri,
  s3Url,
  wrapS3Error,
} from './s3-location.ts';
import { abortUploads, deleteAll, listPages } from './s3-listing.ts';
import { copyWithClass } from './s3-transition.ts';
import { resumeOffset, writeObject } from './s3-upload.ts';

const MiB = 1024 * 1024;
/** S3's smallest part (all but the last). */
const MIN_PART = 5 * MiB;
/** S3's largest single CopyObject. */
const COPY_LIMIT = 5 * 1000 * MiB;

export interface S3DriverOptions {
  endpoint?: string;
  region?: string;
  /** Path-style URLs (bucket in the path): needed by most S3 emulators and some gateways. */
  forcePathStyle?: boolean;
  /** Static keys or a provider (AwsCredentialIdentity | AwsCredentialIdentityProvider); default: the SDK's chain. */
  credentials?: S3ClientConfig['credentials'];
  /** Objects larger than this are uploaded in parts (default 8 MiB). */
  multipartThreshold?: number;
  /** Part size of uploads (default 8 MiB, at least 5 MiB). */
  partSize?: number;
  /**
   * Parts of one object uploaded at once (rclone uses 4, the aws CLI up to 10). Default 1
   * until test/migration/cloud-faults.test.ts's SIGKILL test stops expecting one part at a time.
   */
  partConcurrency?: number;
  /** Tries per request inside the SDK (default 3); the mover retries whole objects on top. */
  maxAttempts?: number;
  /** Keys per ListObjectsV2 page (default and S3 maximum 1000). */
  listPageSize?: number;
  /** transition() copies in parts above this size (default 5 GB, CopyObject's limit). */
  multipartCopyThreshold?: number;
  /** Part size of a multipart copy (default 512 MiB: server-side, so big parts are cheap). */
  copyPartSize?: number;
}

/** A stored CRC32C that covers the whole object ("xxxx-N" and COMPOSITE are per-part). */
function fullObjectCrc(head: HeadObjectCommandOutput): string | null {
  const crc = head.ChecksumCRC32C;
  if (!crc || head.ChecksumType === 'COMPOSITE' || /-\d+$/.test(crc)) return null;
  return crc;
}

export class S3Driver implements StorageDriver {
  readonly scheme = 's3' as const;
  /** The driver's one client; exposed for tests that count its requests. */
  readonly client: S3Client;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly partConcurrency: number;
  private readonly listPageSize: number;
  private readonly copyThreshold: number;
  private readonly copyPartSize: number;

  constructor(opts: S3DriverOptions = {}) {
    this.partSize = Math.max(MIN_PART, opts.partSize ?? 8 * MiB);
    this.multipartThreshold = Math.max(0, opts.multipartThreshold ?? 8 * MiB);
    this.partConcurrency = Math.max(1, Math.floor(opts.partConcurrency ?? 4));
    this.listPageSize = Math.min(1000, Math.max(1, opts.listPageSize ?? 1000));
    this.copyThreshold = Math.min(COPY_LIMIT, opts.multipartCopyThreshold ?? COPY_LIMIT);
    this.copyPartSize = Math.max(MIN_PART, opts.copyPartSize ?? 512 * MiB);
    this.client = new S3Client({
      ...(opts.endpoint !== undefined && { endpoint: opts.endpoint }),
      ...(opts.credentials !== undefined && { credentials: opts.credentials }),
      region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1',
      forcePathStyle: opts.forcePathStyle ?? false,
      maxAttempts: opts.maxAttempts ?? 3,
      // We send our own CRC32C on every upload and verify reads ourselves (native code);
      // the SDK's default would add a second, pure-JS checksum over every byte.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  close(): void {
    this.client.destroy();
  }

  destroy(): void {
    this.close();
  }

  private target(rootUri: string, key: string) {
    const root = parseS3Uri(rootUri);
    return { root, client: this.client, bucket: root.bucket, key: objectKey(root, key) };
  }

  private async call<T>(
    op: string,
    bucket: string,
    key: string | undefined,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw wrapS3Error(e, op, s3Url(bucket, key));
    }
  }

  /** S3 lists keys in UTF-8 byte order already: the contract's order, with no sort here. */
  async *list(rootUri: string, signal?: AbortSignal): AsyncIterable<ObjectInfo> {
    const root = parseS3Uri(rootUri);
    const strip = keyPrefix(root).length;
    for await (const page of listPages(this.client, root, this.listPageSize, signal)) {
      for (const o of page) {
        if (!o.Key) continue;
        const size = o.Size ?? 0;
        // "Folder" markers made by consoles and some tools are not dataset objects.
        if (o.Key.endsWith('/') && size === 0) continue;
        yield { key: o.Key.slice(strip), size };
      }
    }
  }

  async exists(rootUri: string): Promise<boolean> {
    const root = parseS3Uri(rootUri);
    try {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: root.bucket, Prefix: keyPrefix(root), MaxKeys: 1 }),
      );
      return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
    } catch (e) {
      if (isNoSuchBucket(e)) return false;
      throw wrapS3Error(e, 'ListObjectsV2', s3Url(root.bucket, root.prefix));
    }
  }

  async *read(
    rootUri: string,
    key: string,
    opts: { offset?: number; signal?: AbortSignal } = {},
  ): AsyncIterable<Uint8Array> {
    const t = this.target(rootUri, key);
    const offset = opts.offset ?? 0;
    let res;
    try {
      res = await this.client.send(
        new GetObjectCommand({
          Bucket: t.bucket,
          Key: t.key,
          ...(offset > 0 && { Range: `bytes=${offset}-` }),
        }),
        { abortSignal: opts.signal },
      );
    } catch (e) {
      // A range starting at the end (a resume of a complete object) has nothing to send.
      if (offset > 0 && isInvalidRange(e)) return;
      throw wrapS3Error(e, 'GetObject', s3Url(t.bucket, t.key));
    }
    const body = res.Body as Readable | undefined;
    if (!body) return;
    // The SDK's signal covers the request; once the body streams, abort it ourselves.
    const onAbort = () => body.destroy(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of body) yield chunk as Uint8Array;
    } catch (e) {
      throw wrapS3Error(e, 'GetObject (body)', s3Url(t.bucket, t.key));
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      body.destroy();
    }
  }

  async resumeOffset(
    rootUri: string,
    key: string,
    checkpoint: UploadCheckpoint,
    storageClass?: string,
  ): Promise<number> {
    return resumeOffset(this.target(rootUri, key), checkpoint, storageClass);
  }

  async write(
    rootUri: string,
    key: string,
    data: AsyncIterable<Uint8Array>,
    opts: WriteOptions = {},
  ): Promise<WrittenObject> {
    const t = this.target(rootUri, key);
    return writeObject(
      {
        ...t,
        multipartThreshold: this.multipartThreshold,
        partSize: this.partSize,
        partConcurrency: this.partConcurrency,
      },
      data,
      opts,
    );
  }

  private async headObject(bucket: string, key: string): Promise<HeadObjectCommandOutput | null> {
    try {
      return await this.client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
    } catch (e) {
      if (isNoSuchKey(e)) return null;
      throw wrapS3Error(e, 'HeadObject', s3Url(bucket, key));
    }
  }

  /**
   * The CRC32C S3 computed on arrival; for objects without a whole-object CRC32C (other
   * uploaders, composite multipart checksums) the bytes are read and hashed here.
   */
  async checksum(rootUri: string, key: string, signal?: AbortSignal): Promise<WrittenObject | null> {
    const t = this.target(rootUri, key);
    const head = await this.headObject(t.bucket, t.key);
    if (!head) return null;
    const stored = fullObjectCrc(head);
    if (stored) return { size: head.ContentLength ?? 0, crc32c: stored };
    try {
      return await hashStream(this.read(rootUri, key, signal ? { signal } : {}));
    } catch (e) {
      if (isNoSuchKey(e)) return null; // removed between the HEAD and the GET
      throw e;
    }
  }

  async head(rootUri: string, key: string): Promise<number | null> {
    const t = this.target(rootUri, key);
    return (await this.headObject(t.bucket, t.key))?.ContentLength ?? null;
  }

  async stat(rootUri: string, key: string): Promise<ObjectHead | null> {
    const t = this.target(rootUri, key);
    const head = await this.headObject(t.bucket, t.key);
    if (!head) return null;
    // S3 omits the class for STANDARD objects.
    return {
      size: head.ContentLength ?? 0,
      storageClass: head.StorageClass ?? 'STANDARD',
      crc32c: fullObjectCrc(head),
    };
  }

  /** Copies the object onto itself with the new class, then proves the bytes' CRC32C did not change. */
  async transition(rootUri: string, key: string, storageClass: string, signal?: AbortSignal): Promise<void> {
    const t = this.target(rootUri, key);
    const where = s3Url(t.bucket, t.key);
    const head = await this.headObject(t.bucket, t.key);
    if (!head) throw new Error(`transition ${where} to ${storageClass}: the object does not exist`);
    // S3 refuses a copy onto itself that changes nothing; and there is nothing to do.
    if ((head.StorageClass ?? 'STANDARD') === storageClass) return;
    const before = fullObjectCrc(head) ?? (await this.checksum(rootUri, key, signal))?.crc32c;
    if (!before) throw new Error(`transition ${where}: the object disappeared while it was being read`);
    await copyWithClass(
      { ...t, copyThreshold: this.copyThreshold, copyPartSize: this.copyPartSize },
      head,
      before,
      storageClass,
      signal,
    );
    const after = await this.checksum(rootUri, key, signal);
    if (after?.crc32c !== before || after.size !== head.ContentLength) {
      throw new Error(
        `transition ${where} to ${storageClass}: CRC32C changed from ${before} to ${after?.crc32c ?? 'missing'} ` +
          `(size ${head.ContentLength} → ${after?.size ?? 'missing'}); the object must be checked against its source`,
      );
    }
  }

  async remove(rootUri: string, key: string): Promise<void> {
    const t = this.target(rootUri, key);
    await this.call('DeleteObject', t.bucket, t.key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: t.key })),
    );
  }

  /** Deletes every key under the root (folder markers too), 1000 per DeleteObjects as S3 allows. */
  async removeRoot(rootUri: string): Promise<void> {
    await deleteAll(this.client, parseS3Uri(rootUri), this.listPageSize);
  }

  /**
   * Aborts multipart uploads under the root that no checkpoint references (`keep`):
   * parts of an abandoned upload are billed until aborted, and never become an object.
   */
  async cleanupPartials(rootUri: string, keep?: ReadonlySet<string>): Promise<number> {
    return abortUploads(this.client, parseS3Uri(rootUri), keep);
  }

  /** An S3 prefix exists once it holds an object: nothing to create. */
  async ensureRoot(): Promise<void> {}

  /** S3 has no folders to leave behind. */
  async pruneEmptyFolders(): Promise<void> {}
}
