// @needs s3 gcs
// End-to-end migrations across file://, s3:// (moto 5.2.5) and gs:// (fake-gcs-server 1.56.1)
// through the real mover, confirmed by clients nobody here wrote: the aws CLI v1 (botocore)
// and rclone read back what the mover wrote, and the aws CLI writes a dataset the mover then
// reads. Each test gets its own temp folder, core, S3 bucket and GCS bucket.
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { afterEach, describe, expect, test } from 'vitest';
import { testLocation } from '../../core/catalog/location-actions.ts';
import type { CreateCoreOptions } from '../../core/create-core.ts';
import type { DatasetDetail } from '../../core/contracts/datasets.ts';
import type { Job } from '../../core/contracts/jobs.ts';
import type { StorageDriver } from '../../core/storage/driver.ts';
import { describeWithService, type ReadyService } from '../helpers/services.ts';
import { hashTree, waitForJob, writeRandomTree } from '../fixtures/migration-env.ts';
import {
  MiB,
  GCS_PROJECT,
  cliClasses,
  cliHead,
  cloudEnv,
  gcsRawHead,
  pick,
  referenceCrc32c,
  sizes,
  type CliHead,
  type CloudEnv,
} from '../fixtures/cloud-env.ts';

/** Every shape that has broken a mover somewhere: empty, one byte, multipart, deep, non-ASCII, spaces. */
const SHAPES: Record<string, number> = {
  'empty.bin': 0,
  'one.bin': 1,
  // Above the 5 MiB threshold: three S3 parts (5+5+2 MiB) and three resumable GCS chunks.
  'large/twelve.bin': 12 * MiB + 7,
  'a/b/c/d.bin': 4099,
  'données/été 1.txt': 321,
  '名前.bin': 2048,
};

/** SHAPES plus 200 small files, sizes 1..2999 bytes. */
function mixedTree(): Record<string, number> {
  const tree = { ...SHAPES };
  for (let i = 0; i < 200; i++) tree[`small/f${String(i).padStart(3, '0')}.dat`] = ((i * 397) % 2999) + 1;
  return tree;
}

const totals = (tree: Record<string, number>) => ({
  objects: Object.keys(tree).length,
  bytes: Object.values(tree).reduce((a, b) => a + b, 0),
});

const replicaRoles = (ds: DatasetDetail) =>
  ds.replicas.map((r) => [r.location, r.uri, r.role, r.storage_class, r.tier]);

describeWithService('s3', 'cloud migration paths', (s3) => {
  describeWithService('gcs', 'on moto and fake-gcs-server', (gcs) => {
    const envs: CloudEnv[] = [];
    afterEach(async () => {
      await Promise.all(envs.splice(0).map((e) => e.cleanup()));
    });

    async function open(options: CreateCoreOptions = {}): Promise<CloudEnv> {
      const env = await cloudEnv(s3, gcs, options);
      envs.push(env);
      return env;
    }

    /** The S3 and GCS locations of this env's buckets, through core.locations.create. */
    function addCloudLocations(env: CloudEnv, svc: { s3: ReadyService; gcs: ReadyService } = { s3, gcs }) {
      env.core.locations.create({
        id: 's3',
        uri: `s3://${env.s3.bucket}`,
        endpoint: svc.s3.endpoint,
        region: 'us-east-1',
        credentials: {
          access_key_id: svc.s3.env.AWS_ACCESS_KEY_ID ?? 'test',
          secret_access_key: svc.s3.env.AWS_SECRET_ACCESS_KEY ?? 'test',
        },
      });
      env.core.locations.create({
        id: 'gcs',
        uri: `gs://${env.gcs.name}`,
        endpoint: svc.gcs.endpoint,
        project: GCS_PROJECT,
      });
    }

    /** A dataset of `tree` (random bytes) under the file location "local". */
    async function localDataset(env: CloudEnv, name: string, tree: Record<string, number>) {
      const src = join(env.local, name);
      writeRandomTree(src, tree);
      const ds = await env.core.datasets.create({ name, path_uri: env.fileUri(src) });
      return { src, ds, hashes: hashTree(src) };
    }

    /** The mover's record of one object (what it read from the source). */
    function manifestCrc(env: CloudEnv, jobId: string, key: string): string | null {
      const row = env.core.db
        .prepare('SELECT src_crc32c FROM job_objects WHERE job_id = ? AND rel_path = ?')
        .get(jobId, key) as { src_crc32c: string | null } | undefined;
      return row?.src_crc32c ?? null;
    }

    function expectCompleted(job: Job, tree: Record<string, number>): void {
      const t = totals(tree);
      expect(job, job.error ?? '').toMatchObject({
        status: 'completed',
        error: null,
        objects_total: t.objects,
        objects_done: t.objects,
        bytes_total: t.bytes,
        bytes_copied: t.bytes,
      });
    }

    test('a mixed dataset goes file → s3 → gcs → file and comes back byte-identical', async () => {
      const env = await open();
      addCloudLocations(env);
      const restoreRoot = join(env.dir, 'restore');
      env.core.locations.create({ id: 'restore', uri: env.fileUri(restoreRoot) });
      const tree = mixedTree();
      const t = totals(tree);
      const { src, ds, hashes } = await localDataset(env, 'mixed', tree);
      const srcUri = env.fileUri(src);
      const s3Uri = `s3://${env.s3.bucket}/mixed`;
      const gsUri = `gs://${env.gcs.name}/mixed`;

      // 1. file → s3, warm (STANDARD_IA); the local copy stays as a secondary.
      const toS3 = await env.migrate({
        dataset_id: ds.id,
        target_location: s3Uri,
        storage_class: 'STANDARD_IA',
      });
      expectCompleted(toS3, tree);
      let now = env.core.datasets.get(ds.id);
      expect(now).toMatchObject({
        path_uri: s3Uri,
        location: 's3',
        current_tier: 'warm',
        storage_class: 'STANDARD_IA',
        size_bytes: t.bytes,
        object_count: t.objects,
      });
      expect(replicaRoles(now)).toEqual([
        ['local', srcUri, 'secondary', 'standard', 'hot'],
        ['s3', s3Uri, 'primary', 'STANDARD_IA', 'warm'],
      ]);

      // 2. s3 → gcs, cold (COLDLINE), retiring the S3 copy: asked for with confirm.
      const toGcs = await env.migrate({
        dataset_id: ds.id,
        target_location: gsUri,
        storage_class: 'COLDLINE',
        retire_source: true,
        confirm: true,
      });
      expectCompleted(toGcs, tree);
      now = env.core.datasets.get(ds.id);
      expect(now).toMatchObject({
        path_uri: gsUri,
        location: 'gcs',
        current_tier: 'cold',
        storage_class: 'COLDLINE',
      });
      expect(replicaRoles(now)).toEqual([
        ['local', srcUri, 'secondary', 'standard', 'hot'],
        ['s3', s3Uri, 'retired', 'STANDARD_IA', 'warm'],
        ['gcs', gsUri, 'primary', 'COLDLINE', 'cold'],
      ]);
      expect(await cliClasses(env, 'mixed/'), 'the retired S3 copy is deleted').toEqual({});

      // 3. gcs → file, hot; the GCS copy stays as a secondary.
      const restored = join(restoreRoot, 'mixed');
      const toFile = await env.migrate({
        dataset_id: ds.id,
        target_location: env.fileUri(restored),
        storage_class: 'standard',
        tier: 'hot',
      });
      expectCompleted(toFile, tree);
      now = env.core.datasets.get(ds.id);
      expect(now).toMatchObject({
        path_uri: env.fileUri(restored),
        location: 'restore',
        current_tier: 'hot',
        storage_class: 'standard',
        size_bytes: t.bytes,
        object_count: t.objects,
      });
      expect(replicaRoles(now)).toEqual([
        ['local', srcUri, 'secondary', 'standard', 'hot'],
        ['s3', s3Uri, 'retired', 'STANDARD_IA', 'warm'],
        ['gcs', gsUri, 'secondary', 'COLDLINE', 'cold'],
        ['restore', env.fileUri(restored), 'primary', 'standard', 'hot'],
      ]);

      // Every file, byte for byte (sha256 of each), after three hops; and the keys are the same set.
      expect(Object.keys(hashes)).toHaveLength(t.objects);
      expect(hashTree(restored)).toEqual(hashes);
      for (const job of [toS3, toGcs, toFile]) {
        expect(env.core.jobs.get(job.job_id).history.map((h) => h.status)).toEqual([
          'queued',
          'copying',
          'verifying',
          'switching',
          'completed',
        ]);
      }
    });

    test('the other paths: file → gcs → gcs (retiring) → s3 → s3, the large object read from GCS and multipart into S3', async () => {
      const env = await open();
      addCloudLocations(env);
      const { ds, hashes } = await localDataset(env, 'hops', SHAPES);
      const hops = [
        { target_location: `gs://${env.gcs.name}/hops-1`, storage_class: 'STANDARD', location: 'gcs' },
        // Retiring the first GCS copy (asked for with confirm): GCS deletes under a prefix.
        {
          target_location: `gs://${env.gcs.name}/hops-2`,
          storage_class: 'NEARLINE',
          location: 'gcs',
          retire_source: true,
          confirm: true,
        },
        { target_location: `s3://${env.s3.bucket}/hops-1`, storage_class: 'STANDARD', location: 's3' },
        { target_location: `s3://${env.s3.bucket}/hops-2`, storage_class: 'GLACIER_IR', location: 's3' },
      ];
      for (const { location, ...hop } of hops) {
        const job = await env.migrate({ dataset_id: ds.id, ...hop });
        expectCompleted(job, SHAPES);
        expect(env.core.datasets.get(ds.id)).toMatchObject({
          path_uri: hop.target_location,
          location,
          storage_class: hop.storage_class,
        });
      }
      const [leftInHops1] = await env.gcs.bucket.getFiles({ prefix: 'hops-1/' });
      expect(
        leftInHops1.map((f) => f.name),
        'the retired GCS copy is deleted',
      ).toEqual([]);
      expect(replicaRoles(env.core.datasets.get(ds.id)).map((r) => [r[1], r[2]])).toEqual([
        [env.fileUri(join(env.local, 'hops')), 'secondary'],
        [`gs://${env.gcs.name}/hops-1`, 'retired'],
        [`gs://${env.gcs.name}/hops-2`, 'secondary'],
        [`s3://${env.s3.bucket}/hops-1`, 'secondary'],
        [`s3://${env.s3.bucket}/hops-2`, 'primary'],
      ]);
      const download = await mkdtemp(join(env.dir, 'aws-download-'));
      await env.aws([
        's3',
        'cp',
        '--recursive',
        '--only-show-errors',
        `s3://${env.s3.bucket}/hops-2`,
        download,
      ]);
      expect(hashTree(download)).toEqual(hashes);
      expect(await cliHead(env, 'hops-2/large/twelve.bin')).toMatchObject({
        StorageClass: 'GLACIER_IR',
        ChecksumCRC32C: referenceCrc32c(readFileSync(join(download, 'large', 'twelve.bin'))),
      });
    });

    test('the aws CLI and rclone confirm what the mover wrote: CRC32C, storage class, bytes', async () => {
      const env = await open();
      addCloudLocations(env);
      const { src, ds, hashes } = await localDataset(env, 'shapes', SHAPES);

      const toS3 = await env.migrate({
        dataset_id: ds.id,
        target_location: `s3://${env.s3.bucket}/shapes`,
        storage_class: 'STANDARD_IA',
      });
      expectCompleted(toS3, SHAPES);

      // botocore's head-object, checksum mode on: the CRC32C S3 keeps for the whole object
      // (a FULL_OBJECT checksum for the multipart one) is the one the mover computed while
      // reading the source, and the one a reference implementation computes from the file.
      const heads = await Promise.all(Object.keys(SHAPES).map((key) => cliHead(env, `shapes/${key}`)));
      Object.keys(SHAPES).forEach((key, i) => {
        const bytes = readFileSync(join(src, ...key.split('/')));
        expect(heads[i], key).toMatchObject({
          ContentLength: SHAPES[key],
          StorageClass: 'STANDARD_IA',
          ChecksumCRC32C: referenceCrc32c(bytes),
        });
        expect(manifestCrc(env, toS3.job_id, key), key).toBe(heads[i]?.ChecksumCRC32C);
      });

      const s3Copy = await mkdtemp(join(env.dir, 'aws-download-'));
      await env.aws([
        's3',
        'cp',
        '--recursive',
        '--only-show-errors',
        `s3://${env.s3.bucket}/shapes`,
        s3Copy,
      ]);
      expect(await sizes(s3Copy)).toEqual(SHAPES);
      expect(hashTree(s3Copy)).toEqual(hashes);

      const gsUri = `gs://${env.gcs.name}/shapes`;
      const toGcs = await env.migrate({
        dataset_id: ds.id,
        target_location: gsUri,
        storage_class: 'NEARLINE',
      });
      expectCompleted(toGcs, SHAPES);
      for (const [key, size] of Object.entries(SHAPES)) {
        const bytes = readFileSync(join(src, ...key.split('/')));
        // The class is set at upload (single and resumable); fake-gcs-server keeps that one.
        expect(await gcsRawHead(env, `shapes/${key}`), key).toEqual({
          size,
          storageClass: 'NEARLINE',
          crc32c: referenceCrc32c(bytes),
        });
      }
      const gcsCopy = await mkdtemp(join(env.dir, 'rclone-download-'));
      await env.rcloneCopy('shapes', gcsCopy);
      expect(await sizes(gcsCopy)).toEqual(SHAPES);
      expect(hashTree(gcsCopy)).toEqual(hashes);
    });

    test('a dataset the aws CLI uploaded (no CRC32C stored) registers with its scanned size, changes class in place, migrates to file and gcs', async () => {
      const env = await open();
      addCloudLocations(env);
      const upload = join(env.dir, 'upload');
      writeRandomTree(upload, SHAPES);
      const hashes = hashTree(upload);
      const t = totals(SHAPES);
      // Two prefixes of the same files: one dataset goes to file://, the other to gs://.
      for (const prefix of ['cli-a', 'cli-b']) {
        await env.aws([
          's3',
          'cp',
          '--recursive',
          '--only-show-errors',
          upload,
          `s3://${env.s3.bucket}/${prefix}`,
        ]);
      }
      // aws CLI v1 sends no CRC32C (a CRC32 at most, and a multipart ETag above 8 MB): the
      // S3 driver cannot take S3's word for these objects and must hash their bytes itself.
      const large = await cliHead(env, 'cli-a/large/twelve.bin');
      expect(large.ChecksumCRC32C).toBeUndefined();
      expect(large.ContentLength).toBe(SHAPES['large/twelve.bin']);

      const datasets: DatasetDetail[] = [];
      for (const prefix of ['cli-a', 'cli-b']) {
        const res = await env.inject({
          method: 'POST',
          url: '/datasets',
          payload: { name: prefix, path_uri: `s3://${env.s3.bucket}/${prefix}` },
        });
        expect(res.statusCode, res.body).toBe(201);
        const ds = res.json<DatasetDetail>();
        expect(ds).toMatchObject({
          location: 's3',
          size_bytes: t.bytes,
          object_count: t.objects,
          current_tier: 'hot',
          storage_class: 'STANDARD',
        });
        datasets.push(ds);
      }
      const [a, b] = datasets as [DatasetDetail, DatasetDetail];
      // An in-place class change of objects S3 holds no CRC32C for: the driver hashes them first.
      const warm = await env.migrate({
        dataset_id: a.id,
        target_location: a.path_uri,
        storage_class: 'STANDARD_IA',
      });
      expectCompleted(warm, SHAPES);
      expect(await cliClasses(env, 'cli-a/')).toEqual(
        Object.fromEntries(Object.keys(SHAPES).map((k) => [`cli-a/${k}`, 'STANDARD_IA'])),
      );

      const fileDest = join(env.local, 'from-cli');
      const gsDest = `gs://${env.gcs.name}/from-cli`;
      // Both at once: the mover runs two jobs side by side.
      const [toFile, toGcs] = await Promise.all([
        env.migrate({ dataset_id: a.id, target_location: env.fileUri(fileDest), storage_class: 'standard' }),
        env.migrate({ dataset_id: b.id, target_location: gsDest, storage_class: 'STANDARD' }),
      ]);
      expectCompleted(toFile, SHAPES);
      expectCompleted(toGcs, SHAPES);
      // The mover's CRC32C of each object (hashed from the S3 bytes) is the file's true CRC32C.
      for (const key of Object.keys(SHAPES)) {
        const truth = referenceCrc32c(readFileSync(join(upload, ...key.split('/'))));
        expect(manifestCrc(env, toFile.job_id, key), key).toBe(truth);
        expect(manifestCrc(env, toGcs.job_id, key), key).toBe(truth);
      }
      expect(hashTree(fileDest)).toEqual(hashes);
      const gcsCopy = await mkdtemp(join(env.dir, 'rclone-download-'));
      await env.rcloneCopy('from-cli', gcsCopy);
      expect(hashTree(gcsCopy)).toEqual(hashes);
      expect(env.core.datasets.get(a.id)).toMatchObject({
        path_uri: env.fileUri(fileDest),
        location: 'local',
      });
      expect(env.core.datasets.get(b.id)).toMatchObject({ path_uri: gsDest, location: 'gcs' });
    });

    test('in-place class changes on S3: STANDARD → STANDARD_IA → GLACIER_IR, bytes and CRC32C untouched', async () => {
      const env = await open();
      addCloudLocations(env);
      const { src, ds, hashes } = await localDataset(env, 'classes', SHAPES);
      const uri = `s3://${env.s3.bucket}/classes`;
      expectCompleted(
        await env.migrate({ dataset_id: ds.id, target_location: uri, storage_class: 'STANDARD' }),
        SHAPES,
      );
      // The class of every object from one listing; the CRC32C of a few (one aws process each):
      // the multipart object, the empty one and the non-ASCII name, against the source files.
      const headed = ['large/twelve.bin', 'empty.bin', 'données/été 1.txt'];
      const expectedHead = (key: string, storageClass: string) => {
        const bytes = readFileSync(join(src, ...key.split('/')));
        return {
          ContentLength: bytes.length,
          ChecksumCRC32C: referenceCrc32c(bytes),
          StorageClass: storageClass,
        };
      };
      const classesOf = (c: string) =>
        Object.fromEntries(Object.keys(SHAPES).map((k) => [`classes/${k}`, c]));
      expect(await cliClasses(env, 'classes/')).toEqual(classesOf('STANDARD'));

      const steps = [
        { storage_class: 'STANDARD_IA', tier: 'warm' },
        // Rewriting an IA object younger than 30 days is an early deletion: asked for with confirm.
        { storage_class: 'GLACIER_IR', tier: 'cold', confirm: true },
      ];
      for (const step of steps) {
        const job = await env.migrate({ dataset_id: ds.id, target_location: uri, ...step });
        expectCompleted(job, SHAPES);
        expect(env.core.datasets.get(ds.id)).toMatchObject({
          path_uri: uri,
          location: 's3',
          storage_class: step.storage_class,
          current_tier: step.tier,
        });
        // Rewritten in place: same length and whole-object CRC32C, the new class.
        const [classes, ...heads] = await Promise.all([
          cliClasses(env, 'classes/'),
          ...headed.map((k) => cliHead(env, `classes/${k}`)),
        ]);
        expect(classes).toEqual(classesOf(step.storage_class));
        heads.forEach((h, i) => {
          const key = headed[i] as string;
          expect(pick(h as CliHead), key).toEqual(expectedHead(key, step.storage_class));
        });
      }
      // One primary replica, its class and tier updated in place; no secondary appeared.
      expect(replicaRoles(env.core.datasets.get(ds.id)).filter((r) => r[0] === 's3')).toEqual([
        ['s3', uri, 'primary', 'GLACIER_IR', 'cold'],
      ]);
      const download = await mkdtemp(join(env.dir, 'aws-download-'));
      await env.aws(['s3', 'cp', '--recursive', '--only-show-errors', uri, download]);
      expect(hashTree(download)).toEqual(hashes);
    });

    test('in-place class change on GCS: STANDARD → NEARLINE, bytes and CRC32C untouched', async () => {
      // fake-gcs-server 1.56.1 drops storageClass on rewrite (measured; gcs-driver.test.ts
      // checks the request instead), so the store cannot confirm the new class here:
      // verification is told not to require it, and checks size and CRC32C only.
      const env = await open({
        mover: {
          concurrency: 2,
          objectConcurrency: 8,
          enabled: true,
          maxAttempts: 3,
          verifyTransitionClass: false,
        },
      });
      addCloudLocations(env);
      const { ds, hashes } = await localDataset(env, 'gclasses', SHAPES);
      const uri = `gs://${env.gcs.name}/gclasses`;
      expectCompleted(
        await env.migrate({ dataset_id: ds.id, target_location: uri, storage_class: 'STANDARD' }),
        SHAPES,
      );
      const names = Object.keys(SHAPES).map((k) => `gclasses/${k}`);
      const before = await Promise.all(names.map((n) => gcsRawHead(env, n)));
      expect(before.map((h) => h?.storageClass)).toEqual(names.map(() => 'STANDARD'));

      const job = await env.migrate({ dataset_id: ds.id, target_location: uri, storage_class: 'NEARLINE' });
      expectCompleted(job, SHAPES);
      expect(env.core.datasets.get(ds.id)).toMatchObject({
        path_uri: uri,
        storage_class: 'NEARLINE',
        current_tier: 'warm',
      });
      const after = await Promise.all(names.map((n) => gcsRawHead(env, n)));
      after.forEach((h, i) => {
        // The emulator's fact: still STANDARD after the rewrite. Should this start failing with
        // NEARLINE, the emulator was fixed and this test can verify the class like the S3 one.
        expect(h, names[i]).toEqual({ ...before[i], storageClass: 'STANDARD' });
      });
      const download = await mkdtemp(join(env.dir, 'rclone-download-'));
      await env.rcloneCopy('gclasses', download);
      expect(hashTree(download)).toEqual(hashes);
    });

    test('into a GCS bucket with Autoclass: written without a class (the bucket sets it), one tier, and the location test says when the bucket does not run Autoclass', async () => {
      const env = await open();
      addCloudLocations(env);
      // Autoclass is a setting of a bucket: an Autoclass location is a bucket of its own.
      const admin = new Storage({ apiEndpoint: gcs.endpoint, projectId: GCS_PROJECT });
      const [auto] = await admin.createBucket(`${env.gcs.name}-ac`);
      try {
        const refused = () =>
          env.core.locations.create({
            id: 'gcs-mixed',
            uri: `gs://${auto.name}/mixed`,
            endpoint: gcs.endpoint,
            tiers: {
              hot: { storage_class: 'STANDARD', price_per_gb_month: 0.02 },
              warm: { storage_class: 'AUTOCLASS', price_per_gb_month: 0.02 },
            },
          });
        expect(refused).toThrow(/body\.tiers\.hot.*gives every object its class itself/s);
        expect(env.core.locations.list().map((l) => l.id)).not.toContain('gcs-mixed');
        env.core.locations.create({
          id: 'gcs-auto',
          uri: `gs://${auto.name}`,
          endpoint: gcs.endpoint,
          project: GCS_PROJECT,
          tiers: { warm: { storage_class: 'AUTOCLASS_ARCHIVE', price_per_gb_month: 0.02 } },
        });
        const { ds, hashes } = await localDataset(env, 'auto', SHAPES);
        const uri = `gs://${auto.name}/auto`;
        const job = await env.migrate({
          dataset_id: ds.id,
          target_location: uri,
          storage_class: 'AUTOCLASS_ARCHIVE',
        });
        expectCompleted(job, SHAPES);
        expect(env.core.datasets.get(ds.id)).toMatchObject({
          path_uri: uri,
          location: 'gcs-auto',
          storage_class: 'AUTOCLASS_ARCHIVE',
          current_tier: 'warm',
        });
        // The emulator's own JSON for every object, single-request and resumable uploads
        // alike: the bucket's default class, no class asked for (the emulator keeps one it is sent).
        for (const key of Object.keys(SHAPES)) {
          const r = await fetch(
            `${gcs.endpoint}/storage/v1/b/${auto.name}/o/${encodeURIComponent(`auto/${key}`)}`,
          );
          expect(r.status, key).toBe(200);
          expect(((await r.json()) as { storageClass: string }).storageClass, key).toBe('STANDARD');
        }
        const download = await mkdtemp(join(env.dir, 'rclone-download-'));
        await env.rcloneCopy('auto', download, auto.name);
        expect(hashTree(download)).toEqual(hashes);
        // fake-gcs-server has no Autoclass: the round trip passes, the setting does not.
        const probe = await testLocation(env.core.locations, env.core.storage, 'gcs-auto');
        expect(probe.steps.every((s) => s.ok)).toBe(true);
        expect(probe).toMatchObject({ ok: false, cause: 'other' });
        expect(probe.problem).toContain(`gs://${auto.name} does not have Autoclass on`);
      } finally {
        await auto.deleteFiles({ force: true }).catch(() => undefined);
        await auto.delete().catch(() => undefined);
      }
    });

    describe('a destination object corrupted between copy and verify', () => {
      const VICTIM = 'données/été 1.txt';
      const SMALL = Object.fromEntries(Object.entries(SHAPES).filter(([k]) => k !== 'large/twelve.bin'));

      test.each(['s3', 'gcs'] as const)(
        'to %s: verification fails naming the object, the dataset stays at its source',
        async (kind) => {
          const env = await open();
          addCloudLocations(env);
          const { src, ds } = await localDataset(env, 'victim', SMALL);
          const destRoot = kind === 's3' ? `s3://${env.s3.bucket}/victim` : `gs://${env.gcs.name}/victim`;
          const victimBytes = readFileSync(join(src, ...VICTIM.split('/')));
          const evil = Buffer.from(victimBytes.map((b) => b ^ 0xff)); // same size, every byte different
          const overwrite =
            kind === 's3'
              ? () =>
                  env.s3.client.send(
                    new PutObjectCommand({ Bucket: env.s3.bucket, Key: `victim/${VICTIM}`, Body: evil }),
                  )
              : () => env.gcs.bucket.file(`victim/${VICTIM}`).save(evil, { resumable: false });

          // The destination's driver, seen by the mover through a wrapper: the first checksum
          // the verify phase asks for waits until another client has overwritten the victim.
          // The copy phase never asks for a checksum, so the copy is complete by then.
          const real = env.core.storage.forLocation(env.core.locations.get(kind));
          let corrupted: Promise<unknown> | undefined;
          const statusAtCorruption: string[] = [];
          let jobId = '';
          const wrapper = new Proxy(real, {
            get(target, prop) {
              if (prop === 'checksum') {
                return async (rootUri: string, key: string, signal?: AbortSignal) => {
                  corrupted ??= (async () => {
                    statusAtCorruption.push(env.core.jobs.get(jobId).status);
                    await overwrite();
                  })();
                  await corrupted;
                  return target.checksum(rootUri, key, signal);
                };
              }
              const v = Reflect.get(target, prop, target) as unknown;
              return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
            },
          }) as StorageDriver;
          env.core.storage.register(wrapper);

          const planned = env.core.jobs.plan({
            dataset_id: ds.id,
            target_location: destRoot,
            storage_class: 'STANDARD',
          });
          jobId = planned.job_id;
          const failed = await waitForJob(env.core, jobId, ['completed', 'failed'], 60_000);

          expect(statusAtCorruption, 'the overwrite landed after the copy, during verification').toEqual([
            'verifying',
          ]);
          expect(failed.status).toBe('failed');
          expect(failed.error).toMatch(/^verification failed: 1 of 5 objects differ from the source/);
          expect(failed.error).toContain(`"${VICTIM}"`);
          expect(failed.error).toContain('The dataset still points at the source');
          const now = env.core.datasets.get(ds.id);
          expect(now).toMatchObject({ path_uri: env.fileUri(src), location: 'local', current_tier: 'hot' });
          expect(replicaRoles(now)).toEqual([['local', env.fileUri(src), 'primary', 'standard', 'hot']]);
        },
      );
    });

    test('inline credentials never leave the secret store: not in the database, the log or any answer', async () => {
      const env = await open();
      const token = `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
      const s3Secret = `DmS3Secret${token}`;
      const gcsSecret = `DmGcsPrivateKey${token}`;
      const answers: string[] = [];

      // moto (no auth) takes any keys; with an emulator endpoint the GCS SDK signs nothing.
      const s3Loc = await env.postLocation({
        id: 's3',
        uri: `s3://${env.s3.bucket}`,
        endpoint: s3.endpoint,
        region: 'us-east-1',
        credentials: { access_key_id: 'AKIADMTESTKEY', secret_access_key: s3Secret },
      });
      const gcsLoc = await env.postLocation({
        id: 'gcs',
        uri: `gs://${env.gcs.name}`,
        endpoint: gcs.endpoint,
        project: GCS_PROJECT,
        credentials: {
          service_account: {
            type: 'service_account',
            client_email: 'mover@datamotion-test.iam.gserviceaccount.com',
            private_key: `-----BEGIN PRIVATE KEY-----\n${gcsSecret}\n-----END PRIVATE KEY-----\n`,
          },
        },
      });
      answers.push(s3Loc.raw, gcsLoc.raw);
      expect(s3Loc.location.has_credentials).toBe(true);
      expect(gcsLoc.location.has_credentials).toBe(true);

      const { ds } = await localDataset(env, 'secretive', SHAPES);
      const toS3 = await env.migrate({
        dataset_id: ds.id,
        target_location: `s3://${env.s3.bucket}/secretive`,
        storage_class: 'STANDARD',
      });
      expectCompleted(toS3, SHAPES);
      const toGcs = await env.migrate({
        dataset_id: ds.id,
        target_location: `gs://${env.gcs.name}/secretive`,
        storage_class: 'STANDARD',
      });
      expectCompleted(toGcs, SHAPES);

      const gets = [
        '/locations',
        '/locations?id=s3',
        '/jobs',
        `/jobs/${toS3.job_id}`,
        `/jobs/${toGcs.job_id}`,
        '/datasets',
        `/datasets/${ds.id}`,
      ];
      for (const url of gets) {
        const res = await env.inject({ method: 'GET', url });
        answers.push(`GET ${url} ${res.statusCode} ${res.body}`);
      }
      for (const id of ['s3', 'gcs']) {
        const res = await env.inject({ method: 'POST', url: `/locations/${id}/test` });
        expect(res.json<{ ok: boolean }>(), res.body).toMatchObject({ ok: true });
        answers.push(res.body);
      }
      expect(answers.join('\n')).toContain('"has_credentials":true');

      // Every file of the data folder: the SQLite file, its -wal and -shm, the key file.
      const dataFiles = await readdir(env.core.config.dataDir, { recursive: true, withFileTypes: true });
      const files = dataFiles.filter((f) => f.isFile()).map((f) => join(f.parentPath, f.name));
      expect(files).toContain(env.core.config.dbFile);
      expect(files).toContain(`${env.core.config.dbFile}-wal`);
      // A control: the search reads what the database holds in plain text.
      expect(files.some((f) => readFileSync(f).includes(Buffer.from('secretive')))).toBe(true);
      const logs = env.logs();
      expect(logs, 'the log was captured').toContain('"route":"/locations"');

      for (const secret of [s3Secret, gcsSecret]) {
        for (const f of files) {
          expect(readFileSync(f).includes(Buffer.from(secret)), `${secret} in ${f}`).toBe(false);
        }
        expect(logs.includes(secret), `${secret} in the log`).toBe(false);
        for (const answer of answers)
          expect(answer.includes(secret), `${secret} in ${answer.slice(0, 80)}`).toBe(false);
      }
    });
  });
});
