import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTree } from '../helpers/temp-core.ts';

const BIN = new URL('../../bin/datamotion.mjs', import.meta.url).pathname;
const run = promisify(execFile);

/** Runs the CLI to completion; never throws, so a test can assert on a failure's exit code. */
async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Resolves with the URL `serve` prints once it listens (it prints the real port for --port 0). */
function serverUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /DataMotion serving (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening:\n${out}`)));
  });
}

describe('datamotion CLI against a running server', () => {
  let dir: string;
  let server: ChildProcess;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dm-cli-'));
    mkdirSync(join(dir, 'store'));
    writeTree(join(dir, 'store', 'photos'), { 'a.jpg': 2048, 'b.jpg': 1024 });
    server = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--port',
        '0',
        '--data-dir',
        join(dir, 'data'),
        '--location',
        `t=${pathToFileURL(join(dir, 'store')).href}`,
        '--no-mover',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    url = await serverUrl(server);
  });
  afterAll(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serve prints the bound URL; datasets add and datasets list talk to it', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const add = await cli(['datasets', 'add', 'photos', join(dir, 'store', 'photos'), '--url', url]);
    expect(add).toMatchObject({ code: 0, stderr: '' });
    expect(add.stdout).toMatch(/dataset 1 "photos": 3\.0 KiB in 2 objects, hot at t/);

    const list = await cli(['datasets', 'list'], { DATAMOTION_URL: url });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+TIER\s+SIZE/);
    expect(list.stdout).toMatch(/\n1\s+photos\s+hot\s+3\.0 KiB\s+2\s+t\s+file:\/\//);

    const json = await cli(['datasets', '--json', '--url', url]);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id: 1, name: 'photos' })]);
  });

  it("prints the server's own message and exits 1 when the server refuses", async () => {
    const res = await cli(['datasets', 'add', 'etc', '/etc', '--url', url]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /^datamotion: body\.path_uri: file:\/\/\/etc is not inside any configured location/,
    );
    expect(res.stderr).toMatch(/\[HTTP 400 outside_location\]/);
  });

  it('exits 2 on usage errors without contacting a server', async () => {
    const res = await cli(['plan', '--dataset', 'one', '--url', 'http://127.0.0.1:9']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--dataset: "one" is not a positive integer/);
  });

  it('stops cleanly on SIGTERM (server, then core)', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

it('serve refuses a non-loopback address without an API key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dm-cli-'));
  try {
    const res = await cli(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', join(dir, 'data')], {
      DATAMOTION_API_KEY: '',
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without an API key/);
    expect(existsSync(join(dir, 'data')), 'nothing is created before the refusal').toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
