// better-sqlite3 for Electron's ABI, next to (never instead of) Node's build.
//
// One `npm install` builds node_modules/better-sqlite3 for Node: the tests, serve mode and
// the CLI load it. Electron embeds a different Node ABI, so the desktop app needs a second
// build of the same sources. Rebuilding node_modules in place (`electron-rebuild`, or
// electron-builder's `npmRebuild`) would break `npm test`, so the Electron build is made
// from a copy and kept under .cache/electron-abi/<electron version>-<arch>/:
//   - `npm run desktop` passes its path to the engine in DATAMOTION_SQLITE_BINDING
//     (better-sqlite3's `nativeBinding` option);
//   - scripts/after-pack.mjs copies it over the Node build inside the packaged app.
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';

export const BINDING_FILE = 'better_sqlite3.node';
const STAMP_FILE = 'stamp.json';

/** Where the Electron-ABI binding for one Electron version and arch lives. */
export function bindingLocation(root, electronVersion, arch) {
  const dir = join(root, '.cache', 'electron-abi', `${electronVersion}-${arch}`);
  return { dir, binding: join(dir, BINDING_FILE), stamp: join(dir, STAMP_FILE), work: join(dir, 'work') };
}

/** What a cached binding must have been built for to be reused. */
export function expectedStamp({ electronVersion, arch, platform, betterSqlite3Version }) {
  return { electronVersion, arch, platform, betterSqlite3Version };
}

/**
 * Why the cached binding cannot be used, or null when it can.
 * @param {{ bindingExists: boolean, stamp: Record<string, unknown> | null }} found
 * @param {Record<string, string>} expected
 */
export function staleReason(found, expected) {
  if (!found.bindingExists) return 'no Electron build of better-sqlite3 yet';
  if (found.stamp === null) return 'the cached build has no readable stamp';
  for (const [key, want] of Object.entries(expected)) {
    const had = found.stamp[key];
    if (had !== want) return `${key} changed (${String(had)} -> ${want})`;
  }
  return null;
}

async function readJson(path) {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Versions installed in node_modules: the Electron the app runs on and the better-sqlite3 it loads. */
export async function installedVersions(root) {
  const electron = await readJson(join(root, 'node_modules', 'electron', 'package.json'));
  const sqlite = await readJson(join(root, 'node_modules', 'better-sqlite3', 'package.json'));
  if (!electron?.version) throw new Error(`node_modules/electron is missing under ${root}: run npm install.`);
  if (!sqlite?.version)
    throw new Error(`node_modules/better-sqlite3 is missing under ${root}: run npm install.`);
  return { electronVersion: String(electron.version), betterSqlite3Version: String(sqlite.version) };
}

/**
 * The Electron executable that `require('electron')` would return, or why there is none.
 * Reads node_modules/electron/path.txt (written by its install script) instead of requiring
 * the package, whose index.js throws a misleading "delete node_modules/electron" message.
 */
export async function locateElectronBinary(electronPackageDir) {
  let relativePath;
  try {
    relativePath = (await readFile(join(electronPackageDir, 'path.txt'), 'utf8')).trim();
  } catch {
    return { ok: false, reason: `${join(electronPackageDir, 'dist')} was never downloaded (no path.txt)` };
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const path = override ? join(override, relativePath) : join(electronPackageDir, 'dist', relativePath);
  if (!existsSync(path)) return { ok: false, reason: `${path} does not exist` };
  return { ok: true, path };
}

/**
 * What to tell someone whose Electron binary is missing. Electron 38's own CLI has no
 * `install` command (`npx electron install` runs the missing binary): install.js is the way.
 */
export function missingElectronMessage(reason) {
  return [
    `The Electron binary is not installed: ${reason}.`,
    'npm install skips its download here (allowScripts denies electron; ELECTRON_SKIP_BINARY_DOWNLOAD=1).',
    'On a machine that can reach GitHub, download it once with:',
    '  env -u ELECTRON_SKIP_BINARY_DOWNLOAD node node_modules/electron/install.js',
    '(install.js does nothing while ELECTRON_SKIP_BINARY_DOWNLOAD is set), then run `npm run desktop` again.',
    'Without Electron, `npm run serve` serves the same UI to a browser.',
  ].join('\n');
}

/** The Node build's intermediate files are left behind: a prebuilt Node binding must not be mistaken for ours. */
function copyFilter(moduleDir) {
  return (source) => {
    const rel = relative(moduleDir, source);
    return rel !== 'build' && !rel.startsWith(`build${sep}`) && basename(source) !== 'prebuilds';
  };
}

/**
 * Builds better-sqlite3 for Electron from a copy of node_modules/better-sqlite3: prebuild-install's
 * Electron binary when GitHub is reachable, otherwise node-gyp against Electron's headers
 * (from electronjs.org) — both through @electron/rebuild. Returns the binding's path.
 */
async function buildBinding({ root, electronVersion, arch, platform, betterSqlite3Version, log }) {
  const where = bindingLocation(root, electronVersion, arch);
  const moduleDir = join(root, 'node_modules', 'better-sqlite3');
  const copy = join(where.work, 'node_modules', 'better-sqlite3');
  await rm(where.work, { recursive: true, force: true });
  await mkdir(copy, { recursive: true });
  // A one-dependency project: @electron/rebuild walks buildPath's package.json to find what to build.
  await writeFile(
    join(where.work, 'package.json'),
    JSON.stringify({
      name: 'datamotion-electron-abi',
      private: true,
      dependencies: { 'better-sqlite3': betterSqlite3Version },
    }),
  );
  await cp(moduleDir, copy, { recursive: true, filter: copyFilter(moduleDir) });

  log(
    `building better-sqlite3 ${betterSqlite3Version} for Electron ${electronVersion} (${platform}-${arch})`,
  );
  const { rebuild } = await import('@electron/rebuild');
  try {
    await rebuild({
      buildPath: where.work,
      projectRootPath: where.work,
      electronVersion,
      arch,
      platform,
      onlyModules: ['better-sqlite3'],
      force: true,
    });
  } catch (e) {
    await rm(where.work, { recursive: true, force: true });
    throw new Error(
      `Building better-sqlite3 for Electron ${electronVersion} (${arch}) failed: ${e instanceof Error ? e.message : String(e)}\n` +
        'It needs either a prebuilt binary from GitHub (prebuild-install) or Electron headers from ' +
        'https://www.electronjs.org/headers plus a C++ toolchain (python3, make, g++ / Xcode / MSVC). ' +
        'Run it on a machine with internet access.',
      { cause: e },
    );
  }
  const built = join(copy, 'build', 'Release', BINDING_FILE);
  if (!existsSync(built)) throw new Error(`@electron/rebuild finished but ${built} was not produced.`);
  // Copy then rename: a crash mid-copy never leaves a truncated binding that looks fresh.
  await copyFile(built, `${where.binding}.tmp`);
  await rename(`${where.binding}.tmp`, where.binding);
  await writeFile(
    where.stamp,
    JSON.stringify(
      {
        ...expectedStamp({ electronVersion, arch, platform, betterSqlite3Version }),
        builtAt: new Date().toISOString(),
      },
      null,
      2,
    ),
  );
  await rm(where.work, { recursive: true, force: true });
  return where.binding;
}

/**
 * The path of a better-sqlite3 binding built for this Electron version and arch, rebuilt when
 * missing or stale (another Electron or better-sqlite3 version since it was built).
 */
export async function ensureElectronBinding({
  root,
  arch = process.arch,
  platform = process.platform,
  electronVersion,
  force = false,
  log = (line) => console.error(`[electron-abi] ${line}`),
}) {
  const installed = await installedVersions(root);
  const version = electronVersion ?? installed.electronVersion;
  const where = bindingLocation(root, version, arch);
  const expected = expectedStamp({
    electronVersion: version,
    arch,
    platform,
    betterSqlite3Version: installed.betterSqlite3Version,
  });
  const reason = force
    ? 'a rebuild was asked for'
    : staleReason({ bindingExists: existsSync(where.binding), stamp: await readJson(where.stamp) }, expected);
  if (reason === null) return where.binding;
  log(`${reason}: rebuilding`);
  return buildBinding({
    root,
    electronVersion: version,
    arch,
    platform,
    betterSqlite3Version: installed.betterSqlite3Version,
    log,
  });
}
