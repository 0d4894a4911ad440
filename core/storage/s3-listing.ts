// Walking a root's keys and uploads on S3, page by page (never a whole bucket in memory),
// and deleting them in the batches S3 allows.
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { isNoSuchBucket, isNoSuchUpload, keyPrefix, s3Url, wrapS3Error, type S3Root } from './s3-location.ts';

/** DeleteObjects takes at most this many keys. */
const DELETE_BATCH = 1000;

async function call<T>(op: string, where: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw wrapS3Error(e, op, where);
  }
}

/** Every stored key under the root, one ListObjectsV2 page at a time, folder markers included. */
export async function* listPages(
  client: S3Client,
  root: S3Root,
  pageSize: number,
  signal?: AbortSignal,
): AsyncGenerator<_Object[]> {
  const Prefix = keyPrefix(root);
  let token: string | undefined;
  do {
    const page = await call('ListObjectsV2', s3Url(root.bucket, Prefix), () =>
      client.send(
        new ListObjectsV2Command({
          Bucket: root.bucket,
          Prefix,
          ContinuationToken: token,
          MaxKeys: pageSize,
        }),
        { abortSignal: signal },
      ),
    );
    yield page.Contents ?? [];
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Deletes every key under the root (folder markers too); a missing bucket has nothing to delete. */
export async function deleteAll(client: S3Client, root: S3Root, pageSize: number): Promise<void> {
  const where = s3Url(root.bucket, root.prefix);
  let batch: string[] = [];
  const flush = async () => {
    const Objects = batch.map((Key) => ({ Key }));
    batch = [];
    const res = await call('DeleteObjects', where, () =>
      client.send(new DeleteObjectsCommand({ Bucket: root.bucket, Delete: { Objects, Quiet: true } })),
    );
    const failed = res.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0];
      throw new Error(
        `DeleteObjects ${where}: ${failed.length} keys not deleted, ` +
          `e.g. ${first?.Key}: ${first?.Code} ${first?.Message ?? ''}`.trim(),
      );
    }
  };
  try {
    for await (const page of listPages(client, root, pageSize)) {
      for (const o of page) {
        if (o.Key) batch.push(o.Key);
        if (batch.length === DELETE_BATCH) await flush();
      }
    }
  } catch (e) {
    if (isNoSuchBucket(e)) return;
    throw e;
  }
  if (batch.length > 0) await flush();
}

/** Aborts the multipart uploads under the root whose UploadId is not in `keep`; returns how many. */
export async function abortUploads(
  client: S3Client,
  root: S3Root,
  keep?: ReadonlySet<string>,
): Promise<number> {
  let aborted = 0;
  let KeyMarker: string | undefined;
  let UploadIdMarker: string | undefined;
  for (;;) {
    const page = await call('ListMultipartUploads', s3Url(root.bucket, root.prefix), () =>
      client.send(
        new ListMultipartUploadsCommand({
          Bucket: root.bucket,
          Prefix: keyPrefix(root),
          KeyMarker,
          UploadIdMarker,
        }),
      ),
    );
    for (const u of page.Uploads ?? []) {
      if (!u.Key || !u.UploadId || keep?.has(u.UploadId)) continue;
      try {
        await client.send(
          new AbortMultipartUploadCommand({ Bucket: root.bucket, Key: u.Key, UploadId: u.UploadId }),
        );
        aborted++;
      } catch (e) {
        // Completed or aborted by someone else since the listing: gone either way.
        if (!isNoSuchUpload(e)) throw wrapS3Error(e, 'AbortMultipartUpload', s3Url(root.bucket, u.Key));
      }
    }
    if (!page.IsTruncated) return aborted;
    KeyMarker = page.NextKeyMarker;
    UploadIdMarker = page.NextUploadIdMarker;
  }
}
