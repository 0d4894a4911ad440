// The storage benchmark's surroundings: the emulators (the same starters as `npm run
// dev:s3` / `dev:gcs`), their buckets, and the baselines' configuration (rclone and the
// aws CLI pointed at the emulators with the mover's part size).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startService, type RunningService } from '../scripts/services/lib/services.ts';

export const BUCKET = 'dm-bench';
/** The mover's multipart threshold and part size, given to every tool that has the setting. */
export const PART_MIB = 8;

export interface Emulators {
  s3: RunningService;
  gcs: RunningService;
  stop(): Promise<void>;
}

export async function startEmulators(dir: string, log: (s: string) => void): Promise<Emulators> {
  const common = { port: 0, wipe: true, log };
  const s3 = await startService('s3', {
    ...common,
    dataDir: join(dir, 's3'),
    output: { kind: 'file', path: join(dir, 's3.log') },
  });
  let gcs: RunningService;
  try {
    gcs = await startService('gcs', {
      ...common,
      dataDir: join(dir, 'gcs'),
      output: { kind: 'file', path: join(dir, 'gcs.log') },
    });
  } catch (e) {
    await s3.stop();
    throw e;
  }
  const emulators = {
    s3,
    gcs,
    stop: async () => {
      await Promise.allSettled([s3.stop(), gcs.stop()]);
    },
  };
  try {
    await run('aws', [...awsEndpoint(emulators), 's3', 'mb', `s3://${BUCKET}`], awsEnv(emulators, dir));
    const r = await fetch(`${gcs.endpoint}/storage/v1/b?project=dm-bench`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: BUCKET }),
    });
    if (!r.ok) throw new Error(`creating the GCS bucket: HTTP ${r.status} ${await r.text()}`);
  } catch (e) {
    await emulators.stop();
    throw e;
  }
  return emulators;
}

/**
 * rclone remotes: `moto:` (S3, path style, the emulator's keys) and `gcs:` (anonymous,
 * the emulator's JSON API, as test/storage/gcs-driver.test.ts reads it).
 */
export function writeRcloneConfig(dir: string, emu: Emulators): string {
  const path = join(dir, 'rclone.conf');
  writeFileSync(
    path,
    [
      '[moto]',
      'type = s3',
      'provider = Other',
      `endpoint = ${emu.s3.endpoint}`,
      `access_key_id = ${emu.s3.env.AWS_ACCESS_KEY_ID ?? 'test'}`,
      `secret_access_key = ${emu.s3.env.AWS_SECRET_ACCESS_KEY ?? 'test'}`,
      'region = us-east-1',
      'force_path_style = true',
      '',
      '[gcs]',
      'type = google cloud storage',
      'anonymous = true',
      `endpoint = ${emu.gcs.endpoint}/storage/v1/`,
      '',
    ].join('\n'),
  );
  return path;
}

/** `rclone copy --checksum` with 4 transfers (the mover's objectConcurrency) and 8 MiB S3 parts. */
export function rcloneCopy(config: string, from: string, to: string): [string, string[]] {
  return [
    'rclone',
    [
      '--config',
      config,
      'copy',
      '--checksum',
      '--transfers',
      '4',
      '--s3-upload-cutoff',
      `${PART_MIB}M`,
      '--s3-chunk-size',
      `${PART_MIB}M`,
      from,
      to,
    ],
  ];
}

export function awsEndpoint(emu: Emulators): string[] {
  return ['--endpoint-url', emu.s3.endpoint];
}

/** The aws CLI's environment: the emulator's keys and a config file with 8 MiB parts. */
export function awsEnv(emu: Emulators, dir: string): NodeJS.ProcessEnv {
  const config = join(dir, 'aws.config');
  writeFileSync(
    config,
    `[default]\nregion = us-east-1\ns3 =\n  multipart_threshold = ${PART_MIB}MB\n  multipart_chunksize = ${PART_MIB}MB\n`,
  );
  return {
    ...toolEnv(),
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws.credentials-none'),
    AWS_ACCESS_KEY_ID: emu.s3.env.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: emu.s3.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    AWS_PAGER: '',
  };
}

/**
 * The tools' environment. Without AWS_CA_BUNDLE: rclone's S3 backend refuses to start when
 * it is set ("unable to load custom CA bundle"), and the emulators speak plain HTTP anyway.
 */
function toolEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.AWS_CA_BUNDLE;
  return env;
}

/** Runs a command to its end; rejects with its last output when it fails. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = toolEnv()): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.trim() || out.slice(-2000)}`)),
    );
  });
}

/** Objects and bytes under a path, as rclone lists them: every run is checked complete. */
export async function rcloneSize(config: string, path: string): Promise<{ count: number; bytes: number }> {
  return JSON.parse(await run('rclone', ['--config', config, 'size', '--json', path])) as {
    count: number;
    bytes: number;
  };
}

export async function rclonePurge(config: string, path: string): Promise<void> {
  await run('rclone', ['--config', config, 'purge', path]).catch((e: unknown) => {
    // Already gone is fine; anything else is worth seeing.
    if (!/directory not found|not found/i.test(String(e))) throw e;
  });
}
