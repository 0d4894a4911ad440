// The desktop's key protection and its optional REST port, with a real engine process (a
// Node child from the Electron build). Electron's safeStorage needs the binary and an OS
// keychain, neither of which exists here: FakeSafeStorage below stands in for it (a mock,
// declared as one), so what is tested is our envelope logic, not the OS keychain.
import { spawnSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/services/lib/ports.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeyFileSealer, keySealer, SecretStoreError } from '../../core/catalog/secret-store.ts';
import { openDataKey, SAFE_KEY_FILE_NAME, type SafeStorageLike } from '../../electron/data-key.ts';
import { DesktopSettings } from '../../electron/desktop-settings.ts';
import { DesktopService } from '../../electron/desktop-service.ts';
import { EngineClient } from '../../electron/engine/client.ts';
import { forkNodeEngine } from '../../electron/engine/node-child.ts';
import type { Location } from '../../core/contracts/locations.ts';

/** MOCK of Electron's safeStorage: AES-GCM under a per-"user" key, failing for another user's data. */
class FakeSafeStorage implements SafeStorageLike {
  private readonly key = randomBytes(32);
  constructor(
    private readonly available = true,
    private readonly backend = 'gnome_libsecret',
  ) {}
  isEncryptionAvailable() {
    return this.available;
  }
  getSelectedStorageBackend() {
    return this.backend;
  }
  encryptString(plain: string): Buffer {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]);
  }
  decryptString(data: Buffer): string {
    const d = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, 12));
    d.setAuthTag(data.subarray(12, 28));
    try {
      return Buffer.concat([d.update(data.subarray(28)), d.final()]).toString('utf8');
    } catch {
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    }
  }
}

let dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'dm-desktop-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('the data key under the OS keychain (safeStorage mocked)', () => {
  it('is created on first use, kept only encrypted, and the same on the next start', () => {
    const dir = temp();
    const safe = new FakeSafeStorage();
    const first = openDataKey(dir, safe, 'linux');
    expect(first.protection).toBe('os-keychain');
    expect(readdirSync(dir)).toEqual([SAFE_KEY_FILE_NAME]);
    const onDisk = readFileSync(join(dir, SAFE_KEY_FILE_NAME));
    if (first.protection !== 'os-keychain') throw new Error('unreachable');
    expect(onDisk.includes(first.key)).toBe(false);
    expect(onDisk.toString('latin1')).not.toContain(first.key.toString('base64'));
    const again = openDataKey(dir, safe, 'linux');
    expect(again.protection === 'os-keychain' && again.key.equals(first.key)).toBe(true);
  });

  it('adopts the plain key file serve mode left, so its sealed credentials still open, then deletes it', () => {
    const dir = temp();
    const serverSealer = new KeyFileSealer(dir);
    const sealed = serverSealer.seal(Buffer.from('{"secret_access_key":"s3cr3t"}'));
    expect(existsSync(join(dir, 'secrets.key'))).toBe(true);
    const key = openDataKey(dir, new FakeSafeStorage(), 'linux');
    if (key.protection !== 'os-keychain') throw new Error(`expected the keychain, got ${key.protection}`);
    expect(existsSync(join(dir, 'secrets.key'))).toBe(false);
    expect(keySealer(key.key, key.where).open(sealed).toString()).toBe('{"secret_access_key":"s3cr3t"}');
  });

  it('falls back to the key file, saying why, when no keychain protects anything', () => {
    expect(openDataKey(temp(), new FakeSafeStorage(false), 'darwin')).toEqual({
      protection: 'key-file',
      reason: 'the OS keychain is not available',
    });
    expect(openDataKey(temp(), new FakeSafeStorage(true, 'basic_text'), 'linux')).toMatchObject({
      protection: 'key-file',
      reason: expect.stringMatching(/no keyring/),
    });
  });

  it("refuses another keychain's key file, naming it", () => {
    const dir = temp();
    openDataKey(dir, new FakeSafeStorage(), 'linux');
    expect(() => openDataKey(dir, new FakeSafeStorage(), 'linux')).toThrow(SecretStoreError);
    expect(() => openDataKey(dir, new FakeSafeStorage(), 'linux')).toThrow(join(dir, SAFE_KEY_FILE_NAME));
  });
});

const ROOT = join(import.meta.dirname, '..', '..');
const BUILD = join(ROOT, '.cache', 'test-bundles', `desktop-${process.pid}`);
beforeAll(() => {
  const r = spawnSync(process.execPath, ['scripts/build-electron.mjs', BUILD], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(BUILD, { recursive: true, force: true }));

describe('the engine with a keychain-held key, and the optional REST port', () => {
  let engine: EngineClient | undefined;
  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
  });

  async function start(dir: string) {
    const key = openDataKey(join(dir, 'data'), new FakeSafeStorage(), 'linux');
    if (key.protection !== 'os-keychain') throw new Error('expected the keychain');
    engine = new EngineClient({
      spawn: () => forkNodeEngine({ entry: join(BUILD, 'engine.js'), silent: true }),
      init: {
        dataDir: join(dir, 'data'),
        logFile: join(dir, 'engine.log'),
        sealKey: key.key.toString('base64'),
        sealKeyWhere: key.where,
      },
    });
    await engine.start();
    const sealer = keySealer(key.key, key.where);
    const settingsFile = join(dir, 'desktop-settings.json');
    const desktop = new DesktopService(new DesktopSettings(settingsFile, sealer), engine, {
      protection: 'os-keychain',
    });
    await desktop.restore();
    return { engine, desktop, settingsFile, key: key.key };
  }

  it('stores cloud credentials sealed under that key: not in the database, the log, or the answer', async () => {
    const dir = temp();
    const { engine: e } = await start(dir);
    const secret = `SECRET-${randomBytes(8).toString('hex')}`;
    const loc = (await e.call('locations/create', [
      {
        id: 'lake',
        uri: 's3://lake-bucket',
        endpoint: 'http://127.0.0.1:9',
        region: 'us-east-1',
        credentials: { access_key_id: 'AKIATEST', secret_access_key: secret },
      },
    ])) as Location;
    expect(JSON.stringify(loc)).not.toContain(secret);
    expect(loc).toMatchObject({ id: 'lake', has_credentials: true });
    await e.stop();
    engine = undefined;
    for (const f of readdirSync(join(dir, 'data'))) {
      const p = join(dir, 'data', f);
      if (f.endsWith('.db') || f.endsWith('-wal')) expect(readFileSync(p).includes(secret), f).toBe(false);
    }
    expect(readFileSync(join(dir, 'engine.log'), 'utf8')).not.toContain(secret);
    // No key file beside the database: the key exists only under the keychain.
    expect(existsSync(join(dir, 'data', 'secrets.key'))).toBe(false);
  });

  it('is off by default, opens on loopback with a generated key, and refuses requests without it', async () => {
    const dir = temp();
    const { desktop, settingsFile } = await start(dir);
    expect(desktop.view()).toMatchObject({
      enabled: false,
      api_key: null,
      credentials_protection: 'os-keychain',
    });

    const on = await desktop.update({ enabled: true, port: await freePort() });
    expect(on.enabled).toBe(true);
    expect(on.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(on.api_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const key = on.api_key as string;
    expect((await fetch(`${on.url}/health`)).status).toBe(200);
    const refused = await fetch(`${on.url}/datasets`);
    expect(refused.status).toBe(401);
    expect((await fetch(`${on.url}/datasets`, { headers: { 'x-api-key': key } })).status).toBe(200);
    // The settings file keeps the key sealed, never in plain text.
    expect(readFileSync(settingsFile, 'utf8')).not.toContain(key);

    const rotated = await desktop.update({ regenerate_key: true });
    expect(rotated.api_key).not.toBe(key);
    expect((await fetch(`${rotated.url}/datasets`, { headers: { 'x-api-key': key } })).status).toBe(401);

    const off = await desktop.update({ enabled: false });
    expect(off).toMatchObject({ enabled: false });
    await expect(fetch(`${on.url}/health`)).rejects.toThrow();
  });

  it('refuses a bad update naming the field, and changes nothing', async () => {
    const dir = temp();
    const { desktop, settingsFile } = await start(dir);
    await desktop.update({ enabled: false, port: 9999 });
    const before = readFileSync(settingsFile, 'utf8');
    const cases: [unknown, string][] = [
      [{ port: 80 }, 'body.port'],
      [{ port: 70000 }, 'body.port'],
      [{ port: 9000.5 }, 'body.port'],
      [{ enabled: 'yes' }, 'body.enabled'],
      [{ regenerate_key: false }, 'body.regenerate_key'],
      [{ host: '0.0.0.0' }, 'body.host'],
      [{}, 'body'],
      [null, 'body'],
    ];
    for (const [update, field] of cases) {
      await expect(desktop.update(update), JSON.stringify(update)).rejects.toMatchObject({ field });
    }
    expect(readFileSync(settingsFile, 'utf8')).toBe(before);
  });

  it('a damaged settings file starts with the port off and says why', () => {
    const dir = temp();
    const file = join(dir, 'desktop-settings.json');
    writeFileSync(file, '{"rest": {"enabled": "yes"');
    const s = new DesktopSettings(file, keySealer(randomBytes(32), 'test key'));
    expect(s.loadProblem).toMatch(/cannot be read/);
    expect(s.rest()).toMatchObject({ enabled: false });
  });
});
