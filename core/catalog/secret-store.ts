// Encryption at rest for the secrets a location stores (S3 keys, a GCS service-account key).
// The database holds only sealed text; the key that opens it lives in a separate file, so a
// copied or backed-up database alone reveals nothing.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { registerSecret } from '../logger.ts';

/**
 * Turns secret bytes into text safe to store, and back. The server uses KeyFileSealer;
 * the desktop app will implement this with Electron's `safeStorage` (the OS keychain:
 * Keychain, DPAPI, libsecret), which keeps the key out of the data folder entirely.
 * A Sealer's output must be self-describing (a version prefix) so stored values survive
 * a change of Sealer or key scheme.
 */
export interface Sealer {
  seal(plain: Buffer): string;
  /** Throws SecretStoreError for anything it did not seal itself (tampered, truncated, other key). */
  open(sealed: string): Buffer;
}

/** A key file or sealed value that cannot be used; the message says what to do. */
export class SecretStoreError extends Error {
  override readonly name = 'SecretStoreError';
}

export const KEY_FILE_NAME = 'secrets.key';
const KEY_BYTES = 32; // AES-256
const IV_BYTES = 12; // GCM's native nonce size
const TAG_BYTES = 16;
const PREFIX = 'v1:';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * AES-256-GCM under a 32-byte key. Sealed text is `v1:` + base64(iv | tag | ciphertext), a
 * fresh random IV each time: sealing the same secret twice gives two different texts. GCM's
 * tag makes a changed byte, a value sealed under another key, or a truncated value fail
 * loudly instead of decrypting to garbage. Where the key comes from is the subclass's
 * business: a key file (KeyFileSealer) or the desktop's OS keychain (keySealer).
 */
export class AesGcmSealer implements Sealer {
  private key: Buffer | undefined;

  /** `where` names the key in errors ("the key in /data/secrets.key"); `load` is called once. */
  constructor(
    private readonly where: string,
    private readonly load: () => Buffer,
  ) {}

  seal(plain: Buffer): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.loadKey(), iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  open(sealed: string): Buffer {
    if (!sealed.startsWith(PREFIX)) {
      throw new SecretStoreError(
        `a stored secret is not in a known sealed format (expected "${PREFIX}…"); store the credentials again`,
      );
    }
    const text = sealed.slice(PREFIX.length);
    // Buffer.from skips characters that are not base64; a strict check keeps damage visible.
    const raw = BASE64.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
    if (raw.length < IV_BYTES + TAG_BYTES) {
      throw new SecretStoreError('a stored secret is truncated or damaged; store the credentials again');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.loadKey(), raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      throw new SecretStoreError(
        `a stored secret does not open with ${this.where}: it was changed, or sealed ` +
          'with another key (a replaced or restored key); store the credentials again',
      );
    }
  }

  private loadKey(): Buffer {
    if (!this.key) {
      const key = this.load();
      if (key.length !== KEY_BYTES) {
        throw new SecretStoreError(`${this.where} holds ${key.length} bytes, not a ${KEY_BYTES}-byte key`);
      }
      registerKey(key);
      this.key = key;
    }
    return this.key;
  }
}

/** A sealer over a key held in memory, e.g. one the desktop keeps encrypted by the OS keychain. */
export function keySealer(key: Buffer, where: string): Sealer {
  const copy = Buffer.from(key);
  return new AesGcmSealer(where, () => copy);
}

/**
 * The server's sealer: the key lives in `<dataDir>/secrets.key` (created on first use, mode
 * 0600), read once, refused when anyone but its owner could read it.
 */
export class KeyFileSealer extends AesGcmSealer {
  readonly keyPath: string;

  constructor(dataDir: string) {
    const keyPath = join(dataDir, KEY_FILE_NAME);
    super(`the key in ${keyPath}`, () => readKeyFile(keyPath) ?? createKey(keyPath));
    this.keyPath = keyPath;
  }
}

/** The key file's content, undefined when there is none; refuses a file that is not safe to trust. */
export function readKeyFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink could point the key at a file someone else controls.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP')
      throw new SecretStoreError(`${path} is a symbolic link; the key must be a regular file`);
    throw new SecretStoreError(`cannot read the secrets key ${path}: ${(e as Error).message}`);
  }
  try {
    // fstat of the open descriptor: the file checked is the file read.
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new SecretStoreError(`${path} is not a regular file; it cannot hold the secrets key`);
    // Windows reports no POSIX permission bits; there the desktop app seals with safeStorage.
    if (process.platform !== 'win32') {
      if ((st.mode & 0o077) !== 0) {
        throw new SecretStoreError(
          `${path} is readable by other users (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); ` +
            `run "chmod 600 ${path}" and consider the stored credentials exposed (rotate them)`,
        );
      }
      const uid = process.getuid?.();
      if (uid !== undefined && st.uid !== uid) {
        throw new SecretStoreError(
          `${path} belongs to user id ${st.uid}, not to the user running DataMotion (${uid})`,
        );
      }
    }
    if (st.size !== KEY_BYTES) {
      throw new SecretStoreError(
        `${path} holds ${st.size} bytes, not a ${KEY_BYTES}-byte key; it is damaged or not a DataMotion key ` +
          '(restore it from a backup; without it the stored credentials cannot be opened)',
      );
    }
    const key = Buffer.alloc(KEY_BYTES);
    if (readSync(fd, key, 0, KEY_BYTES, 0) !== KEY_BYTES) {
      throw new SecretStoreError(`${path} changed while it was being read; try again`);
    }
    return key;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a new random key under a temporary name (O_EXCL, 0600, fsynced) and links it into
 * place. A link, unlike a rename, never replaces an existing file: when two processes start
 * together the second one's link fails and it uses the first one's key, so no secret is ever
 * sealed under a key that is then overwritten.
 */
function createKey(path: string): Buffer {
  mkdirSync(dirname(path), { recursive: true });
  const key = randomBytes(KEY_BYTES);
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, key);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // File systems without hard links (some network and FAT mounts): a rename is still atomic.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') {
      renameSync(temp, path);
      return key;
    }
    unlinkSync(temp);
    if (code === 'EEXIST') {
      const theirs = readKeyFile(path);
      if (theirs) return theirs;
    }
    throw new SecretStoreError(`cannot create the secrets key ${path}: ${(e as Error).message}`);
  }
  unlinkSync(temp);
  return key;
}

function registerKey(key: Buffer): void {
  registerSecret(key.toString('base64'));
  registerSecret(key.toString('hex'));
}

/** Seals a JSON value (a location's S3Secret or GcsSecret). */
export function sealJson(sealer: Sealer, value: unknown): string {
  return sealer.seal(Buffer.from(JSON.stringify(value), 'utf8'));
}

/**
 * Opens what sealJson sealed. The caller knows which fields are secret and registers them
 * with the logger (core/storage/credentials.ts does, for every secret it hands a driver).
 */
export function openJson<T = unknown>(sealer: Sealer, sealed: string): T {
  const plain = sealer.open(sealed);
  try {
    return JSON.parse(plain.toString('utf8')) as T;
  } catch {
    throw new SecretStoreError('a stored secret opened but is not JSON; store the credentials again');
  } finally {
    plain.fill(0);
  }
}
