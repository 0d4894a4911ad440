// npm run desktop: the Electron window, from a fresh build, on an Electron-ABI better-sqlite3.
//
// 1. finds the Electron binary (fails fast, before building, when it was never downloaded);
// 2. builds the renderer (vite build) and the Electron bundle (scripts/build-electron.mjs);
// 3. ensures better-sqlite3 is built for this Electron (scripts/lib/electron-abi.mjs);
// 4. starts Electron with DATAMOTION_SQLITE_BINDING pointing at that build, so the engine
//    opens SQLite with it while node_modules keeps Node's build for `npm test`.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureElectronBinding, locateElectronBinary, missingElectronMessage } from './lib/electron-abi.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a Node script to completion with inherited stdio; rejects with what failed. */
function runNode(args, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${what} failed (${signal ?? `exit code ${code}`}).`)),
    );
  });
}

async function main() {
  const electron = await locateElectronBinary(join(root, 'node_modules', 'electron'));
  if (!electron.ok) throw new Error(missingElectronMessage(electron.reason));

  await runNode(
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'],
    'Building the renderer (vite build)',
  );
  await runNode([join(root, 'scripts', 'build-electron.mjs')], 'Building the Electron bundle');
  const binding = await ensureElectronBinding({ root });

  const env = { ...process.env, DATAMOTION_SQLITE_BINDING: binding };
  // Set in a shell, it would start Electron as plain Node and no window would open.
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(electron.path, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (e) => {
    console.error(`Could not start ${electron.path}: ${e.message}`);
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
