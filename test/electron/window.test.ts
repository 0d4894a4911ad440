// The real desktop app in a real Electron window, driven by Playwright's _electron. Runs
// where the Electron binary is installed; here (installs use ELECTRON_SKIP_BINARY_DOWNLOAD=1
// and GitHub is unreachable) it reports itself skipped, with the reason in its name.
// Everything it checks but the window itself is also covered under Node:
// test/electron/{engine-process,guards,desktop-settings}.test.ts and test/e2e/desktop-shell.test.ts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureElectronBinding, locateElectronBinary } from '../../scripts/lib/electron-abi.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const electron = await locateElectronBinary(join(ROOT, 'node_modules', 'electron'));
const title = electron.ok
  ? 'Electron window (the built app)'
  : `Electron window: SKIPPED, no Electron binary here (${electron.reason})`;

describe.skipIf(!electron.ok)(title, () => {
  let app: ElectronApplication;
  let page: Page;
  let profile: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!electron.ok) return;
    const build = spawnSync(process.execPath, ['scripts/build-electron.mjs'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(build.status, build.stderr).toBe(0);
    profile = mkdtempSync(join(tmpdir(), 'dm-window-'));
    env = {
      ...process.env,
      DATAMOTION_USER_DATA_DIR: profile,
      DATAMOTION_SQLITE_BINDING: await ensureElectronBinding({ root: ROOT }),
    };
    delete env.ELECTRON_RUN_AS_NODE;
    const launchEnv = Object.fromEntries(
      Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
    );
    app = await _electron.launch({ executablePath: electron.path, args: [ROOT], env: launchEnv, cwd: ROOT });
    page = await app.firstWindow();
    await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 30_000 });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('opens on the app origin, talks IPC, and gives the page no Node', async () => {
    expect(await page.title()).toBe('DataMotion');
    expect(page.url()).toBe('datamotion://app/index.html');
    const shape = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      ipcRenderer: typeof (globalThis as { datamotionIpc?: { ipcRenderer?: unknown } }).datamotionIpc
        ?.ipcRenderer,
      health: typeof (globalThis as { datamotionIpc?: { health?: unknown } }).datamotionIpc?.health,
    }));
    expect(shape).toEqual({
      require: 'undefined',
      process: 'undefined',
      ipcRenderer: 'undefined',
      health: 'function',
    });
    expect(await page.getByTestId('settings-transport').count()).toBe(0); // map first
    await page.goto('datamotion://app/index.html#/settings');
    await page.getByTestId('settings-rest-port').waitFor();
  });

  it('refuses navigation away and new windows', async () => {
    await page.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url().startsWith('datamotion://app/')).toBe(true);
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { open(u: string): unknown }).open('https://example.com/') === null,
      ),
    ).toBe(true);
    expect(app.windows()).toHaveLength(1);
  });

  it('a second instance exits and leaves the first one running', async () => {
    if (!electron.ok) return;
    const second = spawn(electron.path, [ROOT], { env, stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => second.on('exit', resolve));
    expect(code).toBe(0);
    expect(await page.title()).toBe('DataMotion');
  });
});
