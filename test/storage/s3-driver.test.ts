// @needs s3
// The S3 driver against moto: the shared driver suite with small thresholds (5 MiB parts,
// moto enforces S3's minimum), then what only S3 has: URIs, folder markers, objects from
// other uploaders, uploads gone from under a checkpoint, and the errors an operator reads.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isTransient } from '../../core/migration/retry.ts';
import { S3Driver, type S3DriverOptions } from '../../core/storage/s3-driver.ts';
import { parseS3Uri, S3OperationError, wrapS3Error } from '../../core/storage/s3-location.ts';
import type { ObjectHead } from '../../core/storage/driver.ts';
import { describeWithService, type ReadyService } from '../helpers/services.ts';
import { crc32cBase64, MemoryCheckpoint, runDriverSuite } from './driver-suite.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;

function makeDriver(s3: ReadyService, extra: S3DriverOptions = {}): S3Driver {
  return new S3Driver({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: s3.env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: s3.env.AWS_ACCESS_KEY_ID ?? 'test',
      secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    },
    ...extra,
  });
}

/** A bucket of its own for a test file; removed with everything in it. */
async function createBucket(driver: S3Driver): Promise<{ bucket: string; drop(): Promise<void> }> {
  const bucket = `dm-test-${randomUUID()}`;
  await driver.client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    bucket,
    drop: async () => {
      await driver.cleanupPartials(`s3://${bucket}`);
      await driver.removeRoot(`s3://${bucket}`);
      await driver.client.send(new DeleteBucketCommand({ Bucket: bucket }));
    },
  };
}

/** The object as botocore (the aws CLI) sees it: an independent S3 client. */
async function cliHead(s3: ReadyService, bucket: string, key: string): Promise<ObjectHead | null> {
  try {
    const { stdout } = await run(
      'aws',
      ['--endpoint-url', s3.endpoint, 's3api', 'head-object', '--bucket', bucket, '--key', key].concat([
        '--checksum-mode',
        'ENABLED',
        '--output',
        'json',
      ]),
      { env: { ...process.env, ...s3.env, AWS_PAGER: '' } },
    );
    const h = JSON.parse(stdout) as { ContentLength: number; StorageClass?: string; ChecksumCRC32C?: string };
    return {
      size: h.ContentLength,
      storageClass: h.StorageClass ?? 'STANDARD',
      crc32c: h.ChecksumCRC32C ?? null,
    };
  } catch (e) {
    if (/\(404\)|Not Found/.test(String((e as { stderr?: string }).stderr))) return null;
    throw e;
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function* once(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

describeWithService('s3', 'S3Driver', (s3) => {
  runDriverSuite('S3Driver', async () => {
    const listPageSize = 7;
    const driver = makeDriver(s3, {
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
      listPageSize,
      multipartCopyThreshold: 5 * MiB,
      copyPartSize: 5 * MiB,
    });
    // Counted on the driver's real client, as requests leave it.
    const counts = { partUploads: 0, listPages: 0 };
    driver.client.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'UploadPartCommand') counts.partUploads++;
        if (context.commandName === 'ListObjectsV2Command') counts.listPages++;
        return next(args);
      },
      { step: 'initialize', name: 'dmTestCounter' },
    );
    const { bucket, drop } = await createBucket(driver);
    return {
      driver,
      rootUri: (sub) => `s3://${bucket}/suite/${sub}`,
      cleanup: async () => {
        await drop();
        driver.close();
      },
      partSize: 5 * MiB,
      multipartThreshold: 5 * MiB,
      storageClasses: ['STANDARD_IA', 'GLACIER_IR'],
      listPageSize,
      listsAbandonedUploads: true,
      count: (what) => counts[what],
      externalHead: (rootUri, key) => {
        const { bucket: b, prefix } = parseS3Uri(rootUri);
        return cliHead(s3, b, `${prefix}/${key}`);
      },
    };
  });

  describe('S3-specific behaviour', () => {
    let driver: S3Driver;
    let bucket: string;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      driver = makeDriver(s3, { multipartThreshold: 5 * MiB, partSize: 5 * MiB });
      ({ bucket, drop } = await createBucket(driver));
    });
    afterAll(async () => {
      await drop?.();
      driver?.close();
    });

    test('parses s3:// URIs and refuses malformed ones, naming the problem', () => {
      expect(parseS3Uri('s3://bkt')).toEqual({ bucket: 'bkt', prefix: '' });
      expect(parseS3Uri('s3://bkt/')).toEqual({ bucket: 'bkt', prefix: '' });
      expect(parseS3Uri('s3://bkt/a/b c/')).toEqual({ bucket: 'bkt', prefix: 'a/b c' });
      expect(() => parseS3Uri('gs://bkt/a')).toThrow(
        /malformed S3 URI "gs:\/\/bkt\/a": the scheme must be s3:\/\//,
      );
      expect(() => parseS3Uri('s3://')).toThrow(/not a valid bucket name/);
      expect(() => parseS3Uri('s3://Upper/a')).toThrow(/"Upper" is not a valid bucket name/);
      expect(() => parseS3Uri('s3://bkt/a//b')).toThrow(/empty, "\." or "\.\." segment/);
      expect(() => parseS3Uri('s3://bkt/a/../b')).toThrow(/segment/);
      expect(() => parseS3Uri('s3://bkt/a?versionId=1')).toThrow(/"\?" or "#"/);
    });

    test('a whole-bucket root lists every key; folder markers are skipped', async () => {
      const own = await createBucket(driver);
      try {
        const root = `s3://${own.bucket}`;
        expect(await driver.exists(root)).toBe(false);
        await driver.client.send(
          new PutObjectCommand({ Bucket: own.bucket, Key: 'dir/', Body: Buffer.alloc(0), ContentLength: 0 }),
        );
        await driver.write(root, 'dir/x', once(Buffer.from('x')));
        await driver.write(root, 'top', once(Buffer.from('top')));
        expect(await collect(driver.list(root))).toEqual([
          { key: 'dir/x', size: 1 },
          { key: 'top', size: 3 },
        ]);
        expect(await collect(driver.list(`${root}/dir`))).toEqual([{ key: 'x', size: 1 }]);
      } finally {
        await own.drop();
      }
    });

    test('checksum hashes the bytes when S3 keeps no whole-object CRC32C (plain PUT, composite multipart)', async () => {
      const root = `s3://${bucket}/foreign`;
      const plain = randomBytes(100_000);
      await driver.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'foreign/plain', Body: plain }));
      expect(await driver.stat(root, 'plain')).toEqual({
        size: plain.length,
        storageClass: 'STANDARD',
        crc32c: null,
      });
      expect(await driver.checksum(root, 'plain')).toEqual({
        size: plain.length,
        crc32c: crc32cBase64(plain),
      });

      // Another uploader's multipart object with per-part (COMPOSITE) checksums.
      const parts = [randomBytes(5 * MiB), randomBytes(1000)];
      const Key = 'foreign/composite';
      const { UploadId } = await driver.client.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key,
          ChecksumAlgorithm: 'CRC32C',
          ChecksumType: 'COMPOSITE',
        }),
      );
      const done = [];
      for (const [i, Body] of parts.entries()) {
        const p = await driver.client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key,
            UploadId,
            PartNumber: i + 1,
            Body,
            ChecksumAlgorithm: 'CRC32C',
            ChecksumCRC32C: crc32cBase64(Body),
          }),
        );
        done.push({ PartNumber: i + 1, ETag: p.ETag, ChecksumCRC32C: p.ChecksumCRC32C });
      }
      await driver.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: done },
        }),
      );
      const whole = Buffer.concat(parts);
      expect((await driver.stat(root, 'composite'))?.crc32c).toBeNull();
      expect(await driver.checksum(root, 'composite')).toEqual({
        size: whole.length,
        crc32c: crc32cBase64(whole),
      });
      // A transition of such an object still proves the bytes are unchanged.
      await driver.transition(root, 'composite', 'STANDARD_IA');
      expect(await driver.checksum(root, 'composite')).toEqual({
        size: whole.length,
        crc32c: crc32cBase64(whole),
      });
    });

    test('a checkpoint whose upload is gone resumes from 0 and is cleared', async () => {
      const root = `s3://${bucket}/gone`;
      const cp = new MemoryCheckpoint();
      const data = randomBytes(11 * MiB);
      async function* failing() {
        yield data.subarray(0, 6 * MiB);
        throw new Error('source failed (test)');
      }
      await expect(
        driver.write(root, 'obj', failing(), { size: data.length, checkpoint: cp }),
      ).rejects.toThrow(/source failed/);
      const state = cp.load();
      expect(state?.parts).toHaveLength(1);
      await driver.client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'gone/obj', UploadId: state?.uploadId }),
      );
      expect(await driver.resumeOffset(root, 'obj', cp)).toBe(0);
      expect(cp.load()).toBeUndefined();
      await driver.write(root, 'obj', once(data), { size: data.length, checkpoint: cp });
      expect(await driver.checksum(root, 'obj')).toEqual({ size: data.length, crc32c: crc32cBase64(data) });
    });

    test('a failed multipart write without a checkpoint aborts its upload', async () => {
      const root = `s3://${bucket}/no-checkpoint`;
      async function* failing() {
        yield randomBytes(6 * MiB);
        throw new Error('source failed (test)');
      }
      await expect(driver.write(root, 'obj', failing(), { size: 11 * MiB })).rejects.toThrow(/source failed/);
      const uploads = await driver.client.send(
        new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'no-checkpoint/' }),
      );
      expect(uploads.Uploads ?? []).toEqual([]);
    });

    test('errors name the operation and the object, and keep what the retry policy reads', async () => {
      const root = `s3://no-such-bucket-${randomUUID().slice(0, 8)}/p`;
      const err = await collect(driver.read(root, 'k')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(S3OperationError);
      expect((err as Error).message).toMatch(
        /^GetObject s3:\/\/no-such-bucket-[0-9a-f]{8}\/p\/k: NoSuchBucket, HTTP 404/,
      );
      expect((err as S3OperationError).$metadata?.httpStatusCode).toBe(404);
      expect(isTransient(err)).toBe(false);
      expect(await driver.exists(root)).toBe(false);

      // A throttle, shaped as the SDK reports it (moto never throttles): still transient once wrapped.
      const slowDown = Object.assign(new Error('Please reduce your request rate.'), {
        name: 'SlowDown',
        $metadata: { httpStatusCode: 503 },
        $fault: 'server',
      });
      const wrapped = wrapS3Error(slowDown, 'PutObject', 's3://b/k') as S3OperationError;
      expect(wrapped.message).toBe(
        'PutObject s3://b/k: SlowDown, HTTP 503: Please reduce your request rate.',
      );
      expect(wrapped.name).toBe('SlowDown');
      expect(wrapped.cause).toBe(slowDown);
      expect(isTransient(wrapped)).toBe(true);
    });

    test('an aborted read stops with an AbortError', async () => {
      const root = `s3://${bucket}/abort`;
      await driver.write(root, 'obj', once(randomBytes(3 * MiB)));
      const ac = new AbortController();
      const reading = (async () => {
        for await (const _chunk of driver.read(root, 'obj', { signal: ac.signal })) ac.abort();
      })();
      await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    });
  });
});
