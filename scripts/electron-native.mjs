// Builds better-sqlite3 for the installed Electron's ABI into
// .cache/electron-abi/<electron version>-<arch>/better_sqlite3.node (when missing or stale)
// and prints its path on stdout; progress goes to stderr. node_modules stays Node's build.
//
//   node scripts/electron-native.mjs [--force] [--arch x64|arm64|...]
//   DATAMOTION_SQLITE_BINDING=$(node scripts/electron-native.mjs) npx electron .
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureElectronBinding } from './lib/electron-abi.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { force: { type: 'boolean', default: false }, arch: { type: 'string', default: process.arch } },
});

try {
  const binding = await ensureElectronBinding({ root, arch: values.arch, force: values.force });
  console.log(binding);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
