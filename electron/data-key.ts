// The key that seals location credentials, kept encrypted by the OS keychain through
// Electron's safeStorage (Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux).
// Envelope encryption: credentials in SQLite are AES-256-GCM under a random data key; the
// data key sits on disk only as safeStorage ciphertext; main opens it and hands it to the
// engine process over its private channel. A copied data folder reveals nothing without the
// user's keychain. Takes safeStorage as a parameter, so it is tested under Node.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { writeFileDurably } from './durable-file.ts';
import { join } from 'node:path';
import { KEY_FILE_NAME, readKeyFile, SecretStoreError } from '../core/catalog/secret-store.ts';

/** The part of Electron's safeStorage this uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means no keyring — a hard-coded password, no protection. */
  getSelectedStorageBackend?(): string;
}

export const SAFE_KEY_FILE_NAME = 'secrets.key.safe';
const KEY_BYTES = 32;

export type DataKey =
  | { protection: 'os-keychain'; key: Buffer; where: string }
  /** No usable keychain: the engine keeps its key file (0600) in the data folder, as serve mode does. */
  | { protection: 'key-file'; reason: string };

/** Whether safeStorage really protects anything here. */
export function keychainUsable(safe: SafeStorageLike, platform = process.platform): string | undefined {
  if (!safe.isEncryptionAvailable()) return 'the OS keychain is not available';
  if (platform === 'linux' && safe.getSelectedStorageBackend?.() === 'basic_text') {
    return 'no keyring (gnome-keyring or kwallet) is running, so Electron would only obfuscate the key';
  }
  return undefined;
}

/**
 * Opens the data key, creating it on first use. A plain key file left by serve mode (or by a
 * run without a keychain) is adopted: written under the keychain, then deleted, so the
 * credentials sealed under it keep opening and the plain key no longer lies on disk.
 */
export function openDataKey(dataDir: string, safe: SafeStorageLike, platform = process.platform): DataKey {
  const unusable = keychainUsable(safe, platform);
  if (unusable) return { protection: 'key-file', reason: unusable };
  const where = 'the key kept by the OS keychain';
  mkdirSync(dataDir, { recursive: true });
  const safePath = join(dataDir, SAFE_KEY_FILE_NAME);
  const plainPath = join(dataDir, KEY_FILE_NAME);
  if (existsSync(safePath)) {
    let text: string;
    try {
      text = safe.decryptString(readFileSync(safePath));
    } catch (e) {
      throw new SecretStoreError(
        `the OS keychain cannot open ${safePath} (${(e as Error).message}): it was written by another ` +
          'user or machine; restore that keychain, or delete the file and store the credentials again',
      );
    }
    const key = Buffer.from(text, 'base64');
    if (key.length !== KEY_BYTES)
      throw new SecretStoreError(`${safePath} does not hold a ${KEY_BYTES}-byte key`);
    return { protection: 'os-keychain', key, where };
  }
  const key = readKeyFile(plainPath) ?? randomBytes(KEY_BYTES);
  writeFileDurably(safePath, safe.encryptString(key.toString('base64')));
  if (existsSync(plainPath)) unlinkSync(plainPath);
  return { protection: 'os-keychain', key, where };
}
