// `datamotion serve` with named keys: --api-key NAME=KEY (repeatable) or DATAMOTION_API_KEYS,
// and a bare key still works as "default". The audit trail names the key that made a change.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditPage } from '../../core/contracts/audit.ts';

const BIN = new URL('../../bin/datamotion.mjs', import.meta.url).pathname;

function start(args: string[], env: Record<string, string>): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--no-mover', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATAMOTION_API_KEY: '', DATAMOTION_API_KEYS: '', ...env },
  });
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /DataMotion serving (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
  return { child, url };
}

describe('serve: named API keys', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const pin = (url: string, key: string, name: string) =>
    fetch(`${url}/policies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ name, kind: 'pin', params: { tier: 'hot' } }),
    });
  const actors = async (url: string, key: string) =>
    ((await (await fetch(`${url}/audit`, { headers: { 'x-api-key': key } })).json()) as AuditPage).items.map(
      (e) => e.actor,
    );

  it('--api-key NAME=KEY and a bare --api-key KEY side by side; the startup line names the keys', async () => {
    dir = mkdtempSync(join(tmpdir(), 'dm-keys-'));
    const s = start(
      ['--data-dir', join(dir, 'data'), '--api-key', 'ci=ci-secret-1234', '--api-key', 'bare-secret-5678'],
      {},
    );
    child = s.child;
    const url = await s.url;
    expect((await pin(url, 'ci-secret-1234', 'a')).status).toBe(201);
    expect((await pin(url, 'bare-secret-5678', 'b')).status).toBe(201);
    expect((await pin(url, 'ci', 'c')).status).toBe(401);
    expect(await actors(url, 'ci-secret-1234')).toEqual(['api_key:default', 'api_key:ci']);
  });

  it('DATAMOTION_API_KEYS when no flag is given', async () => {
    dir = mkdtempSync(join(tmpdir(), 'dm-keys-'));
    const s = start(['--data-dir', join(dir, 'data')], {
      DATAMOTION_API_KEYS: 'ops=ops-secret-1234,ci=ci-secret-1234',
    });
    child = s.child;
    const url = await s.url;
    expect((await pin(url, 'ops-secret-1234', 'a')).status).toBe(201);
    expect(await actors(url, 'ci-secret-1234')).toEqual(['api_key:ops']);
  });

  it('two keys with one name is a usage error (exit 2), before anything is opened', async () => {
    dir = mkdtempSync(join(tmpdir(), 'dm-keys-'));
    const res = await promisify(execFile)(
      process.execPath,
      [
        BIN,
        'serve',
        '--port',
        '0',
        '--data-dir',
        join(dir, 'data'),
        '--api-key',
        'ci=a-secret',
        '--api-key',
        'ci=b-secret',
      ],
      { env: { ...process.env, DATAMOTION_API_KEY: '', DATAMOTION_API_KEYS: '' } },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--api-key: the key name "ci" is given twice/);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});
