// @needs gcs
// The GCS driver's read path (core/storage/gcs-download.ts, a plain GET of the object's
// media instead of the SDK's stream) against fake-gcs-server: what it must keep from the
// SDK path it replaced. Stored gzip bytes arrive as stored (their CRC32C is the one GCS
// keeps, which verification compares), and a failure names the object with a status the
// retry policy reads.
import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Storage, type Bucket } from '@google-cloud/storage';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { isTransient } from '../../core/migration/retry.ts';
import { GcsDriver } from '../../core/storage/gcs-driver.ts';
import { describeWithService } from '../helpers/services.ts';
import { crc32cBase64 } from './driver-suite.ts';

async function readAll(d: GcsDriver, root: string, key: string, offset = 0): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of d.read(root, key, { offset })) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describeWithService('gcs', 'GcsDriver reads', (svc) => {
  let bucket: Bucket;
  let driver: GcsDriver;
  let root: string;
  beforeAll(async () => {
    const admin = new Storage({ apiEndpoint: svc.endpoint, projectId: 'datamotion-test' });
    [bucket] = await admin.createBucket(`dm-read-${randomUUID().slice(0, 18)}`);
    driver = new GcsDriver({ apiEndpoint: svc.endpoint, projectId: 'datamotion-test' });
    root = `gs://${bucket.name}/r`;
  });
  afterAll(async () => {
    await bucket?.deleteFiles({ force: true }).catch(() => undefined);
    await bucket?.delete().catch(() => undefined);
  });

  test('an object stored gzip-encoded is read as its stored bytes, matching the stored CRC32C', async () => {
    const gz = gzipSync(Buffer.from('datamotion '.repeat(20_000)));
    await bucket.file('r/logs.txt').save(gz, {
      resumable: false,
      validation: false,
      metadata: { contentEncoding: 'gzip', contentType: 'text/plain' },
    });

    const bytes = await readAll(driver, root, 'logs.txt');
    const stored = await driver.stat(root, 'logs.txt');

    expect(bytes.equals(gz)).toBe(true);
    expect(stored?.size).toBe(gz.length);
    if (stored?.crc32c) expect(stored.crc32c).toBe(crc32cBase64(gz));
    expect((await readAll(driver, root, 'logs.txt', 10)).equals(gz.subarray(10))).toBe(true);
  });

  test('a missing object fails with 404, naming it, not retried', async () => {
    const e = await readAll(driver, root, 'nope.bin').catch((x: unknown) => x);
    expect(e).toMatchObject({
      code: 404,
      message: expect.stringMatching(
        new RegExp(`reading from byte 0 of gs://${bucket.name}/r/nope\\.bin.*404`),
      ),
    });
    expect(isTransient(e)).toBe(false);
  });

  test('an unreachable endpoint fails with the socket error, retried', async () => {
    const down = new GcsDriver({ apiEndpoint: 'http://127.0.0.1:9', projectId: 'datamotion-test' });
    const e = await readAll(down, root, 'x.bin').catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ECONNREFUSED', message: expect.stringContaining('x.bin') });
    expect(isTransient(e)).toBe(true);
  });

  test('an aborted read stops with an AbortError', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    await bucket.file('r/big.bin').save(data, { resumable: false, validation: false });
    const stop = new AbortController();
    let got = 0;
    const reading = (async () => {
      for await (const c of driver.read(root, 'big.bin', { signal: stop.signal })) {
        got += c.byteLength;
        stop.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(got).toBeLessThan(data.length);
  });
});
