// The desktop window's own parts — the local REST port setting and the engine-restart banner —
// in Chromium, against the real engine process built for Electron (dist-electron/engine.js,
// run as a Node child) and main's real routing (EngineClient, DesktopService, routeIpc).
//
// What stands in for Electron (its binary cannot be installed here):
//  - the preload: an init script builds window.datamotionIpc / window.datamotionDesktop over
//    page.exposeFunction, calling the same routeIpc main uses, with the app's own top-level
//    frame as the sender (sender checks themselves are tested in test/electron/guards.test.ts);
//  - the datamotion:// protocol: a local HTTP server answering every request with
//    rendererResponse(), the very function main's protocol handler calls; its CSP names this
//    server's origin where the app's names datamotion://app.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { freePort } from '../../scripts/services/lib/ports.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_NAMES, type ChannelName } from '../../core/contracts/channels.ts';
import { DESKTOP_CHANNELS } from '../../core/contracts/desktop.ts';
import type { Dataset } from '../../core/contracts/datasets.ts';
import type { Job } from '../../core/contracts/jobs.ts';
import { keySealer } from '../../core/catalog/secret-store.ts';
import { EngineClient } from '../../electron/engine/client.ts';
import { forkNodeEngine } from '../../electron/engine/node-child.ts';
import { routeIpc } from '../../electron/ipc-router.ts';
import { DESKTOP_CSP, rendererResponse } from '../../electron/renderer-files.ts';
import { DesktopSettings } from '../../electron/desktop-settings.ts';
import { DesktopService } from '../../electron/desktop-service.ts';
import { APP_ENTRY, APP_ORIGIN } from '../../electron/guards.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { writeTree } from '../helpers/temp-core.ts';
import { PageProblems } from './support/problems.ts';
import { Screenshots } from './support/screenshots.ts';
import { VIEWPORT } from './support/e2e-env.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BUILD = join(ROOT, '.cache', 'test-bundles', `shell-${process.pid}`);
const RENDERER = join(ROOT, 'dist', 'renderer');

describe('desktop shell: REST port setting and engine restart, in Chromium', () => {
  let dir: string;
  let engine: EngineClient;
  let desktop: DesktopService;
  let web: Server;
  let base: string;
  let browser: TestBrowser;
  let page: Page;
  let problems: PageProblems;
  let shots: Screenshots;

  beforeAll(async () => {
    const r = spawnSync(process.execPath, ['scripts/build-electron.mjs', BUILD], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    dir = mkdtempSync(join(tmpdir(), 'dm-shell-'));
    for (const l of ['fast', 'archive']) mkdirSync(join(dir, l));
    engine = new EngineClient({
      spawn: () => forkNodeEngine({ entry: join(BUILD, 'engine.js'), silent: true }),
      init: {
        dataDir: join(dir, 'data'),
        logFile: join(dir, 'engine.log'),
        webDir: RENDERER,
        locations: [
          { id: 'fast', uri: pathToFileURL(join(dir, 'fast')).href },
          { id: 'archive', uri: pathToFileURL(join(dir, 'archive')).href },
        ],
        mover: { bandwidthBytesPerSec: 6 << 20 },
      },
      backoffMs: [1_500],
    });
    await engine.start();
    const sealer = keySealer(randomBytes(32), 'the test key');
    desktop = new DesktopService(new DesktopSettings(join(dir, 'desktop-settings.json'), sealer), engine, {
      protection: 'os-keychain',
    });

    // The protocol handler, reached over HTTP: http://127.0.0.1:P/x answers as datamotion://app/x.
    web = createServer((req, res) => {
      void rendererResponse(RENDERER, `${APP_ORIGIN}${req.url ?? '/'}`).then(async (answer) => {
        // The app's origin is this server's here: the policy names it instead.
        const headers = Object.fromEntries(answer.headers);
        headers['content-security-policy'] = DESKTOP_CSP.replaceAll(APP_ORIGIN, base);
        res.writeHead(answer.status, headers);
        res.end(Buffer.from(await answer.arrayBuffer()));
      });
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;

    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.setViewportSize(VIEWPORT);
    page.setDefaultTimeout(15_000);
    await page.emulateMedia({ colorScheme: 'light' });
    problems = await PageProblems.watch(page);
    shots = new Screenshots(page);

    // The preload's stand-in: same bridge shape, every call through main's routeIpc.
    const sender = { senderFrame: { url: APP_ENTRY, parent: null } };
    await page.exposeFunction('__dmInvoke', (channel: string, args: unknown[]) => {
      if (channel === DESKTOP_CHANNELS.restPort) return routeIpc(sender, () => desktop.view());
      if (channel === DESKTOP_CHANNELS.setRestPort) return routeIpc(sender, () => desktop.update(args[0]));
      return routeIpc(sender, () => engine.call(channel as ChannelName, args));
    });
    await page.addInitScript(
      ({ names, desktopChannels }) => {
        type Listener = (payload: unknown) => void;
        const listeners: Record<string, Set<Listener>> = { event: new Set(), status: new Set() };
        const w = globalThis as unknown as Record<string, unknown> & {
          __dmInvoke: (channel: string, args: unknown[]) => Promise<unknown>;
        };
        const on = (kind: string) => (l: Listener) => {
          listeners[kind]?.add(l);
          return () => listeners[kind]?.delete(l);
        };
        w.__dmEmit = (kind: string, payload: unknown) => listeners[kind]?.forEach((l) => l(payload));
        w.datamotionIpc = {
          ...Object.fromEntries(names.map((n) => [n, (...args: unknown[]) => w.__dmInvoke(n, args)])),
          onEvent: on('event'),
        };
        w.datamotionDesktop = {
          restPort: () => w.__dmInvoke(desktopChannels.restPort, []),
          setRestPort: (u: unknown) => w.__dmInvoke(desktopChannels.setRestPort, [u]),
          onEngineStatus: on('status'),
        };
      },
      { names: [...CHANNEL_NAMES], desktopChannels: DESKTOP_CHANNELS },
    );
    const emit = (kind: string, payload: unknown) =>
      page
        .evaluate(
          ([k, p]) => (globalThis as unknown as { __dmEmit(k: unknown, p: unknown): void }).__dmEmit(k, p),
          [kind, payload] as const,
        )
        .catch(() => undefined);
    engine.onEvent((e) => void emit('event', e));
    engine.onStatus((s) => void emit('status', s));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => web?.close(r));
    await engine?.stop();
    rmSync(BUILD, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('turns the local REST port on from Settings: loopback URL, a key that the port then requires', async () => {
    await page.goto(`${base}/#/settings`);
    const section = page.getByTestId('settings-rest-port');
    await section.waitFor();
    expect(await page.getByTestId('settings-transport').textContent()).toContain('Desktop app (IPC)');
    expect(await page.getByTestId('rest-port-url').textContent()).toBe('—');
    await page.getByTestId('rest-port-port').fill(String(await freePort()));
    await page.getByTestId('rest-port-toggle').click();
    await page.getByTestId('rest-port-url').filter({ hasText: 'http://127.0.0.1:' }).waitFor();
    const url = (await page.getByTestId('rest-port-url').textContent()) as string;
    await page.getByTestId('rest-port-key-show').click();
    const key = (await page.getByTestId('rest-port-key-value').textContent()) as string;
    expect(key).toBe(desktop.view().api_key);
    expect((await fetch(`${url}/datasets`)).status).toBe(401);
    expect((await fetch(`${url}/datasets`, { headers: { 'x-api-key': key } })).status).toBe(200);
    await page.getByTestId('rest-port-key-show').click();
    await section.scrollIntoViewIfNeeded();
    await shots.lightAndDark('desktop-settings-rest-port');

    // A port outside 1024–65535: the engine's validation message, next to the field.
    problems.expect(/must be/);
    await page.getByTestId('rest-port-port').fill('80');
    await page.getByTestId('rest-port-move').click();
    await page.getByTestId('field-error-port').waitFor();
    expect(await page.getByTestId('field-error-port').textContent()).toMatch(/body\.port: must be >= 1024/);
    expect(desktop.view().url).toBe(url);
    expect(problems.unexpected()).toEqual([]);
  });

  it('shows the engine crash, the restart, and the migration finishing after it', async () => {
    writeTree(join(dir, 'fast', 'logs'), { 'a.bin': 10 << 20, 'b.bin': 10 << 20 });
    const ds = (await engine.call('datasets/create', [
      { name: 'logs', path_uri: pathToFileURL(join(dir, 'fast', 'logs')).href },
    ])) as Dataset;
    const job = (await engine.call('jobs/plan', [
      { dataset_id: ds.id, target_location: 'archive', storage_class: 'standard', tier: 'warm' },
    ])) as Job;
    await page.goto(`${base}/#/queue`);
    await page.locator('[data-testid="live-status"][data-state="live"]').waitFor();
    const until = Date.now() + 30_000;
    while (((await engine.call('jobs/get', [job.job_id])) as Job).bytes_copied === 0) {
      if (Date.now() > until) throw new Error('the copy never started');
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(engine.pid as number, 'SIGKILL');
    const banner = page.getByTestId('engine-banner');
    await page.locator('[data-testid="engine-banner"][data-state="restarting"]').waitFor();
    expect(await banner.textContent()).toMatch(/stopped unexpectedly \(killed by SIGKILL\)/);
    expect(await page.getByTestId('live-status').getAttribute('data-state')).toBe('reconnecting');
    await shots.take('desktop-engine-restarting-light.png');
    await page.locator('[data-testid="engine-banner"][data-state="recovered"]').waitFor();
    await page.locator('[data-testid="live-status"][data-state="live"]').waitFor();
    const end = Date.now() + 60_000;
    let final: Job;
    for (;;) {
      final = (await engine.call('jobs/get', [job.job_id])) as Job;
      if (['completed', 'failed', 'canceled'].includes(final.status) || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(final.status).toBe('completed');
    await shots.take('desktop-engine-recovered-light.png');
    expect(problems.unexpected()).toEqual([]);
  }, 120_000);
});
