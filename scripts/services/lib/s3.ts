// An S3-compatible endpoint: moto's server mode (PyPI moto[server]) in a
// project-local venv. moto accepts any credentials and keeps state in memory.
import { assertPortFree, freePort } from './ports.ts';
import { startServer, waitUntilReady } from './process.ts';
import { ensureVenv } from './python.ts';
import type { RunningService, StartOptions } from './types.ts';

export const MOTO_REQUIREMENT = 'moto[server]==5.2.5';
// Without the crc32c package moto silently computes CRC32 where CRC32C was
// asked for (multipart composite checksums then disagree with real S3).
const REQUIREMENTS = [MOTO_REQUIREMENT, 'crc32c==2.9.post0'];

/** ListBuckets, unsigned (moto does not check signatures): true once S3 answers. */
async function probeS3(endpoint: string): Promise<boolean> {
  const response = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(2_000) });
  const body = await response.text();
  return response.ok && body.includes('ListAllMyBucketsResult');
}

export async function startS3(options: StartOptions): Promise<RunningService> {
  const python = await ensureVenv('moto', REQUIREMENTS, options.log);
  const port = options.port === 0 ? await freePort() : options.port;
  await assertPortFree(port, 's3');
  const server = startServer(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    output: options.output,
    env: { PYTHONUNBUFFERED: '1' },
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilReady('S3 (moto)', server, () => probeS3(endpoint), 60_000);
  return {
    name: 's3',
    endpoint,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
    },
    details: { emulator: MOTO_REQUIREMENT, state: 'in memory (lost on stop)' },
    pid: server.pid,
    exited: server.exited,
    stop: () => server.stop(),
  };
}
