// electron-builder afterPack hook: puts an Electron-ABI better-sqlite3 into the packaged app.
//
// electron-builder.yml sets `npmRebuild: false`, so electron-builder never rebuilds the
// project's node_modules for Electron (that would leave Node's `npm test` with a binding it
// cannot load). Instead this hook builds better-sqlite3 for the target Electron version and
// arch from a copy (scripts/lib/electron-abi.mjs, the same cache `npm run desktop` uses) and
// copies the result over the Node build in resources/app.asar.unpacked/. It runs before
// electron-builder flips the fuses and signs, so the signature covers the replaced file.
// Native modules cannot be cross-compiled: build each platform's installer on that platform.
import { existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureElectronBinding } from './lib/electron-abi.mjs';

/** electron-builder's Arch enum values, by number (builder-util: ia32=0 … universal=4). */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

/** @param {import('app-builder-lib').AfterPackContext} context */
export async function afterPack(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const arch = ARCH_NAMES[context.arch];
  if (arch === undefined)
    throw new Error(`afterPack: unknown electron-builder arch ${String(context.arch)}.`);
  if (arch === 'universal') return; // merged from the x64 and arm64 packs, each already rebuilt
  const platform = electronPlatformName === 'mas' ? 'darwin' : electronPlatformName;
  if (platform !== process.platform) {
    throw new Error(
      `Cannot build better-sqlite3 for ${platform} on ${process.platform}: native modules are not ` +
        `cross-compiled. Build the ${platform} installer on ${platform}.`,
    );
  }
  const target = join(
    packager.getResourcesDir(appOutDir),
    'app.asar.unpacked',
    'node_modules',
    'better-sqlite3',
    'build',
    'Release',
    'better_sqlite3.node',
  );
  if (!existsSync(target)) {
    throw new Error(
      `${target} is missing: better-sqlite3 must be unpacked from the asar (asarUnpack in electron-builder.yml).`,
    );
  }
  const binding = await ensureElectronBinding({
    root: packager.info.projectDir,
    electronVersion: packager.info.framework.version,
    arch,
    platform,
    log: (line) => console.log(`  • afterPack: ${line}`),
  });
  await copyFile(binding, target);
  console.log(
    `  • afterPack: better-sqlite3 for Electron ${packager.info.framework.version} (${arch}) -> ${target}`,
  );
}

export default afterPack;
