import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The renderer bundle is built from renderer/** and core/contracts/** by Vite. `npm start`
 * on a fresh clone (or after a pull that changed the UI) builds it before listening; a
 * hash of the sources, stored beside the bundle, says whether it is current.
 */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BUNDLE_DIR = join(ROOT, 'dist', 'renderer');
const STAMP = join(BUNDLE_DIR, '.source-hash');
const SOURCES = [
  'renderer',
  join('core', 'contracts'),
  join('core', 'cli', 'ui-bundle.ts'),
  'vite.config.ts',
  'package-lock.json',
];

/** sha256 over the paths and contents of the UI's sources. */
export function sourceHash(root = ROOT): string {
  const hash = createHash('sha256');
  const add = (p: string) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) if (name !== 'node_modules') add(join(p, name));
    } else {
      hash.update(relative(root, p).split(sep).join('/')).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  for (const s of SOURCES) add(join(root, s));
  return hash.digest('hex');
}

export type BundleState = 'current' | 'missing' | 'stale';

export function bundleState(root = ROOT): BundleState {
  const dir = join(root, 'dist', 'renderer');
  if (!existsSync(join(dir, 'index.html'))) return 'missing';
  const stamp = join(dir, '.source-hash');
  if (!existsSync(stamp)) return 'stale';
  return readFileSync(stamp, 'utf8').trim() === sourceHash(root) ? 'current' : 'stale';
}

/** Whether Vite is installed (a production install without devDependencies has none). */
function viteBin(): string | undefined {
  try {
    const require = createRequire(join(ROOT, 'package.json'));
    const pkg = require.resolve('vite/package.json');
    return join(pkg, '..', 'bin', 'vite.js');
  } catch {
    return undefined;
  }
}

/** Runs `vite build` (in a child process: its output stays out of ours unless it fails). */
export async function buildBundle(): Promise<void> {
  const bin = viteBin();
  if (!bin)
    throw new Error('vite is not installed: run `npm install` (with dev dependencies) to build the UI');
  const hash = sourceHash();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'build', '--logLevel', 'warn'], {
      cwd: ROOT,
      // Vitest sets NODE_ENV=test, which Vite would honour with React's development build.
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build failed (exit ${code}):\n${output.trim()}`)),
    );
  });
  writeFileSync(STAMP, `${hash}\n`);
}

/**
 * Builds the bundle when it is missing or older than its sources; says so in one line.
 * Returns what it found. A failed build of a stale bundle keeps serving the old one.
 */
export async function ensureBundle(say: (line: string) => void): Promise<BundleState> {
  const state = bundleState();
  if (state === 'current') return state;
  if (!viteBin()) {
    if (state === 'missing') say('UI bundle missing and vite is not installed: the API runs, / explains');
    return state;
  }
  const started = Date.now();
  say(`Building the UI (${state === 'missing' ? 'first start' : 'sources changed'}): vite build…`);
  try {
    await buildBundle();
    say(`  built dist/renderer in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (e) {
    if (state === 'missing') throw e;
    say(`  UI build failed, serving the previous bundle: ${e instanceof Error ? e.message : String(e)}`);
  }
  return state;
}
