// @needs gcs
// Proves the GCS endpoint from `npm run dev:gcs` serves the JSON API that
// @google-cloud/storage uses, including resumable uploads and checksums.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { crc32c } from '@node-rs/crc32';
import { expect, test } from 'vitest';
import { needsService } from '../helpers/services.ts';

/** GCS's crc32c metadata: the big-endian checksum, base64. */
function crc32cBase64(data: Uint8Array): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32c(data));
  return out.toString('base64');
}

test('GCS endpoint: create bucket, resumable upload and download, crc32c and md5 match, list, delete', async (ctx) => {
  const gcs = needsService('gcs', ctx);
  // A custom apiEndpoint makes the client skip authentication.
  const storage = new Storage({ apiEndpoint: gcs.endpoint, projectId: 'datamotion-test' });
  const [bucket] = await storage.createBucket(`smoke-${randomUUID()}`);
  const data = randomBytes(3 * 1024 * 1024 + 17);
  const file = bucket.file('dir/object.bin');

  await file.save(data, { resumable: true, validation: 'crc32c', contentType: 'application/octet-stream' });
  const [metadata] = await file.getMetadata();
  expect(Number(metadata.size)).toBe(data.length);
  expect(metadata.crc32c).toBe(crc32cBase64(data));
  expect(metadata.md5Hash).toBe(createHash('md5').update(data).digest('base64'));

  const [downloaded] = await file.download({ validation: 'crc32c' });
  expect(Buffer.compare(downloaded, data)).toBe(0);

  const [files] = await bucket.getFiles({ prefix: 'dir/' });
  expect(files.map((f) => f.name)).toEqual(['dir/object.bin']);

  await file.delete();
  expect((await bucket.getFiles())[0]).toHaveLength(0);
  await bucket.delete();
  const [exists] = await bucket.exists();
  expect(exists).toBe(false);
});
