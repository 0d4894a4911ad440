// `node --import tsx bench/driver-legs.ts`: one large object through the storage drivers
// alone (no mover, no verify phase), leg by leg, against the aws CLI and rclone moving the
// same object on the same emulators in the same run. It isolates a driver's transfer loop:
// file → S3 (multipart, per part concurrency), S3 → GCS (resumable session), GCS → file.
//
// DRIVER_LEGS_MIB (default 256), DRIVER_LEGS_ROUNDS (default 2), DRIVER_LEGS_PARTS (part
// concurrencies for file → S3, default "1,4"), DRIVER_LEGS_ONLY=s3,gcs,file to skip legs.
import { execFile } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { UploadCheckpoint, UploadState } from '../core/storage/driver.ts';
import { FileDriver } from '../core/storage/file-driver.ts';
import { GcsDriver } from '../core/storage/gcs-driver.ts';
import { S3Driver } from '../core/storage/s3-driver.ts';
import { startService, type RunningService } from '../scripts/services/lib/services.ts';
import { MiB, median, tempDir, time } from './lib.ts';

const exec = promisify(execFile);
const BUCKET = 'dm-legs';
const PART = 8 * MiB;
const mib = Number(process.env.DRIVER_LEGS_MIB ?? 256);
const rounds = Number(process.env.DRIVER_LEGS_ROUNDS ?? 2);
const partConcurrencies = (process.env.DRIVER_LEGS_PARTS ?? '1,4').split(',').map(Number);
const only = process.env.DRIVER_LEGS_ONLY?.split(',');
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** An in-memory checkpoint: the mover saves one per part too, so its cost is in the loop. */
function memoryCheckpoint(): UploadCheckpoint {
  let state: string | undefined;
  return {
    load: () => (state ? (JSON.parse(state) as UploadState) : undefined),
    save: (s) => void (state = JSON.stringify(s)),
    clear: () => void (state = undefined),
  };
}

async function start(name: 's3' | 'gcs', dir: string): Promise<RunningService> {
  return startService(name, {
    port: 0,
    wipe: true,
    dataDir: join(dir, name),
    output: { kind: 'file', path: join(dir, `${name}.log`) },
    log: (s) => console.log(`  [${name}] ${s}`),
  });
}

const results: Record<string, number[]> = {};
async function measure(name: string, run: () => Promise<unknown>): Promise<void> {
  const l = load();
  const { ms } = await time(run);
  (results[name] ??= []).push(ms);
  console.log(
    `  ${name.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(7)} s ${(mib / (ms / 1000)).toFixed(0).padStart(5)} MiB/s  load ${l}`,
  );
}

async function main(): Promise<void> {
  const tmp = tempDir('dm-driver-legs-');
  console.log(`driver legs: one ${mib} MiB object, ${rounds} rounds, load ${load()}`);
  const s3 = await start('s3', tmp.dir);
  const gcs = await start('gcs', tmp.dir);
  const env = { ...process.env, ...s3.env, AWS_PAGER: '' } as NodeJS.ProcessEnv;
  delete env.AWS_CA_BUNDLE;
  const rclone = join(tmp.dir, 'rclone.conf');
  writeFileSync(
    rclone,
    `[moto]\ntype = s3\nprovider = Other\nendpoint = ${s3.endpoint}\naccess_key_id = test\nsecret_access_key = test\nregion = us-east-1\nforce_path_style = true\n\n` +
      `[gcs]\ntype = google cloud storage\nanonymous = true\nendpoint = ${gcs.endpoint}/storage/v1/\n`,
  );
  const awsConfig = join(tmp.dir, 'aws.config');
  writeFileSync(
    awsConfig,
    `[default]\nregion = us-east-1\ns3 =\n  multipart_threshold = 8MB\n  multipart_chunksize = 8MB\n`,
  );
  const rc = (...args: string[]) =>
    exec('rclone', ['--config', rclone, '--s3-chunk-size', '8M', '--s3-upload-cutoff', '8M', ...args], {
      env,
    });
  const aws = (...args: string[]) =>
    exec('aws', ['--endpoint-url', s3.endpoint, ...args], { env: { ...env, AWS_CONFIG_FILE: awsConfig } });

  const drivers = new Map(
    partConcurrencies.map((n) => [
      n,
      new S3Driver({
        endpoint: s3.endpoint,
        forcePathStyle: true,
        partSize: PART,
        multipartThreshold: PART,
        partConcurrency: n,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    ]),
  );
  const s3d = drivers.get(Math.max(...partConcurrencies)) as S3Driver;
  const gcsd = new GcsDriver({ apiEndpoint: gcs.endpoint, projectId: 'dm-legs' });
  const files = new FileDriver();
  try {
    await s3d.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const r = await fetch(`${gcs.endpoint}/storage/v1/b?project=dm-legs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: BUCKET }),
    });
    if (!r.ok) throw new Error(`creating the GCS bucket: HTTP ${r.status}`);
    const src = join(tmp.dir, 'src');
    mkdirSync(src);
    const buf = Buffer.allocUnsafe(mib * MiB);
    writeFileSync(join(src, 'big.bin'), randomFillSync(buf));
    const srcUri = pathToFileURL(src).href;
    const size = mib * MiB;
    const s3Uri = `s3://${BUCKET}/dm`;
    const gsUri = `gs://${BUCKET}/dm`;

    for (let round = 0; round < rounds; round++) {
      console.log(`round ${round}`);
      if (!only || only.includes('s3')) {
        for (const [n, d] of drivers)
          await measure(`file → S3 driver, ${n} part(s) at once`, () =>
            d.write(s3Uri, 'big.bin', files.read(srcUri, 'big.bin'), {
              size,
              checkpoint: memoryCheckpoint(),
            }),
          );
        await measure('file → S3 aws s3 cp', () =>
          aws('s3', 'cp', '--only-show-errors', join(src, 'big.bin'), `s3://${BUCKET}/aws/big-${round}.bin`),
        );
        await measure('file → S3 rclone copyto', () =>
          rc('copyto', join(src, 'big.bin'), `moto:${BUCKET}/rc/big-${round}.bin`),
        );
      } else if (round === 0) {
        await s3d.write(s3Uri, 'big.bin', files.read(srcUri, 'big.bin'), { size });
      }
      if (!only || only.includes('gcs')) {
        await measure('S3 → GCS driver', () =>
          gcsd.write(gsUri, 'big.bin', s3d.read(s3Uri, 'big.bin'), { size, checkpoint: memoryCheckpoint() }),
        );
        await measure('S3 → GCS rclone copyto', () =>
          rc('copyto', `moto:${BUCKET}/dm/big.bin`, `gcs:${BUCKET}/rc/big-${round}.bin`),
        );
      } else if (round === 0) {
        await gcsd.write(gsUri, 'big.bin', s3d.read(s3Uri, 'big.bin'), { size });
      }
      if (!only || only.includes('file')) {
        const out = pathToFileURL(join(tmp.dir, 'out')).href;
        await measure('GCS → file driver', () =>
          files.write(out, `big-${round}.bin`, gcsd.read(gsUri, 'big.bin')),
        );
        await measure('GCS → file rclone copyto', () =>
          rc('copyto', `gcs:${BUCKET}/dm/big.bin`, join(tmp.dir, 'out', `rc-${round}.bin`)),
        );
        rmSync(join(tmp.dir, 'out'), { recursive: true, force: true });
      }
    }
    console.log(`\nmedians (${rounds} rounds), load at the end ${load()}`);
    for (const [name, ms] of Object.entries(results))
      console.log(
        `  ${name.padEnd(34)} ${(median(ms) / 1000).toFixed(2).padStart(7)} s ${(mib / (median(ms) / 1000)).toFixed(0).padStart(5)} MiB/s`,
      );
  } finally {
    for (const d of drivers.values()) d.close();
    await Promise.allSettled([s3.stop(), gcs.stop()]);
    tmp.cleanup();
  }
}

await main();
