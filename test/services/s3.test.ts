// @needs s3
// Proves the S3 endpoint from `npm run dev:s3` speaks S3 to two independent
// clients: the AWS SDK for JavaScript and the aws CLI.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { crc32c } from '@node-rs/crc32';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeWithService } from '../helpers/services.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;

/** S3's CRC32C header value: the big-endian checksum, base64. */
function crc32cBase64(data: Uint8Array): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32c(data));
  return out.toString('base64');
}

describeWithService('s3', 'S3 endpoint', (s3) => {
  const bucket = `smoke-${randomUUID()}`;
  let client: S3Client;

  beforeAll(async () => {
    client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: s3.env.AWS_REGION ?? 'us-east-1',
      credentials: {
        accessKeyId: s3.env.AWS_ACCESS_KEY_ID ?? 'test',
        secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY ?? 'test',
      },
    });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(() => client?.destroy());

  test('single put with CRC32C, multipart upload, head with checksums, list, aws CLI, delete', async () => {
    const small = randomBytes(64 * 1024);
    const put = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'small.bin', Body: small, ChecksumAlgorithm: 'CRC32C' }),
    );
    expect(put.ChecksumCRC32C).toBe(crc32cBase64(small));

    // Two parts: the first at the 5 MiB minimum part size, the last smaller.
    const parts = [randomBytes(5 * MiB), randomBytes(1 * MiB)];
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'large.bin', ChecksumAlgorithm: 'CRC32C' }),
    );
    const uploaded = [];
    for (const [i, body] of parts.entries()) {
      const part = await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'large.bin',
          UploadId,
          PartNumber: i + 1,
          Body: body,
          ChecksumAlgorithm: 'CRC32C',
        }),
      );
      expect(part.ChecksumCRC32C).toBe(crc32cBase64(body));
      uploaded.push({ PartNumber: i + 1, ETag: part.ETag, ChecksumCRC32C: part.ChecksumCRC32C });
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'large.bin',
        UploadId,
        MultipartUpload: { Parts: uploaded },
      }),
    );

    const headSmall = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'small.bin', ChecksumMode: 'ENABLED' }),
    );
    expect(headSmall.ContentLength).toBe(small.length);
    expect(headSmall.ChecksumCRC32C).toBe(crc32cBase64(small));
    const headLarge = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'large.bin', ChecksumMode: 'ENABLED' }),
    );
    expect(headLarge.ContentLength).toBe(6 * MiB);
    // S3's composite checksum: CRC32C over the parts' raw checksums. Real S3
    // suffixes it with "-<parts>" on HEAD; moto 5.2 leaves the suffix off.
    const composite = crc32cBase64(
      Buffer.concat(uploaded.map((p) => Buffer.from(p.ChecksumCRC32C ?? '', 'base64'))),
    );
    expect(headLarge.ChecksumCRC32C?.replace(/-\d+$/, '')).toBe(composite);

    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
      ['large.bin', 6 * MiB],
      ['small.bin', small.length],
    ]);

    // A second, independent client (botocore) sees the same object.
    const { stdout } = await run(
      'aws',
      [
        '--endpoint-url',
        s3.endpoint,
        's3api',
        'head-object',
        '--bucket',
        bucket,
        '--key',
        'large.bin',
        '--output',
        'json',
      ],
      { env: { ...process.env, ...s3.env, AWS_PAGER: '' } },
    );
    expect((JSON.parse(stdout) as { ContentLength: number }).ContentLength).toBe(6 * MiB);

    for (const Key of ['small.bin', 'large.bin'])
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    expect((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  });
});
