// @needs s3 gcs
// "Test connection" against real stores: moto and fake-gcs-server from the global setup, a
// second moto started here with credentials checked (the shared one accepts any key), a
// port nobody listens on, a host name that cannot resolve, and a server that never answers.
// fake-gcs-server has no authentication at all, so GCS bad credentials cannot be shown
// here; describeStorageError's GCS 401 branch is covered with the error's shape instead.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, DeleteBucketCommand } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LocationProbe } from '../../core/contracts/locations.ts';
import { gcsDriverOptions, s3DriverOptions } from '../../core/storage/credentials.ts';
import { FileDriver } from '../../core/storage/file-driver.ts';
import { GcsDriver, GcsError } from '../../core/storage/gcs-driver.ts';
import { autoclassMismatch, describeStorageError, probeLocation } from '../../core/storage/probe.ts';
import { S3Driver } from '../../core/storage/s3-driver.ts';
import { S3OperationError } from '../../core/storage/s3-location.ts';
import { freePort } from '../../scripts/services/lib/ports.ts';
import { createMotoUser, startS3 } from '../../scripts/services/lib/s3.ts';
import type { RunningService } from '../../scripts/services/lib/types.ts';
import { describeWithService } from '../helpers/services.ts';

const PROJECT = 'datamotion-test';

/** An S3 driver built the way the app builds one: from a location and its stored keys. */
function s3Driver(endpoint: string, keys = { access_key_id: 'test', secret_access_key: 'test' }): S3Driver {
  // maxAttempts 1: the SDK would otherwise retry a refused connection before the probe sees it.
  return new S3Driver({
    ...s3DriverOptions({ kind: 's3', endpoint, region: 'us-east-1' }, keys),
    maxAttempts: 1,
  });
}

function gcsDriver(endpoint: string): GcsDriver {
  return new GcsDriver(gcsDriverOptions({ kind: 'gs', endpoint, project: PROJECT }));
}

function expectHealthy(probe: LocationProbe): void {
  expect(probe).toMatchObject({ ok: true, cause: null, problem: null });
  expect(probe.steps.map((s) => [s.op, s.ok])).toEqual([
    ['list', true],
    ['put', true],
    ['head', true],
    ['delete', true],
  ]);
  for (const step of probe.steps) expect(step.ms).toBeGreaterThanOrEqual(0);
}

/** The probe stopped at `op`, the steps before it passed, and it says `cause`. */
function expectFailedAt(probe: LocationProbe, op: string, cause: string): void {
  expect(probe.ok).toBe(false);
  expect(probe.cause).toBe(cause);
  expect(probe.steps.at(-1)).toMatchObject({ op, ok: false });
  expect(probe.steps.slice(0, -1).every((s) => s.ok)).toBe(true);
  expect(probe.steps.at(-1)?.error).toBeTruthy();
}

/** A TCP server that accepts connections and never says a word. */
async function silentServer(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('probeLocation without a store service', () => {
  test('a file:// location: the round trip passes and leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dm-probe-'));
    try {
      const driver = new FileDriver();
      const root = pathToFileURL(dir).href;
      const probe = await probeLocation(driver, root, { location: 'local' });
      expectHealthy(probe);
      expect(probe.location).toBe('local');
      const left = [];
      for await (const o of driver.list(root)) left.push(o.key);
      expect(left).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a stopped endpoint (a free port nobody listens on): connection_refused, named', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    for (const driver of [s3Driver(endpoint), gcsDriver(endpoint)]) {
      const probe = await probeLocation(driver, `${driver.scheme}://bucket-x/p`, { endpoint });
      expectFailedAt(probe, 'list', 'connection_refused');
      expect(probe.problem).toBe(`nothing listens at ${endpoint}; is the service running?`);
    }
  });

  test('an unresolvable host: dns, naming the host', async () => {
    const endpoint = 'http://nonexistent.invalid:9000';
    for (const driver of [s3Driver(endpoint), gcsDriver(endpoint)]) {
      const probe = await probeLocation(driver, `${driver.scheme}://bucket-x`, { endpoint });
      expectFailedAt(probe, 'list', 'dns');
      expect(probe.problem).toMatch(/host name nonexistent\.invalid does not resolve/);
    }
  });

  test('a server that never answers: timeout after the step limit, not a hang', async () => {
    const silent = await silentServer();
    try {
      for (const driver of [s3Driver(silent.endpoint), gcsDriver(silent.endpoint)]) {
        const began = performance.now();
        const probe = await probeLocation(driver, `${driver.scheme}://bucket-x`, {
          endpoint: silent.endpoint,
          timeoutMs: 400,
        });
        expectFailedAt(probe, 'list', 'timeout');
        expect(probe.problem).toMatch(/gave no answer to list within 0\.4 s/);
        expect(performance.now() - began).toBeLessThan(5_000);
      }
    } finally {
      await silent.close();
    }
  });
});

describeWithService('s3', 'probeLocation on moto', (svc) => {
  let driver: S3Driver;
  let bucket: string;
  beforeAll(async () => {
    driver = s3Driver(svc.endpoint);
    bucket = `dm-probe-${randomUUID()}`;
    await driver.client.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await driver.removeRoot(`s3://${bucket}`);
    await driver.client.send(new DeleteBucketCommand({ Bucket: bucket }));
    driver.close();
  });

  test('a healthy location: four timed steps, ok, and the probe object is gone', async () => {
    const probe = await probeLocation(driver, `s3://${bucket}/some/prefix`, { location: 'lake' });
    expectHealthy(probe);
    expect(probe.location).toBe('lake');
    const left = [];
    for await (const o of driver.list(`s3://${bucket}`)) left.push(o.key);
    expect(left).toEqual([]);
  });

  test('a missing bucket: no_such_bucket, found by the first step', async () => {
    const probe = await probeLocation(driver, `s3://dm-missing-${randomUUID()}`);
    expectFailedAt(probe, 'list', 'no_such_bucket');
    expect(probe.steps).toHaveLength(1);
    expect(probe.problem).toMatch(/the bucket s3:\/\/dm-missing-[0-9a-f-]+ does not exist/);
  });
});

describeWithService('s3', 'probeLocation on moto with credentials checked', () => {
  let moto: RunningService;
  let dataDir: string;
  let bucket: string;
  let admin: { access_key_id: string; secret_access_key: string };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dm-moto-auth-'));
    moto = await startS3({
      port: 0,
      dataDir,
      wipe: true,
      auth: true,
      output: { kind: 'file', path: join(dataDir, 'moto.log') },
      log: () => undefined,
    });
    admin = {
      access_key_id: moto.env.AWS_ACCESS_KEY_ID ?? '',
      secret_access_key: moto.env.AWS_SECRET_ACCESS_KEY ?? '',
    };
    bucket = `dm-probe-auth-${randomUUID()}`;
    const driver = s3Driver(moto.endpoint, admin);
    await driver.client.send(new CreateBucketCommand({ Bucket: bucket }));
    driver.close();
  });
  afterAll(async () => {
    await moto?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the emulator really checks: its own IAM keys pass, the shared moto\'s "test" keys do not', async () => {
    expectHealthy(await probeLocation(s3Driver(moto.endpoint, admin), `s3://${bucket}`));
    const probe = await probeLocation(s3Driver(moto.endpoint), `s3://${bucket}`);
    expectFailedAt(probe, 'list', 'bad_credentials');
    expect(probe.problem).toMatch(/refused the credentials \(InvalidAccessKeyId\)/);
  });

  test('a wrong secret for a real key: bad_credentials (SignatureDoesNotMatch)', async () => {
    const probe = await probeLocation(
      s3Driver(moto.endpoint, { ...admin, secret_access_key: `${admin.secret_access_key}x` }),
      `s3://${bucket}`,
    );
    expectFailedAt(probe, 'list', 'bad_credentials');
    expect(probe.problem).toMatch(/SignatureDoesNotMatch/);
  });

  test('keys that may list but not write: permission_denied on put, naming the permission', async () => {
    const reader = await createMotoUser(moto.endpoint, `reader-${randomUUID().slice(0, 8)}`, {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetObject'], Resource: '*' }],
    });
    const probe = await probeLocation(
      s3Driver(moto.endpoint, {
        access_key_id: reader.accessKeyId,
        secret_access_key: reader.secretAccessKey,
      }),
      `s3://${bucket}/data`,
    );
    expectFailedAt(probe, 'put', 'permission_denied');
    expect(probe.problem).toBe(
      `the credentials may not write objects in s3://${bucket} (AccessDenied): grant s3:PutObject or use other credentials`,
    );
  });
});

describeWithService('gcs', 'probeLocation on fake-gcs-server', (svc) => {
  let admin: Storage;
  let bucket: string;
  beforeAll(async () => {
    admin = new Storage({ apiEndpoint: svc.endpoint, projectId: PROJECT });
    bucket = `dm-probe-${randomUUID().slice(0, 18)}`;
    await admin.createBucket(bucket);
  });
  afterAll(async () => {
    await admin
      .bucket(bucket)
      .deleteFiles({ force: true })
      .catch(() => undefined);
    await admin
      .bucket(bucket)
      .delete()
      .catch(() => undefined);
  });

  test('a healthy location: four timed steps, ok, and the probe object is gone', async () => {
    const probe = await probeLocation(gcsDriver(svc.endpoint), `gs://${bucket}/some/prefix`);
    expectHealthy(probe);
    const [files] = await admin.bucket(bucket).getFiles();
    expect(files.map((f) => f.name)).toEqual([]);
  });

  test('a missing bucket: no_such_bucket (GCS lists a missing bucket as empty; the write finds out)', async () => {
    const probe = await probeLocation(
      gcsDriver(svc.endpoint),
      `gs://dm-missing-${randomUUID().slice(0, 12)}`,
    );
    expectFailedAt(probe, 'put', 'no_such_bucket');
  });
});

describe("autoclassMismatch: a tier map naming Autoclass against the bucket's setting", () => {
  // fake-gcs-server has no Autoclass (its buckets report none: cloud-paths.test.ts shows the
  // "off" answer end to end); the settings a real bucket reports are given here as data.
  test('agrees when the terminal class matches, names the fix when it does not', () => {
    expect(autoclassMismatch('AUTOCLASS', { terminal_class: 'NEARLINE' }, 'gs://b')).toBeNull();
    expect(autoclassMismatch('AUTOCLASS_ARCHIVE', { terminal_class: 'ARCHIVE' }, 'gs://b')).toBeNull();
    expect(autoclassMismatch('AUTOCLASS', { terminal_class: 'ARCHIVE' }, 'gs://b')).toMatch(
      /ends in ARCHIVE; name AUTOCLASS_ARCHIVE instead/,
    );
    expect(autoclassMismatch('AUTOCLASS_ARCHIVE', { terminal_class: 'NEARLINE' }, 'gs://b')).toMatch(
      /ends in NEARLINE; name AUTOCLASS instead/,
    );
    expect(autoclassMismatch('AUTOCLASS', null, 'gs://b')).toMatch(
      /gs:\/\/b does not have Autoclass on.*--enable-autoclass/,
    );
  });
});

describe('describeStorageError: the error shapes of both SDKs and the drivers', () => {
  const ctx = { rootUri: 'gs://b/p' };
  test('GCS 401 and a revoked key are bad credentials; 403 names the GCS permission', () => {
    expect(describeStorageError(new GcsError('GCS listing failed: HTTP 401', 401), 'list', ctx).cause).toBe(
      'bad_credentials',
    );
    const revoked = new GcsError('GCS uploading failed: invalid_grant: Invalid JWT Signature.', 400);
    expect(describeStorageError(revoked, 'put', ctx).cause).toBe('bad_credentials');
    expect(describeStorageError(new GcsError('no', 403), 'delete', ctx)).toEqual({
      cause: 'permission_denied',
      problem:
        'the credentials may not delete objects in gs://b (HTTP 403): grant storage.objects.delete or use other credentials',
    });
  });

  test('an S3 bucket in another region says which region to set', () => {
    const sdk = Object.assign(
      new Error(
        "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'",
      ),
      { name: 'AuthorizationHeaderMalformed', $metadata: { httpStatusCode: 400 } },
    );
    const e = new S3OperationError('ListObjectsV2', 's3://b', sdk);
    expect(describeStorageError(e, 'list', { rootUri: 's3://b' })).toEqual({
      cause: 'other',
      problem: "the bucket s3://b is in region eu-west-1: set the location's region",
    });
  });

  test('a file:// root the server may not write in: permission_denied', () => {
    const e = Object.assign(new Error("EACCES: permission denied, open '/srv/x/.p'"), { code: 'EACCES' });
    expect(describeStorageError(e, 'put', { rootUri: 'file:///srv/x' })).toMatchObject({
      cause: 'permission_denied',
      problem: expect.stringMatching(/may not write objects in file:\/\/\/srv\/x \(EACCES\)/),
    });
  });

  test("anything else keeps the store's own message", () => {
    expect(describeStorageError(new Error('disk on fire'), 'head')).toEqual({
      cause: 'other',
      problem: 'head failed: disk on fire',
    });
  });
});
