// Packaging and the two better-sqlite3 builds, tested in plain Node.
//
// Not run here (no Electron binary, no access to GitHub or electronjs.org): an installer
// target (AppImage, deb, dmg, nsis), flipping the fuses into a real Electron binary, the real
// rebuild of better-sqlite3 for Electron (needs Electron's headers or a prebuilt binary), and
// starting the window. What is run: the config as electron-builder 26 loads and validates it,
// the cache and staleness logic, the afterPack hook against a fake context, electron-builder's
// `dir` target with a stand-in Electron (Linux), and `npm run desktop` without the binary.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import type { FileMatcher } from 'app-builder-lib/out/fileMatcher.js';
import { resolveFunction } from 'app-builder-lib/out/util/resolve.js';
import { DebugLogger } from 'builder-util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { afterPack as afterPackHook } from '../../scripts/after-pack.mjs';
import {
  bindingLocation,
  ensureElectronBinding,
  expectedStamp,
  installedVersions,
  locateElectronBinary,
  staleReason,
  type Stamp,
} from '../../scripts/lib/electron-abi.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
// Internal to app-builder-lib (absent from its .d.ts): the filter it applies to node_modules.
const { getNodeModuleFileMatcher } = require('app-builder-lib/out/fileMatcher.js') as {
  getNodeModuleFileMatcher(
    appDir: string,
    destination: string,
    macroExpander: (pattern: string) => string,
    platformOptions: object,
    packager: { config: unknown; debugLogger: DebugLogger },
  ): FileMatcher;
};

type AfterPack = typeof afterPackHook;

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value));
}

describe('electron-builder.yml as electron-builder 26 loads and validates it', () => {
  const load = () => getConfig(ROOT, null, null);

  it('passes app-builder-lib’s own schema validation (scheme.json)', async () => {
    await expect(validateConfiguration(await load(), new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('the same validation rejects a misspelt fuse, so the check above has teeth', async () => {
    const config = await load();
    const fuses = { ...config.electronFuses, runAsnode: false };
    await expect(
      validateConfiguration({ ...config, electronFuses: fuses } as typeof config, new DebugLogger(false)),
    ).rejects.toThrow(/electronFuses/);
  });

  it('sets every fuse of FuseOptionsV1, each to the hardened value', async () => {
    const scheme = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as {
      definitions: { FuseOptionsV1: { properties: Record<string, unknown> } };
    };
    const fuseNames = Object.keys(scheme.definitions.FuseOptionsV1.properties).filter(
      (name) => name !== 'resetAdHocDarwinSignature', // not a fuse: a macOS signing step
    );
    const expected: Record<string, boolean> = {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    };
    expect(fuseNames.sort()).toEqual(Object.keys(expected).sort());
    expect((await load()).electronFuses).toEqual(expected);
  });

  it('targets AppImage and deb, dmg, nsis', async () => {
    const config = await load();
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.win?.target).toEqual(['nsis']);
  });

  it('packs the bundles, not the sources, and unpacks better-sqlite3', async () => {
    const config = await load();
    // getConfig normalizes `files` to one file set whose filter is the list in the yml.
    const patterns = (config.files as { filter: string[] }[]).flatMap((set) => set.filter);
    expect(patterns).toEqual(
      expect.arrayContaining(['dist-electron/**', 'dist/renderer/**', 'package.json']),
    );
    expect(patterns.filter((f) => /^(core|electron|renderer|test)\//.test(f))).toEqual([]);
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(['node_modules/better-sqlite3/**']);
  });

  it('ships better-sqlite3’s lib and binding, not its C sources or the Node build’s object files', async () => {
    const config = await load();
    // The filter electron-builder applies to production node_modules, built from the same config.
    const matcher = getNodeModuleFileMatcher(
      ROOT,
      '/app',
      (p) => p,
      {},
      { config, debugLogger: new DebugLogger(false) },
    );
    const filter = matcher.createFilter();
    const aFile = statSync(join(ROOT, 'package.json'));
    const shipped = (rel: string) => filter(join(ROOT, 'node_modules', 'better-sqlite3', rel), aFile);
    expect(
      ['package.json', 'lib/index.js', 'lib/database.js', 'build/Release/better_sqlite3.node'].filter(
        shipped,
      ),
    ).toHaveLength(4);
    expect(
      [
        'src/better_sqlite3.cpp',
        'deps/sqlite3/sqlite3.c',
        'build/Release/obj.target/better_sqlite3/src/better_sqlite3.o',
        'build/Release/test_extension.node',
        'build/Release/sqlite3.a',
      ].filter(shipped),
    ).toEqual([]);
  });

  it('never rebuilds node_modules in place, and its afterPack hook resolves the way electron-builder resolves it', async () => {
    const config = await load();
    expect(config.npmRebuild).toBe(false);
    const hook = await resolveFunction<AfterPack>(undefined, config.afterPack as string, 'afterPack', ROOT);
    expect(typeof hook === 'function' && hook.name).toBe('afterPack');
  });
});

describe('Electron-ABI cache: paths and staleness (pure)', () => {
  const fresh: Stamp = expectedStamp({
    electronVersion: '38.8.6',
    arch: 'x64',
    platform: 'linux',
    betterSqlite3Version: '12.11.1',
  });

  it('keeps one build per Electron version and arch under .cache/electron-abi/', () => {
    expect(bindingLocation('/repo', '38.8.6', 'arm64').binding).toBe(
      join('/repo', '.cache', 'electron-abi', '38.8.6-arm64', 'better_sqlite3.node'),
    );
  });

  it('reuses a build whose stamp matches, and says why any other must be rebuilt', () => {
    expect(staleReason({ bindingExists: true, stamp: { ...fresh, builtAt: 'x' } }, fresh)).toBeNull();
    expect(staleReason({ bindingExists: false, stamp: fresh }, fresh)).toMatch(/no Electron build/);
    expect(staleReason({ bindingExists: true, stamp: null }, fresh)).toMatch(/no readable stamp/);
    expect(staleReason({ bindingExists: true, stamp: { ...fresh, electronVersion: '38.8.5' } }, fresh)).toBe(
      'electronVersion changed (38.8.5 -> 38.8.6)',
    );
    expect(
      staleReason({ bindingExists: true, stamp: { ...fresh, betterSqlite3Version: '12.10.0' } }, fresh),
    ).toBe('betterSqlite3Version changed (12.10.0 -> 12.11.1)');
    expect(staleReason({ bindingExists: true, stamp: { ...fresh, platform: 'darwin' } }, fresh)).toMatch(
      /platform/,
    );
  });

  it('reads the installed Electron and better-sqlite3 versions from node_modules', async () => {
    const versions = await installedVersions(ROOT);
    expect(versions.electronVersion).toBe((require('electron/package.json') as { version: string }).version);
    expect(versions.betterSqlite3Version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('Electron-ABI cache and the afterPack hook, in a temp project (no rebuild run)', () => {
  let root: string;
  const log: string[] = [];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dm-abi-'));
    log.length = 0;
    writeJson(join(root, 'node_modules', 'electron', 'package.json'), { version: '38.8.6' });
    writeJson(join(root, 'node_modules', 'better-sqlite3', 'package.json'), { version: '12.11.1' });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function cacheFreshBuild(arch: string, platform: string): string {
    const where = bindingLocation(root, '38.8.6', arch);
    mkdirSync(where.dir, { recursive: true });
    writeFileSync(where.binding, `electron-abi build for ${arch}`);
    writeJson(
      where.stamp,
      expectedStamp({ electronVersion: '38.8.6', arch, platform, betterSqlite3Version: '12.11.1' }),
    );
    return where.binding;
  }

  it('returns a fresh cached build without building', async () => {
    const binding = cacheFreshBuild('x64', process.platform);
    await expect(ensureElectronBinding({ root, arch: 'x64', log: (l) => log.push(l) })).resolves.toBe(
      binding,
    );
    expect(log).toEqual([]);
  });

  function fakeApp(): { context: Parameters<AfterPack>[0]; target: string } {
    const appOutDir = join(root, 'out', 'linux-unpacked');
    const resources = join(appOutDir, 'resources');
    const target = join(resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release');
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'better_sqlite3.node'), 'node-abi build');
    return {
      target: join(target, 'better_sqlite3.node'),
      context: {
        appOutDir,
        electronPlatformName: process.platform,
        arch: 1, // builder-util Arch.x64
        packager: {
          getResourcesDir: () => resources,
          info: { projectDir: root, framework: { version: '38.8.6' } },
        },
      },
    };
  }

  it('afterPack replaces the unpacked Node build with the Electron build for the packed arch', async () => {
    cacheFreshBuild('x64', process.platform);
    const { context, target } = fakeApp();
    await afterPackHook(context);
    expect(readFileSync(target, 'utf8')).toBe('electron-abi build for x64');
  });

  it('afterPack refuses to cross-compile, naming both platforms', async () => {
    const { context } = fakeApp();
    const other = process.platform === 'win32' ? 'darwin' : 'win32';
    await expect(afterPackHook({ ...context, electronPlatformName: other })).rejects.toThrow(
      `Cannot build better-sqlite3 for ${other} on ${process.platform}`,
    );
  });

  it('afterPack fails with the asarUnpack hint when better-sqlite3 was packed into the asar', async () => {
    const { context, target } = fakeApp();
    rmSync(target);
    await expect(afterPackHook(context)).rejects.toThrow(/asarUnpack/);
  });
});

describe('locating the Electron binary', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dm-electron-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a package whose binary was never downloaded, or whose binary is gone', async () => {
    expect(await locateElectronBinary(dir)).toEqual({
      ok: false,
      reason: expect.stringMatching(/never downloaded/),
    });
    writeFileSync(join(dir, 'path.txt'), 'electron');
    expect(await locateElectronBinary(dir)).toEqual({
      ok: false,
      reason: expect.stringMatching(/does not exist/),
    });
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'electron'), '');
    expect(await locateElectronBinary(dir)).toEqual({ ok: true, path: join(dir, 'dist', 'electron') });
  });

  const installed = existsSync(join(ROOT, 'node_modules', 'electron', 'path.txt'));
  it.runIf(!installed)(
    '`npm run desktop` without the Electron binary (this machine) exits 1 with how to install it, before building',
    () => {
      const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'desktop.mjs')], { encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        'env -u ELECTRON_SKIP_BINARY_DOWNLOAD node node_modules/electron/install.js',
      );
      expect(run.stdout).not.toMatch(/vite|building/i);
    },
  );
});

// Opt-in: needs Electron's headers (electronjs.org) or better-sqlite3's prebuilt Electron binary
// (GitHub) and a C++ toolchain. Not run on this machine: it has neither network access.
describe.runIf(process.env.DATAMOTION_TEST_ELECTRON_REBUILD === '1')(
  'real rebuild for Electron (DATAMOTION_TEST_ELECTRON_REBUILD=1, needs internet)',
  () => {
    it('builds better-sqlite3 for Electron from a copy and leaves node_modules’ Node build untouched', async () => {
      const nodeBuild = join(
        ROOT,
        'node_modules',
        'better-sqlite3',
        'build',
        'Release',
        'better_sqlite3.node',
      );
      const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
      const before = hash(nodeBuild);
      const binding = await ensureElectronBinding({ root: ROOT, force: true });
      expect(hash(nodeBuild)).toBe(before);
      expect(hash(binding)).not.toBe(before);
      // Node refuses it: built for Electron's NODE_MODULE_VERSION, not this Node's.
      expect(() => require(binding)).toThrow(/NODE_MODULE_VERSION|was compiled against a different/);
    }, 600_000);
  },
);

// electron-builder for real, `--dir` target, offline: `electronDist` points at a stand-in for
// the Electron release (a shell script named electron) so nothing is downloaded. Fuses are
// switched off for this run only — @electron/fuses needs a real Electron binary to flip; their
// configuration is checked above. The afterPack hook finds a stand-in Electron build in the
// temp project's cache, so what is checked is where it lands, not a real compile.
describe.runIf(process.platform === 'linux')(
  'electron-builder --dir with a stand-in Electron (fuses off)',
  () => {
    let project: string;
    let out: string;
    const asarEntries: string[] = [];
    const STAND_IN = 'stand-in Electron-ABI better_sqlite3.node';

    beforeAll(() => {
      project = mkdtempSync(join(tmpdir(), 'dm-eb-'));
      out = join(project, 'out');
      for (const f of [
        'package.json',
        'package-lock.json',
        'electron-builder.yml',
        'scripts/after-pack.mjs',
      ]) {
        cpSync(join(ROOT, f), join(project, f));
      }
      cpSync(
        join(ROOT, 'scripts', 'lib', 'electron-abi.mjs'),
        join(project, 'scripts', 'lib', 'electron-abi.mjs'),
      );
      symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
      const built = spawnSync(
        process.execPath,
        [join(ROOT, 'scripts', 'build-electron.mjs'), join(project, 'dist-electron')],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(built.status, built.stderr).toBe(0);
      mkdirSync(join(project, 'dist', 'renderer'), { recursive: true });
      writeFileSync(
        join(project, 'dist', 'renderer', 'index.html'),
        '<!doctype html><title>DataMotion</title>',
      );

      const electronVersion = (require('electron/package.json') as { version: string }).version;
      const electronDist = join(project, 'electron-dist');
      mkdirSync(join(electronDist, 'resources'), { recursive: true });
      writeFileSync(join(electronDist, 'electron'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      writeFileSync(join(electronDist, 'version'), electronVersion);
      const where = bindingLocation(project, electronVersion, process.arch);
      mkdirSync(where.dir, { recursive: true });
      writeFileSync(where.binding, STAND_IN);
      writeJson(
        where.stamp,
        expectedStamp({
          electronVersion,
          arch: process.arch,
          platform: process.platform,
          betterSqlite3Version: (require('better-sqlite3/package.json') as { version: string }).version,
        }),
      );

      const driver = `
      import { build, Platform } from 'electron-builder';
      await build({
        projectDir: process.cwd(),
        targets: Platform.LINUX.createTarget('dir'),
        config: { electronDist: ${JSON.stringify(electronDist)}, electronFuses: null, directories: { output: ${JSON.stringify(out)} } },
      });`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', driver], {
        cwd: project,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      const asar = require('@electron/asar') as { listPackage(path: string): string[] };
      asarEntries.push(...asar.listPackage(join(out, 'linux-unpacked', 'resources', 'app.asar')));
    }, 180_000);
    afterAll(() => {
      if (project) rmSync(project, { recursive: true, force: true });
    });

    it('packs the bundles, every migration, the renderer and package.json — no sources', () => {
      const migrations = readdirSync(join(ROOT, 'core', 'db', 'migrations')).filter((f) =>
        f.endsWith('.sql'),
      );
      expect(asarEntries).toEqual(
        expect.arrayContaining([
          '/package.json',
          '/dist-electron/main.js',
          '/dist-electron/engine.js',
          '/dist-electron/preload.cjs',
          '/dist/renderer/index.html',
          ...migrations.map((f) => `/dist-electron/migrations/${f}`),
        ]),
      );
      expect(
        asarEntries.filter((p) => /^\/(core|electron|renderer|test|bench|scripts)(\/|$)/.test(p)),
      ).toEqual([]);
    });

    it('ships production dependencies only, without tsx/esbuild or better-sqlite3’s C sources', () => {
      const packed = (name: string) => asarEntries.includes(`/node_modules/${name}`);
      expect(['better-sqlite3', 'fastify', 'kafkajs'].filter(packed)).toHaveLength(3);
      expect(
        [
          'electron',
          'electron-builder',
          'vitest',
          'react',
          '@doyensec/electronegativity',
          'tsx',
          'esbuild',
        ].filter(packed),
      ).toEqual([]);
      expect(asarEntries.filter((p) => /^\/node_modules\/better-sqlite3\/(src|deps)\//.test(p))).toEqual([]);
    });

    it('unpacks better-sqlite3 and afterPack put the Electron build in place of the Node one', () => {
      const unpacked = join(
        out,
        'linux-unpacked',
        'resources',
        'app.asar.unpacked',
        'node_modules',
        'better-sqlite3',
      );
      expect(readFileSync(join(unpacked, 'build', 'Release', 'better_sqlite3.node'), 'utf8')).toBe(STAND_IN);
      expect(existsSync(join(unpacked, 'lib', 'index.js'))).toBe(true);
    });
  },
);
