import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../core/api/server.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';

// The renderer bundle (built once by test/setup/ui-bundle.ts) in a real Chromium, served by the
// API at /: it must run under the strict CSP (any inline script or style would be blocked and
// reported) and update live from GET /events. The full suite is the Playwright e2e tests.
/** Reports every CSP violation as a console error. */
const REPORT_CSP =
  "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));";

describe('web UI at /', () => {
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

  it('shows datasets on the map and adds new ones live over SSE, with no CSP violation', async () => {
    mkdirSync(join(t.store, 'first'));
    await t.core.datasets.create({ name: 'first', path_uri: t.uri('first') });

    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    // Runs in the page (a string: this file is typed for Node, without the DOM).
    await page.addInitScript({ content: REPORT_CSP });
    const res = await page.goto(`${server.url}/`);
    expect(res?.headers()['content-security-policy']).toContain("style-src 'self'");
    await page.locator('[data-testid="live-status"][data-state="live"]').waitFor();
    await page.getByTestId('dataset-card-1').waitFor();
    expect(await page.getByTestId('dataset-card-1').textContent()).toContain('first');

    mkdirSync(join(t.store, 'second'));
    await t.core.datasets.create({ name: 'second', path_uri: t.uri('second') });
    await page.getByTestId('dataset-card-2').filter({ hasText: 'second' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('serves hashed assets as immutable and the page itself as no-cache', async () => {
    const html = await fetch(`${server.url}/`);
    expect(html.headers.get('cache-control')).toBe('no-cache');
    const asset = /src="\.?(\/assets\/[^"]+\.js)"/.exec(await html.text())?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${server.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(js.headers.get('content-type')).toContain('javascript');
  });
});
