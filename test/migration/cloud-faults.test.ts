// @needs s3 gcs
// Faults against the real emulators, each proven to have landed where the test says before
// recovery is checked:
// - a location that cannot work (wrong secret on a moto that checks signatures, a missing
//   bucket, an endpoint nobody listens on): POST /locations/{id}/test says why, and a job to
//   or from it fails naming the bucket and the store's error, the dataset left at its source;
// - fake-gcs-server SIGKILLed mid-copy, restarted on its port and data folder: the retried
//   job completes without copying again what was copied before the kill;
// - the DataMotion process SIGKILLed mid multipart upload (a child process, moto behind a
//   counting proxy that holds back the answer to one part): a restarted core resumes the
//   same upload after the last checkpointed part, and only the rest is sent again; the
//   same for a GCS resumable session (fake-gcs-server behind test/storage/gcs-proxy.ts).
// Our own emulator instances where a test stops one or needs auth; the suite's for the rest.
import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Job } from '../../core/contracts/jobs.ts';
import type { LocationCreate, LocationProbe } from '../../core/contracts/locations.ts';
import { crc32cOf } from '../../core/storage/crc32c.ts';
import type { UploadState } from '../../core/storage/driver.ts';
import { freePort } from '../../scripts/services/lib/ports.ts';
import { startGcs } from '../../scripts/services/lib/gcs.ts';
import { startS3 } from '../../scripts/services/lib/s3.ts';
import type { RunningService } from '../../scripts/services/lib/types.ts';
import { describeWithService } from '../helpers/services.ts';
import {
  MiB,
  PART,
  createGcsBucket,
  emptyBucket,
  gcsObjects,
  jobObjects,
  localDataset,
  s3Client,
  startCloudChild,
  type ChildSetup,
  world,
  type World,
} from '../fixtures/cloud-faults-env.ts';
import { hashTree, waitForJob } from '../fixtures/migration-env.ts';
import { S3CountingProxy } from '../fixtures/s3-proxy.ts';
import { GcsProxy, type RecordedRequest } from '../storage/gcs-proxy.ts';

const exec = promisify(execFile);
/** The S3 driver's default parts in flight per object (core/config.ts storage.partConcurrency). */
const PART_CONCURRENCY = 4;

/** A job error an operator can act on: one sentence naming what failed, no stack, no "undefined". */
function expectReadableError(error: string | null): asserts error is string {
  expect(error).toBeTruthy();
  expect(error).not.toMatch(/undefined|\[object |\n\s+at /);
}

describeWithService(
  's3',
  'a cloud location that cannot work: the connection test and the job say why',
  () => {
    let moto: RunningService;
    let motoDir: string;
    let admin: { accessKeyId: string; secretAccessKey: string };
    let bucket: string;
    let w: World | undefined;

    beforeAll(async () => {
      // The suite's moto takes any key: this one checks signatures like AWS does.
      motoDir = await mkdtemp(join(tmpdir(), 'dm-moto-auth-'));
      moto = await startS3({
        port: 0,
        dataDir: motoDir,
        wipe: true,
        auth: true,
        output: { kind: 'file', path: join(motoDir, 'moto.log') },
        log: () => undefined,
      });
      admin = {
        accessKeyId: moto.env.AWS_ACCESS_KEY_ID ?? '',
        secretAccessKey: moto.env.AWS_SECRET_ACCESS_KEY ?? '',
      };
      bucket = `dm-faults-${randomUUID()}`;
      await s3Client(moto.endpoint, admin).send(new CreateBucketCommand({ Bucket: bucket }));
    });
    afterAll(async () => {
      await moto?.stop();
      await rm(motoDir, { recursive: true, force: true });
    });
    afterEach(async () => {
      delete process.env.DMSRC_ACCESS_KEY_ID;
      delete process.env.DMSRC_SECRET_ACCESS_KEY;
      await w?.cleanup();
      w = undefined;
    });

    const adminSecret = () => ({
      access_key_id: admin.accessKeyId,
      secret_access_key: admin.secretAccessKey,
    });
    const cases = [
      {
        fault: 'a wrong secret',
        location: (): LocationCreate => ({
          id: 'lake',
          uri: `s3://${bucket}/lake`,
          endpoint: moto.endpoint,
          region: 'us-east-1',
          credentials: { ...adminSecret(), secret_access_key: `${admin.secretAccessKey}x` },
        }),
        cause: 'bad_credentials',
        problem: () => /refused the credentials \(SignatureDoesNotMatch\)/,
        jobError: () => new RegExp(`s3://${bucket}/lake/.*SignatureDoesNotMatch`),
      },
      {
        fault: 'a missing bucket',
        location: (): LocationCreate => ({
          id: 'lake',
          uri: `s3://${bucket}-missing`,
          endpoint: moto.endpoint,
          region: 'us-east-1',
          credentials: adminSecret(),
        }),
        cause: 'no_such_bucket',
        problem: () => new RegExp(`the bucket s3://${bucket}-missing does not exist`),
        jobError: () => new RegExp(`s3://${bucket}-missing.*NoSuchBucket`),
      },
      {
        fault: 'a stopped emulator (nothing listens on the port)',
        location: (): LocationCreate => ({
          id: 'lake',
          uri: `s3://${bucket}`,
          endpoint: stoppedEndpoint,
          region: 'us-east-1',
          credentials: adminSecret(),
        }),
        cause: 'connection_refused',
        problem: () => new RegExp(`nothing listens at ${stoppedEndpoint}; is the service running\\?`),
        jobError: () => new RegExp(`s3://${bucket}.*ECONNREFUSED ${stoppedEndpoint.slice(7)}`),
      },
    ];
    let stoppedEndpoint = '';
    beforeAll(async () => {
      stoppedEndpoint = `http://127.0.0.1:${await freePort()}`;
    });

    for (const c of cases) {
      it(`${c.fault}: the test answers ${c.cause}, a job to it fails saying so, the dataset stays put`, async () => {
        w = await world([c.location()]);
        const { src, ds, before } = await localDataset(w, 'sales', { 'a.bin': 1000, 'b/c.bin': 70_000 });

        const res = await w.inject({ method: 'POST', url: '/locations/lake/test' });
        const job = w.core.jobs.plan({
          dataset_id: ds.id,
          target_location: 'lake',
          storage_class: 'STANDARD',
        });
        const done = await waitForJob(w.core, job.job_id, ['completed', 'failed'], 30_000);

        expect(res.statusCode).toBe(200);
        const probe = res.json<LocationProbe>();
        expect(probe).toMatchObject({ location: 'lake', ok: false, cause: c.cause });
        expect(probe.problem).toMatch(c.problem());
        expect(done.status).toBe('failed');
        expectReadableError(done.error);
        expect(done.error).toMatch(c.jobError());
        expect(w.core.datasets.get(ds.id).path_uri).toBe(pathToFileURL(src).href);
        expect(hashTree(src)).toEqual(before);
      });
    }

    // The source side: a dataset on an S3 location that worked when it was registered.
    const breaks = [
      {
        fault: 'its secret rotated away (a restart with a wrong key)',
        break: async (w: World) => {
          process.env.DMSRC_SECRET_ACCESS_KEY = `${admin.secretAccessKey}x`;
          await w.reopen();
        },
        jobError: () => /ListObjectsV2 s3:\/\/.*SignatureDoesNotMatch/,
        sourceLeft: true,
      },
      {
        fault: 'its bucket deleted',
        break: async () => {
          const client = s3Client(moto.endpoint, admin);
          await emptyBucket(client, srcBucket);
          await client.send(new DeleteBucketCommand({ Bucket: srcBucket }));
        },
        jobError: () => new RegExp(`the source s3://${srcBucket}/ds/orders does not exist`),
        sourceLeft: false,
      },
      {
        fault: 'its endpoint stopped',
        break: async () => {
          await srcProxy.stop();
        },
        jobError: () => new RegExp(`s3://${srcBucket}/ds/orders.*ECONNREFUSED ${srcProxy.url.slice(7)}`),
        sourceLeft: true,
      },
    ];
    let srcBucket = '';
    let srcProxy: S3CountingProxy;

    for (const b of breaks) {
      it(`a job from a location with ${b.fault} fails saying so; the dataset stays put`, async () => {
        srcBucket = `dm-src-${randomUUID()}`;
        const client = s3Client(moto.endpoint, admin);
        await client.send(new CreateBucketCommand({ Bucket: srcBucket }));
        for (const k of ['x.bin', 'y/z.bin'])
          await client.send(
            new PutObjectCommand({ Bucket: srcBucket, Key: `ds/orders/${k}`, Body: randomBytes(5000) }),
          );
        // The endpoint is a proxy, so "stopped" is a real closed port; env keys, so a restart rotates them.
        srcProxy = new S3CountingProxy(moto.endpoint);
        await srcProxy.start();
        process.env.DMSRC_ACCESS_KEY_ID = admin.accessKeyId;
        process.env.DMSRC_SECRET_ACCESS_KEY = admin.secretAccessKey;
        w = await world([
          {
            id: 'src',
            uri: `s3://${srcBucket}/ds`,
            endpoint: srcProxy.url,
            region: 'us-east-1',
            credentials_ref: 'env:DMSRC',
          },
        ]);
        try {
          const ds = await w.core.datasets.create({
            name: 'orders',
            path_uri: `s3://${srcBucket}/ds/orders`,
          });

          await b.break(w);
          const job = w.core.jobs.plan({
            dataset_id: ds.id,
            target_location: 'local',
            storage_class: 'standard',
          });
          const done = await waitForJob(w.core, job.job_id, ['completed', 'failed'], 30_000);

          expect(done.status).toBe('failed');
          expectReadableError(done.error);
          expect(done.error).toMatch(b.jobError());
          expect(w.core.datasets.get(ds.id).path_uri).toBe(`s3://${srcBucket}/ds/orders`);
          expect(readdirSync(w.local)).toEqual([]);
          if (b.sourceLeft) {
            const left = await client.send(new ListObjectsV2Command({ Bucket: srcBucket }));
            expect(left.Contents?.map((o) => o.Key)).toEqual(['ds/orders/x.bin', 'ds/orders/y/z.bin']);
          }
        } finally {
          await srcProxy.stop();
        }
      });
    }
  },
);

describe('fake-gcs-server SIGKILLed mid-copy, restarted on the same port and data folder', () => {
  let gcs: RunningService | undefined;
  let w: World | undefined;
  let gcsDir: string;
  let bucket = '';
  afterAll(async () => {
    await w?.cleanup();
    await gcs?.stop();
    await rm(gcsDir, { recursive: true, force: true });
    // fake-gcs-server (renameio) leaves an empty ".<bucket>.bucketMetadata<n>" in $TMPDIR.
    for (const f of readdirSync(tmpdir()))
      if (bucket && f.startsWith(`.${bucket}.bucketMetadata`)) await rm(join(tmpdir(), f), { force: true });
  });

  it('the job fails on the outage; a retry after the restart completes and copies nothing twice', async () => {
    gcsDir = await mkdtemp(join(tmpdir(), 'dm-gcs-kill-'));
    const startOptions = (port: number, wipe: boolean) => ({
      port,
      dataDir: join(gcsDir, 'data'),
      wipe,
      output: { kind: 'file' as const, path: join(gcsDir, 'gcs.log') },
      log: () => undefined,
    });
    gcs = await startGcs(startOptions(0, true));
    const endpoint = gcs.endpoint;
    const port = Number(new URL(endpoint).port);
    bucket = `dm-kill-${randomUUID().slice(0, 18)}`;
    await createGcsBucket(endpoint, bucket);
    w = await world(
      [{ id: 'lake', uri: `gs://${bucket}`, endpoint, project: 'datamotion-test' }],
      // 8 MiB/s: the 15 MiB copy lasts ~2 s, so progress events (4/s) arrive mid-copy.
      { objectConcurrency: 2, maxAttempts: 2, bandwidthBytesPerSec: 8 * MiB },
    );
    const core = w.core;
    const files = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`part-${String(i).padStart(2, '0')}.bin`, 256 * 1024]),
    );
    const { src, ds, before } = await localDataset(w, 'events', files);
    const srcUri = pathToFileURL(src).href;

    // Kill the emulator from inside the first progress event that shows ten finished objects:
    // the bus is synchronous, so no further object can complete before the kill.
    let atKill: Job | undefined;
    let primaryAtKill = '';
    const gcsNow = gcs;
    const job = core.jobs.plan({ dataset_id: ds.id, target_location: 'lake', storage_class: 'STANDARD' });
    const off = core.bus.on('job.progress', (e) => {
      if (atKill || e.job.job_id !== job.job_id || e.job.objects_done < 10) return;
      atKill = e.job;
      primaryAtKill = core.datasets.get(ds.id).path_uri;
      process.kill(-gcsNow.pid, 'SIGKILL');
    });
    const failed = await waitForJob(core, job.job_id, ['completed', 'failed'], 30_000);
    off();
    await gcsNow.exited;

    // The kill landed mid-copy: some objects were safe at the destination, not all.
    expect(atKill?.objects_done).toBeGreaterThanOrEqual(10);
    expect(atKill?.objects_done).toBeLessThan(60);
    const afterOutage = jobObjects(core, job.job_id);
    const copiedBefore = afterOutage.filter((o) => o.state === 'copied').map((o) => o.rel_path);
    expect(copiedBefore.length).toBeGreaterThanOrEqual(atKill?.objects_done ?? 10);
    expect(copiedBefore.length).toBeLessThan(60);
    expect(failed.status).toBe('failed');
    expectReadableError(failed.error);
    expect(failed.error).toMatch(
      new RegExp(`gs://${bucket}/events/part-\\d+\\.bin.*ECONNREFUSED 127\\.0\\.0\\.1:${port}`),
    );
    expect(primaryAtKill).toBe(srcUri);
    expect(core.datasets.get(ds.id).path_uri).toBe(srcUri);
    expect(hashTree(src)).toEqual(before);

    gcs = await startGcs(startOptions(port, false));
    // fake-gcs-server's filesystem backend kept what it had acknowledged before the kill.
    const kept = await gcsObjects(endpoint, bucket);
    for (const key of copiedBefore)
      expect(kept.has(`events/${key}`), `events/${key} after the restart`).toBe(true);

    let primaryAtSwitch = '';
    const offSwitch = core.bus.on('job.updated', (e) => {
      if (e.job.job_id === job.job_id && e.job.status === 'switching' && !primaryAtSwitch)
        primaryAtSwitch = core.datasets.get(ds.id).path_uri;
    });
    const retried = await w.inject({ method: 'POST', url: `/jobs/retry/${job.job_id}` });
    expect(retried.statusCode).toBe(200);
    const done = await waitForJob(core, job.job_id, ['completed', 'failed'], 60_000);
    offSwitch();

    expect(done).toMatchObject({ status: 'completed', objects_done: 60, error: null });
    const final = jobObjects(core, job.job_id);
    expect(final.filter((o) => o.copy_count !== 1)).toEqual([]);
    expect(final.every((o) => o.state === 'verified')).toBe(true);
    const stored = await gcsObjects(endpoint, bucket);
    expect(stored.size).toBe(60);
    // Not rewritten by the retry: the generation the restarted emulator showed is still the one stored.
    for (const key of copiedBefore)
      expect(stored.get(`events/${key}`)?.generation).toBe(kept.get(`events/${key}`)?.generation);
    for (const [rel] of Object.entries(files)) {
      const o = stored.get(`events/${rel}`);
      expect(o?.size).toBe(256 * 1024);
      expect(o?.crc32c).toBe(crc32cOf(readFileSync(join(src, rel))));
    }
    expect(primaryAtSwitch).toBe(srcUri);
    expect(core.datasets.get(ds.id).path_uri).toBe(`gs://${bucket}/events`);
    expect(hashTree(src)).toEqual(before);
    console.log(
      `[cloud-faults] emulator kill: ${atKill?.objects_done} objects done in the event that fired the kill, ` +
        `${copiedBefore.length} of 60 recorded copied when the job failed; all 60 copy_count 1 after the retry`,
    );
    expect(core.jobs.get(job.job_id).history.map((h) => h.status)).toEqual([
      'queued',
      'copying',
      'failed',
      'queued',
      'copying',
      'verifying',
      'switching',
      'completed',
    ]);
  });
});

/** One 60 MiB file of random bytes in the dataset "big" of the "local" location under dir. */
function bigFile(dir: string): { src: string; blob: Buffer } {
  const src = join(dir, 'local', 'big');
  mkdirSync(src, { recursive: true });
  const blob = randomBytes(60 * MiB);
  writeFileSync(join(src, 'blob.bin'), blob);
  return { src, blob };
}

/** The child's core: 5 MiB parts, moving the dataset at src to the location "lake". */
function childSetup(dir: string, lake: LocationCreate, src: string): ChildSetup {
  return {
    dataDir: join(dir, 'data'),
    locations: [{ id: 'local', uri: pathToFileURL(join(dir, 'local')).href }, lake],
    storage: { multipartThresholdBytes: PART, partSizeBytes: PART, gcsChunkBytes: PART },
    dataset: { name: 'big', path_uri: pathToFileURL(src).href },
    plan: { target_location: 'lake', storage_class: 'STANDARD' },
  };
}

describeWithService('s3', 'the DataMotion process SIGKILLed mid multipart upload', (svc) => {
  let proxy: S3CountingProxy;
  let client: S3Client;
  let bucket: string;
  let w: World | undefined;
  let run: ReturnType<typeof startCloudChild> | undefined;
  beforeAll(async () => {
    proxy = new S3CountingProxy(svc.endpoint);
    await proxy.start();
    client = s3Client(svc.endpoint);
    bucket = `dm-mpu-kill-${randomUUID()}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    if (run && run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    await w?.cleanup();
    await proxy.stop();
    await emptyBucket(client, bucket).catch(() => undefined);
    await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    client.destroy();
  });

  it('a restarted core resumes the upload after its last checkpointed part: only the rest is sent again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-mpu-kill-'));
    const lake: LocationCreate = {
      id: 'lake',
      uri: `s3://${bucket}`,
      endpoint: proxy.url,
      region: 'us-east-1',
      credentials: { access_key_id: 'test', secret_access_key: 'test' },
    };
    const { src, blob } = bigFile(dir);
    const totalParts = 12;
    const key = 'big/blob.bin';

    // Part HELD reaches moto and is stored, but its answer never reaches the child: a part
    // the process had in flight when it died. The upload keeps PART_CONCURRENCY parts in
    // flight and starts part n only once parts up to n - PART_CONCURRENCY are checkpointed,
    // so when part HELD is sent, at least HELD - PART_CONCURRENCY parts are in the checkpoint.
    let held!: () => void;
    const partHeld = new Promise<void>((resolve) => (held = resolve));
    const HELD = 2 * PART_CONCURRENCY;
    proxy.withhold = (r) => r.partNumber === HELD;
    proxy.onWithheld = () => held();
    run = startCloudChild(childSetup(dir, lake, src));
    const { exited } = run;
    await Promise.race([
      partHeld,
      exited.then((s) => Promise.reject(new Error(`the child ended (${s}) before part ${HELD}`))),
    ]);
    run.child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    proxy.withhold = undefined;

    // The kill landed mid-upload: a prefix of parts checkpointed, more stored, no object yet.
    const jobId = run.planned().job_id;
    const db = new Database(join(dir, 'data', 'datamotion.db'), { readonly: true, fileMustExist: true });
    const rows = db.prepare('SELECT rel_path, state_json FROM job_uploads WHERE job_id = ?').all(jobId) as {
      rel_path: string;
      state_json: string;
    }[];
    db.close();
    expect(rows.map((r) => r.rel_path)).toEqual(['blob.bin']);
    const checkpoint = JSON.parse((rows[0] as { state_json: string }).state_json) as UploadState;
    const partsAtKill = checkpoint.parts.length;
    expect(partsAtKill).toBeGreaterThanOrEqual(HELD - PART_CONCURRENCY);
    expect(partsAtKill).toBeLessThan(HELD);
    expect(checkpoint.bytesDone).toBe(partsAtKill * PART);
    const storedAtKill = await client.send(
      new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: checkpoint.uploadId }),
    );
    // Parts answered out of the window may be stored too (up to partConcurrency beyond the
    // checkpoint, the default 4): those, and only those, are what a resume sends twice.
    const stored = storedAtKill.Parts?.map((p) => p.PartNumber) ?? [];
    expect(stored.slice(0, partsAtKill)).toEqual(Array.from({ length: partsAtKill }, (_, i) => i + 1));
    expect(stored).toContain(HELD);
    expect(stored.length - partsAtKill).toBeLessThanOrEqual(PART_CONCURRENCY);
    await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).rejects.toMatchObject({
      name: 'NotFound',
    });
    const uploadsBefore = proxy.requests.filter(
      (r) => r.method === 'POST' && /[?&]uploads\b/.test(r.url),
    ).length;
    expect(uploadsBefore).toBe(1);

    const mark = proxy.requests.length;
    w = await world([lake], { objectConcurrency: 1, maxAttempts: 3 }, dir);
    const done = await waitForJob(w.core, jobId, ['completed', 'failed'], 60_000);

    expect(done.status).toBe('completed');
    const resent = proxy.partsSent(mark);
    const remaining = totalParts - partsAtKill;
    // Exactly the parts the checkpoint lacked: of those, the ones already stored at the kill
    // (at most the parts in flight) are the only bytes sent twice.
    expect(resent.length).toBe(remaining);
    expect(resent.map((r) => r.partNumber)).toEqual(
      Array.from({ length: remaining }, (_, i) => partsAtKill + 1 + i),
    );
    expect(new Set(resent.map((r) => r.uploadId))).toEqual(new Set([checkpoint.uploadId]));
    expect(resent.reduce((n, r) => n + r.bodyBytes, 0)).toBe(blob.length - checkpoint.bytesDone);
    // The same upload, resumed: no second CreateMultipartUpload.
    expect(
      proxy.requests.slice(mark).filter((r) => r.method === 'POST' && /[?&]uploads\b/.test(r.url)),
    ).toEqual([]);

    const head = JSON.parse(
      (
        await exec(
          'aws',
          [
            '--endpoint-url',
            svc.endpoint,
            's3api',
            'head-object',
            '--bucket',
            bucket,
            '--key',
            key,
            '--checksum-mode',
            'ENABLED',
            '--output',
            'json',
          ],
          { env: { ...process.env, ...svc.env, AWS_PAGER: '' } },
        )
      ).stdout,
    ) as { ContentLength: number; ChecksumCRC32C?: string };
    expect(head.ContentLength).toBe(blob.length);
    expect(head.ChecksumCRC32C).toBe(crc32cOf(blob));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from(
      await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      createHash('sha256').update(blob).digest('hex'),
    );
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(w.core.datasets.get(done.dataset_id).path_uri).toBe(`s3://${bucket}/big`);
    expect(w.core.db.prepare('SELECT count(*) FROM job_uploads WHERE job_id = ?').pluck().get(jobId)).toBe(0);
    console.log(
      `[cloud-faults] multipart kill: ${partsAtKill} parts checkpointed, ${stored.length} stored at the kill; ` +
        `${resent.length} of ${totalParts} parts sent again after the restart (${stored.length - partsAtKill} of them had been stored)`,
    );
  });
});

describeWithService('gcs', 'the DataMotion process SIGKILLed mid GCS resumable upload', (svc) => {
  let proxy: GcsProxy;
  let bucket: string;
  let w: World | undefined;
  let run: ReturnType<typeof startCloudChild> | undefined;
  beforeAll(async () => {
    proxy = new GcsProxy(svc.endpoint);
    await proxy.start();
    bucket = `dm-gcs-kill-${randomUUID().slice(0, 18)}`;
    await createGcsBucket(svc.endpoint, bucket);
  });
  afterAll(async () => {
    if (run && run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    await w?.cleanup();
    await proxy.stop();
  });

  it('a restarted core resumes the session: only the bytes GCS does not hold are sent again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dm-gcs-kill-'));
    const lake: LocationCreate = {
      id: 'lake',
      uri: `gs://${bucket}`,
      endpoint: proxy.url,
      project: 'datamotion-test',
    };
    const { src, blob } = bigFile(dir);
    const name = 'big/blob.bin';
    const chunkPut = (r: RecordedRequest) =>
      r.method === 'PUT' && /^bytes \d+-\d+\//.test(r.headers['content-range'] ?? '');
    const startsAt = (r: RecordedRequest) =>
      Number(/^bytes (\d+)-/.exec(r.headers['content-range'] ?? '')?.[1]);

    // The child is killed the moment its fourth chunk reaches the proxy: chunks 1-3 were
    // acknowledged and checkpointed (the next chunk is sent only after that save), and the
    // fourth still goes on to the emulator, which persists it: the chunk in flight.
    let inFlight: RecordedRequest | undefined;
    proxy.fail = (r) => {
      if (!inFlight && chunkPut(r) && startsAt(r) === 3 * PART) {
        inFlight = r;
        run?.child.kill('SIGKILL');
      }
      return undefined;
    };
    run = startCloudChild(childSetup(dir, lake, src));
    const { exited } = run;
    expect(await exited).toBe('SIGKILL');
    proxy.fail = undefined;
    expect(inFlight, 'the child died before its fourth chunk').toBeDefined();
    await vi.waitFor(() => expect(inFlight?.status).toBe(308), { timeout: 10_000 });

    // The kill landed mid-session: three chunks checkpointed, four persisted, no object yet.
    const jobId = run.planned().job_id;
    const db = new Database(join(dir, 'data', 'datamotion.db'), { readonly: true, fileMustExist: true });
    const state = db
      .prepare('SELECT state_json FROM job_uploads WHERE job_id = ? AND rel_path = ?')
      .pluck()
      .get(jobId, 'blob.bin') as string;
    db.close();
    const checkpoint = JSON.parse(state) as UploadState;
    expect(checkpoint.bytesDone).toBe(3 * PART);
    const sessions = proxy.requests.filter((r) => r.method === 'POST' && /uploadType=resumable/.test(r.url));
    expect(sessions).toHaveLength(1);
    const head = await fetch(`${svc.endpoint}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`);
    expect(head.status).toBe(404);

    const mark = proxy.requests.length;
    w = await world([lake], { objectConcurrency: 1, maxAttempts: 3 }, dir);
    const done = await waitForJob(w.core, jobId, ['completed', 'failed'], 60_000);

    expect(done.status).toBe('completed');
    const after = proxy.since(mark);
    const resentBytes = after.filter(chunkPut).reduce((n, r) => n + r.bodyBytes, 0);
    const persistedAtKill = 4 * PART;
    // Never more than what the checkpoint lacked; here exactly what the session lacked.
    expect(resentBytes).toBeGreaterThanOrEqual(blob.length - persistedAtKill);
    expect(resentBytes).toBeLessThanOrEqual(blob.length - checkpoint.bytesDone);
    expect(after.filter(chunkPut).map(startsAt)[0]).toBe(persistedAtKill);
    expect(after.filter((r) => r.method === 'POST' && /uploadType=resumable/.test(r.url))).toEqual([]);
    const meta = (await (
      await fetch(`${svc.endpoint}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`)
    ).json()) as { size: string; crc32c: string };
    expect(Number(meta.size)).toBe(blob.length);
    expect(meta.crc32c).toBe(crc32cOf(blob));
    const bytes = Buffer.from(
      await (
        await fetch(`${svc.endpoint}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?alt=media`)
      ).arrayBuffer(),
    );
    expect(bytes.equals(blob)).toBe(true);
    expect(w.core.datasets.get(done.dataset_id).path_uri).toBe(`gs://${bucket}/big`);
    console.log(
      `[cloud-faults] resumable kill: ${checkpoint.bytesDone / MiB} MiB checkpointed, ${persistedAtKill / MiB} MiB persisted at the kill; ` +
        `${resentBytes / MiB} MiB of ${blob.length / MiB} MiB sent again after the restart`,
    );
  });
});
