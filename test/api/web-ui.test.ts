import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../core/api/server.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';

// The placeholder UI in a real Chromium: it must run under its own strict CSP (any inline
// script or style would be blocked and reported) and update live from GET /events.
describe('web UI placeholder', () => {
  let t: TempCore;
  let server: RunningServer;
  let browser: TestBrowser;
  beforeAll(async () => {
    t = tempCore();
    server = await startServer(t.core, { port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.cleanup();
  });

  it('shows datasets and adds new ones live over SSE, with no CSP violation', async () => {
    mkdirSync(join(t.store, 'first'));
    await t.core.datasets.create({ name: 'first', path_uri: t.uri('first') });

    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.url}/`);
    await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor();
    await page.getByTestId('dataset-1').waitFor();
    expect(await page.getByTestId('dataset-1').textContent()).toContain('first');

    mkdirSync(join(t.store, 'second'));
    await t.core.datasets.create({ name: 'second', path_uri: t.uri('second') });
    await page.getByTestId('dataset-2').filter({ hasText: 'second' }).waitFor();
    expect(problems).toEqual([]);
  });
});
