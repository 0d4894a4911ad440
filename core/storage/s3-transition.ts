// Changing an object's storage class in place: S3 has no "set class" call, so the object
// is copied onto itself with the new class. CopyObject is limited to 5 GB; above that a
// multipart copy of byte ranges, completed with the whole-object CRC32C so S3 checks it.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type HeadObjectCommandOutput,
  type S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { MAX_PARTS } from './s3-upload.ts';
import { s3Url, wrapS3Error } from './s3-location.ts';

/** Server-side copies in flight for one multipart copy: they cost S3, not us. */
const COPY_LANES = 4;

export interface CopyTarget {
  client: S3Client;
  bucket: string;
  key: string;
  /** Objects above this size are copied in parts (S3's CopyObject limit is 5 GB). */
  copyThreshold: number;
  copyPartSize: number;
}

function copySource(bucket: string, key: string): string {
  // CopySource is a URL path: each key segment encoded, the separators kept.
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Copies the object onto itself with `storageClass`. `head` is the object as checked
 * before (its ETag pins the copy to that version); `crc32c` its whole-object CRC32C.
 */
export async function copyWithClass(
  t: CopyTarget,
  head: HeadObjectCommandOutput,
  crc32c: string,
  storageClass: string,
  signal?: AbortSignal,
): Promise<void> {
  const size = head.ContentLength ?? 0;
  const where = s3Url(t.bucket, t.key);
  if (size <= t.copyThreshold) {
    try {
      await t.client.send(
        new CopyObjectCommand({
          Bucket: t.bucket,
          Key: t.key,
          CopySource: copySource(t.bucket, t.key),
          CopySourceIfMatch: head.ETag,
          StorageClass: storageClass as StorageClass,
          MetadataDirective: 'COPY',
          ChecksumAlgorithm: 'CRC32C',
        }),
        { abortSignal: signal },
      );
    } catch (e) {
      throw wrapS3Error(e, 'CopyObject', where);
    }
    return;
  }
  await multipartCopy(t, head, crc32c, storageClass, signal);
}

async function multipartCopy(
  t: CopyTarget,
  head: HeadObjectCommandOutput,
  crc32c: string,
  storageClass: string,
  signal?: AbortSignal,
): Promise<void> {
  const size = head.ContentLength ?? 0;
  const where = s3Url(t.bucket, t.key);
  const partSize = Math.max(t.copyPartSize, Math.ceil(size / MAX_PARTS));
  // A multipart upload has no MetadataDirective: carry the headers over by hand.
  // (Object tags are not carried; DataMotion does not set any.)
  const created = await t.client
    .send(
      new CreateMultipartUploadCommand({
        Bucket: t.bucket,
        Key: t.key,
        StorageClass: storageClass as StorageClass,
        ChecksumAlgorithm: 'CRC32C',
        ChecksumType: 'FULL_OBJECT',
        ContentType: head.ContentType,
        ContentEncoding: head.ContentEncoding,
        ContentDisposition: head.ContentDisposition,
        ContentLanguage: head.ContentLanguage,
        CacheControl: head.CacheControl,
        Metadata: head.Metadata,
      }),
      { abortSignal: signal },
    )
    .catch((e: unknown) => {
      throw wrapS3Error(e, 'CreateMultipartUpload (copy)', where);
    });
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error(`CreateMultipartUpload (copy) ${where}: no UploadId`);

  const count = Math.ceil(size / partSize);
  const parts: CompletedPart[] = new Array(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const start = i * partSize;
      const end = Math.min(size, start + partSize) - 1;
      const res = await t.client.send(
        new UploadPartCopyCommand({
          Bucket: t.bucket,
          Key: t.key,
          UploadId: uploadId,
          PartNumber: i + 1,
          CopySource: copySource(t.bucket, t.key),
          CopySourceIfMatch: head.ETag,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
        { abortSignal: signal },
      );
      const r = res.CopyPartResult;
      parts[i] = { PartNumber: i + 1, ETag: r?.ETag, ChecksumCRC32C: r?.ChecksumCRC32C };
    }
  };
  try {
    try {
      await Promise.all(Array.from({ length: Math.min(COPY_LANES, count) }, lane));
    } catch (e) {
      next = count; // no new part starts once one failed
      throw wrapS3Error(e, 'UploadPartCopy', where);
    }
    await t.client
      .send(
        new CompleteMultipartUploadCommand({
          Bucket: t.bucket,
          Key: t.key,
          UploadId: uploadId,
          ChecksumType: 'FULL_OBJECT',
          ChecksumCRC32C: crc32c,
          MpuObjectSize: size,
          MultipartUpload: { Parts: parts },
        }),
        { abortSignal: signal },
      )
      .catch((e: unknown) => {
        throw wrapS3Error(e, 'CompleteMultipartUpload (copy)', where);
      });
  } catch (e) {
    // Nothing resumes a copy: leave no billed parts behind (the object itself is untouched).
    await t.client
      .send(new AbortMultipartUploadCommand({ Bucket: t.bucket, Key: t.key, UploadId: uploadId }))
      .catch(() => undefined);
    throw e;
  }
}
