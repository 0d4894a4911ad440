// Where the development services keep their downloads and data. Everything
// lives under the repository's .cache/ (git-ignored), so a clone is self-contained
// and `rm -rf .cache` is a full reset.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CACHE_DIR = join(REPO_ROOT, '.cache');
export const DATA_DIR = join(CACHE_DIR, 'data');

const MARKER = '.installed';

/** True when `dir` was fully installed for exactly `spec` (a version string or package pin). */
export async function isInstalled(dir: string, spec: string): Promise<boolean> {
  const marker = join(dir, MARKER);
  if (!existsSync(marker)) return false;
  return (await readFile(marker, 'utf8')).trim() === spec;
}

/**
 * Installs into a scratch folder and renames it into place only on success, so
 * an interrupted first run never leaves a half-filled cache that looks complete,
 * and two runs installing at once do not corrupt each other.
 */
export async function installAtomically(
  dir: string,
  spec: string,
  install: (scratch: string) => Promise<void>,
): Promise<void> {
  const scratch = `${dir}.partial-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    await install(scratch);
    await writeFile(join(scratch, MARKER), `${spec}\n`);
    if (await isInstalled(dir, spec)) return; // someone else finished first
    await rm(dir, { recursive: true, force: true });
    await mkdir(dirname(dir), { recursive: true });
    await rename(scratch, dir);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
