// Renders the web UI with a small demo catalog and a migration mid-flight, and saves
// docs/screenshots/web-ui.png: `node --import tsx scripts/screenshot-web.ts`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomFillSync } from 'node:crypto';
import { pino } from 'pino';
import { createCore } from '../core/create-core.ts';
import { startServer } from '../core/api/server.ts';
import { launchBrowser } from '../test/helpers/browser.ts';

const dir = mkdtempSync(join(tmpdir(), 'dm-shot-'));
const fast = join(dir, 'fast');
const archive = join(dir, 'archive');
const core = createCore({
  dataDir: join(dir, 'data'),
  locations: [
    {
      id: 'nvme-fast',
      uri: pathToFileURL(fast).href,
      tiers: { hot: { storage_class: 'standard', price_per_gb_month: 0.1 } },
    },
    {
      id: 'nas-archive',
      uri: pathToFileURL(archive).href,
      tiers: {
        warm: { storage_class: 'standard', price_per_gb_month: 0.03 },
        cold: { storage_class: 'archive', price_per_gb_month: 0.01 },
      },
    },
  ],
  // Slow the mover down so the screenshot catches a job in flight.
  mover: { concurrency: 1, objectConcurrency: 1, enabled: true, maxAttempts: 3 },
  logger: pino({ level: 'silent' }),
});
const server = await startServer(core, { port: 0 });
const browser = await launchBrowser();
try {
  const names = ['clickstream-2026', 'ml-features', 'billing-archive', 'sensor-raw', 'logs-q3'];
  const ids: number[] = [];
  for (const [i, name] of names.entries()) {
    const root = join(fast, name);
    mkdirSync(root, { recursive: true });
    for (let f = 0; f < 40; f++)
      writeFileSync(join(root, `part-${f}.bin`), randomFillSync(Buffer.alloc((i + 1) * 1024 * 1024)));
    ids.push(
      (await core.datasets.create({ name, path_uri: pathToFileURL(root).href, owner: 'data-platform' })).id,
    );
  }
  await core.telemetry.ingest(
    ids.slice(0, 2).flatMap((id) =>
      Array.from({ length: 50 }, () => ({
        dataset_id: id,
        op: 'read' as const,
        size_bytes: 65536,
        client_lat_ms: 8,
      })),
    ),
  );
  core.placement.recommend();
  core.jobs.plan({ dataset_id: ids[2] as number, target_location: 'nas-archive', storage_class: 'archive' });
  core.jobs.plan({ dataset_id: ids[3] as number, target_location: 'nas-archive', storage_class: 'standard' });
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(server.url);
  await page.getByText('billing-archive').first().waitFor();
  await page.waitForTimeout(400); // let a progress event or two arrive: this is a picture, not a test
  const out = join('docs', 'screenshots', 'web-ui.png');
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
  await core.close();
  rmSync(dir, { recursive: true, force: true });
}
