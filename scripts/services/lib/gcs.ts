// A GCS-compatible endpoint: fake-gcs-server, built from source with `go install`
// through the Go module proxy into .cache/fake-gcs-server/<version>. Plain HTTP.
//
// Why a Go build instead of the PyPI wheel (which bundles v1.54.0): 1.54.0 drops
// `storageClass` on resumable uploads, so every large object landed in STANDARD
// whatever the driver asked for. 1.56.1 honors it there too. (Both still ignore
// the class on a rewrite/copyTo; see docs/development-services.md.)
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CACHE_DIR, installAtomically, isInstalled } from './paths.ts';
import { assertPortFree, freePort } from './ports.ts';
import { runCommand, startServer, waitUntilReady } from './process.ts';
import type { RunningService, StartOptions } from './types.ts';

export const FAKE_GCS_VERSION = '1.56.1';
export const FAKE_GCS_MODULE = `github.com/fsouza/fake-gcs-server@v${FAKE_GCS_VERSION}`;

/** The Go toolchain: DATAMOTION_GO, else `go` on PATH, else the tarball's usual place. */
function goBinary(): string {
  if (process.env.DATAMOTION_GO) return process.env.DATAMOTION_GO;
  const onPath = (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, 'go')));
  return onPath || !existsSync('/usr/local/go/bin/go') ? 'go' : '/usr/local/go/bin/go';
}

/**
 * Builds fake-gcs-server once; returns the binary. GOPATH (the module cache, ~700 MB, with
 * the emulator's source for reference) lives under .cache/go so a clone is self-contained;
 * -modcacherw keeps it deletable, or `rm -rf .cache` (the documented reset) would fail on
 * Go's read-only folders. The build cache (~470 MB) only speeds up a rebuild: dropped.
 */
export async function installFakeGcs(log: (line: string) => void): Promise<string> {
  const dir = join(CACHE_DIR, 'fake-gcs-server', FAKE_GCS_VERSION);
  if (!(await isInstalled(dir, FAKE_GCS_MODULE))) {
    const go = goBinary();
    log(`gcs: building ${FAKE_GCS_MODULE} with ${go} into ${dir} (first run only, ~1 min)`);
    await installAtomically(dir, FAKE_GCS_MODULE, async (scratch) => {
      const goPath = join(CACHE_DIR, 'go');
      await runCommand(go, ['install', FAKE_GCS_MODULE], {
        label: `Building fake-gcs-server ${FAKE_GCS_VERSION} (go install ${FAKE_GCS_MODULE})`,
        env: {
          GOPATH: goPath,
          GOMODCACHE: join(goPath, 'pkg', 'mod'),
          GOCACHE: join(scratch, 'go-build'),
          GOBIN: join(scratch, 'bin'),
          GOFLAGS: '-modcacherw -buildvcs=false',
          // A static binary: no dependency on the machine's libc at run time.
          CGO_ENABLED: '0',
        },
      });
      await rm(join(scratch, 'go-build'), { recursive: true, force: true });
    });
  }
  return join(dir, 'bin', 'fake-gcs-server');
}

/** Lists buckets through the JSON API: true once GCS answers. */
async function probeGcs(endpoint: string): Promise<boolean> {
  const response = await fetch(`${endpoint}/storage/v1/b?project=probe`, {
    signal: AbortSignal.timeout(2_000),
  });
  const body = (await response.json()) as { kind?: string };
  return response.ok && body.kind === 'storage#buckets';
}

export async function startGcs(options: StartOptions): Promise<RunningService> {
  const binary = await installFakeGcs(options.log);
  const port = options.port === 0 ? await freePort() : options.port;
  await assertPortFree(port, 'gcs');
  if (options.wipe) await rm(options.dataDir, { recursive: true, force: true });
  await mkdir(dirname(options.dataDir), { recursive: true });
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['-scheme', 'http', '-host', '127.0.0.1', '-port', String(port), '-external-url', endpoint];
  args.push('-backend', 'filesystem', '-filesystem-root', options.dataDir, '-log-level', 'warn');
  const server = startServer(binary, args, { output: options.output });
  await waitUntilReady(`GCS (fake-gcs-server ${FAKE_GCS_VERSION})`, server, () => probeGcs(endpoint), 60_000);
  return {
    name: 'gcs',
    endpoint,
    env: { STORAGE_EMULATOR_HOST: endpoint, GOOGLE_CLOUD_PROJECT: 'datamotion-dev' },
    details: {
      emulator: `fake-gcs-server v${FAKE_GCS_VERSION} (go install ${FAKE_GCS_MODULE})`,
      data: options.dataDir,
    },
    pid: server.pid,
    exited: server.exited,
    stop: () => server.stop(),
  };
}
