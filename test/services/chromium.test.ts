// Proves the browser is real: Debian's Chromium loads a page from a local
// server, a click changes the DOM, and a screenshot lands on disk.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';

const PAGE = `<!doctype html>
<html><head><title>DataMotion smoke</title></head>
<body>
  <p data-testid="status">idle</p>
  <button data-testid="go" onclick="document.querySelector('[data-testid=status]').textContent = 'clicked'">Go</button>
</body></html>`;

let server: Server;
let url: string;
let shots: string;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  shots = await mkdtemp(join(tmpdir(), 'datamotion-shots-'));
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (shots) await rm(shots, { recursive: true, force: true });
});

test('chromium opens a local page, a click changes the DOM, a screenshot is written', async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(url);
    const status = page.getByTestId('status');
    expect(await status.textContent()).toBe('idle');

    await page.getByTestId('go').click();
    await status.filter({ hasText: 'clicked' }).waitFor();

    const file = join(shots, 'after-click.png');
    await page.screenshot({ path: file });
    const png = await readFile(file);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.length).toBeGreaterThan(1_000);
  } finally {
    await browser.close();
  }
});
