// An S3-compatible endpoint: moto's server mode (PyPI moto[server]) in a
// project-local venv. moto accepts any credentials and keeps state in memory, unless
// started with `auth: true`: then it checks signatures and IAM policies like AWS does.
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

/**
 * An Authorization header that only names its credential scope. moto routes a request to a
 * service by that scope; during the actions it lets through unauthenticated (below) it
 * checks nothing else, and afterwards it answers InvalidAccessKeyId, which proves it is up.
 */
function scopeOnly(service: 's3' | 'iam'): string {
  return `AWS4-HMAC-SHA256 Credential=AKIAMOTOBOOTSTRAP000/20250101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}

/** With auth on, an S3 call with unknown keys is refused with moto's S3 error: S3 answers. */
async function probeS3WithAuth(endpoint: string): Promise<boolean> {
  const response = await fetch(`${endpoint}/`, {
    headers: { authorization: scopeOnly('s3') },
    signal: AbortSignal.timeout(2_000),
  });
  return response.status === 403 && (await response.text()).includes('InvalidAccessKeyId');
}

async function iamCall(endpoint: string, params: Record<string, string>): Promise<string> {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { authorization: scopeOnly('iam'), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...params, Version: '2010-05-08' }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`moto IAM ${params.Action} failed: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text;
}

async function resetAuth(endpoint: string, freeActions: number): Promise<void> {
  // moto reads the count from the raw body: a form content type would hide it.
  const response = await fetch(`${endpoint}/moto-api/reset-auth`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: String(freeActions),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`moto reset-auth failed: HTTP ${response.status}`);
}

export interface MotoUserKeys {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Creates an IAM user with an inline policy and an access key on a moto started with
 * `auth: true`, and returns the key. moto lets exactly three calls through unauthenticated
 * for it (reset-auth), then checks every request again, even when one of the three failed.
 * Calls must not overlap: the free calls are counted server-wide.
 */
export async function createMotoUser(
  endpoint: string,
  userName: string,
  policy: { Version: string; Statement: unknown[] },
): Promise<MotoUserKeys> {
  await resetAuth(endpoint, 3);
  try {
    await iamCall(endpoint, { Action: 'CreateUser', UserName: userName });
    await iamCall(endpoint, {
      Action: 'PutUserPolicy',
      UserName: userName,
      PolicyName: `${userName}-policy`,
      PolicyDocument: JSON.stringify(policy),
    });
    const xml = await iamCall(endpoint, { Action: 'CreateAccessKey', UserName: userName });
    const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(xml)?.[1];
    const secretAccessKey = /<SecretAccessKey>([^<]+)<\/SecretAccessKey>/.exec(xml)?.[1];
    if (!accessKeyId || !secretAccessKey)
      throw new Error(`moto IAM CreateAccessKey gave no key: ${xml.slice(0, 300)}`);
    return { accessKeyId, secretAccessKey };
  } finally {
    await resetAuth(endpoint, 0);
  }
}

export interface S3StartOptions extends StartOptions {
  /**
   * Check credentials like AWS (moto's INITIAL_NO_AUTH_ACTION_COUNT=0): only keys made by
   * moto's own IAM are accepted, and only for what their policy allows. The returned env
   * holds the keys of an IAM user allowed everything; createMotoUser makes more.
   */
  auth?: boolean;
}

export async function startS3(options: S3StartOptions): Promise<RunningService> {
  const python = await ensureVenv('moto', REQUIREMENTS, options.log);
  const port = options.port === 0 ? await freePort() : options.port;
  await assertPortFree(port, 's3');
  const server = startServer(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    output: options.output,
    env: { PYTHONUNBUFFERED: '1', ...(options.auth ? { INITIAL_NO_AUTH_ACTION_COUNT: '0' } : {}) },
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const ready = options.auth ? probeS3WithAuth : probeS3;
  await waitUntilReady('S3 (moto)', server, () => ready(endpoint), 60_000);
  let keys: MotoUserKeys = { accessKeyId: 'test', secretAccessKey: 'test' };
  if (options.auth) {
    try {
      keys = await createMotoUser(endpoint, 'datamotion-admin', {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      });
    } catch (e) {
      await server.stop();
      throw e;
    }
  }
  return {
    name: 's3',
    endpoint,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: keys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
      AWS_REGION: 'us-east-1',
    },
    details: {
      emulator: MOTO_REQUIREMENT,
      state: 'in memory (lost on stop)',
      ...(options.auth ? { auth: 'IAM: signatures and policies checked' } : {}),
    },
    pid: server.pid,
    exited: server.exited,
    stop: () => server.stop(),
  };
}
