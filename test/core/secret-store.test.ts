// The sealer that keeps location secrets encrypted at rest: what it writes to disk, and
// what it refuses (a key others can read, a key that is not one, a sealed value changed).
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  KEY_FILE_NAME,
  KeyFileSealer,
  SecretStoreError,
  openJson,
  sealJson,
} from '../../core/catalog/secret-store.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('KeyFileSealer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dm-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('round trip: what it seals opens to the same bytes, also in a later process (same key file)', () => {
    const sealed = new KeyFileSealer(dir).seal(Buffer.from(SECRET));
    expect(sealed).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
    expect(new KeyFileSealer(dir).open(sealed).toString()).toBe(SECRET);
  });

  test('sealJson / openJson carry a location secret', () => {
    const sealer = new KeyFileSealer(dir);
    const secret = { access_key_id: 'AKIAEXAMPLE', secret_access_key: SECRET };
    expect(openJson(sealer, sealJson(sealer, secret))).toEqual(secret);
  });

  test('the key file is created on first use: 32 bytes, mode 0600, even under a permissive umask', () => {
    const previous = process.umask(0o000);
    try {
      new KeyFileSealer(dir).seal(Buffer.from('x'));
    } finally {
      process.umask(previous);
    }
    const st = statSync(join(dir, KEY_FILE_NAME));
    expect(st.isFile()).toBe(true);
    expect(st.size).toBe(32);
    expect(st.mode & 0o777).toBe(0o600);
  });

  test('creates a missing data folder, and leaves no temporary file behind', () => {
    const nested = join(dir, 'a', 'b');
    new KeyFileSealer(nested).seal(Buffer.from('x'));
    expect(statSync(join(nested, KEY_FILE_NAME)).size).toBe(32);
    expect(readdirSync(nested)).toEqual([KEY_FILE_NAME]);
  });

  test('the secret appears in no form in the sealed text, and two seals of it differ (random IV)', () => {
    const sealer = new KeyFileSealer(dir);
    const a = sealer.seal(Buffer.from(SECRET));
    const b = sealer.seal(Buffer.from(SECRET));
    expect(a).not.toBe(b);
    for (const form of [
      SECRET,
      Buffer.from(SECRET).toString('base64'),
      Buffer.from(SECRET).toString('hex'),
    ]) {
      expect(a).not.toContain(form);
      expect(Buffer.from(a.slice(3), 'base64').toString('latin1')).not.toContain(SECRET);
    }
  });

  test('refuses a key file readable by group or others, and says how to fix it', () => {
    writeFileSync(join(dir, KEY_FILE_NAME), randomBytes(32), { mode: 0o644 });
    chmodSync(join(dir, KEY_FILE_NAME), 0o644);
    expect(() => new KeyFileSealer(dir).seal(Buffer.from('x'))).toThrow(SecretStoreError);
    expect(() => new KeyFileSealer(dir).seal(Buffer.from('x'))).toThrow(/mode 0644.*chmod 600/);
  });

  test('refuses a key of the wrong length, a folder and a symbolic link', () => {
    const keyPath = join(dir, KEY_FILE_NAME);
    writeFileSync(keyPath, randomBytes(16), { mode: 0o600 });
    expect(() => new KeyFileSealer(dir).seal(Buffer.from('x'))).toThrow(/holds 16 bytes, not a 32-byte key/);

    rmSync(keyPath);
    mkdirSync(keyPath, { mode: 0o700 });
    expect(() => new KeyFileSealer(dir).seal(Buffer.from('x'))).toThrow(/not a regular file/);

    rmSync(keyPath, { recursive: true });
    const elsewhere = join(dir, 'elsewhere.key');
    writeFileSync(elsewhere, randomBytes(32), { mode: 0o600 });
    symlinkSync(elsewhere, keyPath);
    expect(() => new KeyFileSealer(dir).seal(Buffer.from('x'))).toThrow(/symbolic link/);
  });

  test('a changed byte anywhere (IV, tag or ciphertext) is refused, never decrypted to garbage', () => {
    const sealer = new KeyFileSealer(dir);
    const raw = Buffer.from(sealer.seal(Buffer.from(SECRET)).slice(3), 'base64');
    for (const at of [0, 12, 28, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[at] = (bad[at] ?? 0) ^ 0x01;
      expect(() => sealer.open(`v1:${bad.toString('base64')}`)).toThrow(/does not open with the key/);
    }
  });

  test('garbage, truncated or unversioned text is refused with a clear error', () => {
    const sealer = new KeyFileSealer(dir);
    const sealed = sealer.seal(Buffer.from(SECRET));
    expect(() => sealer.open('v1:!!!not base64!!!')).toThrow(/truncated or damaged/);
    expect(() => sealer.open('v1:AAAA')).toThrow(/truncated or damaged/);
    expect(() => sealer.open(sealed.slice(0, 20))).toThrow(SecretStoreError);
    expect(() => sealer.open(sealed.slice(3))).toThrow(/not in a known sealed format/);
    expect(() => sealer.open(`v2:${sealed.slice(3)}`)).toThrow(/not in a known sealed format/);
  });

  test('a value sealed under another key (a replaced key file) is refused', () => {
    const other = mkdtempSync(join(tmpdir(), 'dm-secrets-other-'));
    try {
      const sealed = new KeyFileSealer(other).seal(Buffer.from(SECRET));
      expect(() => new KeyFileSealer(dir).open(sealed)).toThrow(/sealed with another key/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test('openJson refuses a sealed value that is not JSON', () => {
    const sealer = new KeyFileSealer(dir);
    expect(() => openJson(sealer, sealer.seal(Buffer.from('not json')))).toThrow(/not JSON/);
  });
});
