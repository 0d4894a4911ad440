// Renders the UI with a demo catalog (three kinds of location, a crowded cell, access
// history, migrations in flight) and saves screenshots:
//   node --import tsx scripts/screenshot-web.ts [OUT_DIR]     (default docs/screenshots)
// web-ui.png is the map; the others show the move dialog, the queue, its drawer and dark mode.
// Any CSP violation or console error is printed and fails the run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomFillSync } from 'node:crypto';
import { startDemo } from './lib/demo-ui.ts';

const demo = await startDemo({
  outDir: process.argv[2] ?? join('docs', 'screenshots'),
  tmpPrefix: 'dm-shot-',
  minioEndpoint: 'http://minio.internal:9000',
  extraLocations: [
    {
      id: 'gcs-analytics',
      uri: 'gs://analytics-archive/dm',
      project: 'acme-analytics',
      tiers: {
        warm: { storage_class: 'NEARLINE', price_per_gb_month: 0.01 },
        cold: { storage_class: 'COLDLINE', price_per_gb_month: 0.004 },
      },
    },
  ],
  // Slow the mover down so the screenshots catch jobs in flight.
  mover: { concurrency: 2, objectConcurrency: 1, enabled: true, maxAttempts: 3 },
});
const { outDir, fast, archive, core, url } = demo;
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
  // A crowded cell: 40 small archives in nas-archive/cold.
  for (let i = 0; i < 40; i++) {
    const root = join(archive, `archive-${String(i).padStart(2, '0')}`);
    mkdirSync(root, { recursive: true });
    await core.datasets.create({
      name: `archive-${String(i).padStart(2, '0')}`,
      path_uri: pathToFileURL(root).href,
      current_tier: 'cold',
      size_bytes: (i + 1) * 3 * 1024 ** 3,
      object_count: (i + 1) * 120,
    });
  }
  const warm = join(archive, 'reports-2025');
  mkdirSync(warm, { recursive: true });
  writeFileSync(join(warm, 'q1.parquet'), randomFillSync(Buffer.alloc(256 * 1024)));
  await core.datasets.create({
    name: 'reports-2025',
    path_uri: pathToFileURL(warm).href,
    current_tier: 'warm',
  });

  // Access history over the last hours, so sparklines have a shape.
  const now = Date.now();
  await core.telemetry.ingest(
    ids.slice(0, 3).flatMap((id, k) =>
      Array.from({ length: 120 }, (_, i) => ({
        dataset_id: id,
        op: 'read' as const,
        size_bytes: 65536,
        client_lat_ms: 8,
        ts: now - Math.floor(((i * (k + 1) * 7919) % 360) * 60_000),
      })),
    ),
  );
  core.placement.recommend();
  core.jobs.plan({ dataset_id: ids[3] as number, target_location: 'nas-archive', storage_class: 'archive' });
  core.jobs.plan({ dataset_id: ids[4] as number, target_location: 'nas-archive', storage_class: 'standard' });

  // The dialog step sends a bad storage class on purpose: its 400 is the point, not a problem.
  const page = await demo.newPage(/status of 400/);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(`${url}/#/map`);
  await page.getByTestId(`dataset-card-${ids[2]}`).waitFor();
  await page.locator('[data-testid="live-status"][data-state="live"]').waitFor();
  await page.getByTestId(`sparkline-${ids[0]}`).waitFor();
  await page.waitForTimeout(600); // let progress events and sparklines arrive: this is a picture, not a test
  const shot = async (name: string) => {
    const out = join(outDir, name);
    await page.screenshot({ path: out, fullPage: true });
    console.log(`wrote ${out}`);
  };
  await shot('web-ui.png');

  await page.getByTestId('group-nas-archive-cold').click();
  await page.waitForTimeout(200);
  await shot('map-expanded.png');
  await page.getByTestId('group-nas-archive-cold').click();

  // The keyboard path: focus a card, M, pick a target.
  await page.getByTestId(`dataset-drag-${ids[2]}`).focus();
  await page.keyboard.press('m');
  await page.getByTestId(`move-menu-${ids[2]}`).waitFor();
  await shot('map-move-menu.png');
  await page.getByTestId('move-target-nas-archive-cold').click();
  await page.getByTestId('migration-estimate').waitFor();
  await page.getByTestId('migration-retire-source').check();
  await page.getByTestId('migration-confirm-reasons').waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(outDir, 'migration-dialog.png') });
  console.log(`wrote ${join(outDir, 'migration-dialog.png')}`);
  // A bad storage class: the server's message next to the field.
  await page.getByTestId('migration-storage-class').fill('no such class!');
  await page.getByTestId('field-error-storage_class').waitFor();
  await page.screenshot({ path: join(outDir, 'migration-dialog-error.png') });
  await page.getByTestId('migration-cancel').click();

  // A big dataset moving now, and one canceled: the queue in flight.
  const big = join(fast, 'video-raw');
  mkdirSync(big, { recursive: true });
  for (let f = 0; f < 48; f++) writeFileSync(join(big, `chunk-${f}.bin`), Buffer.alloc(16 * 1024 * 1024, f));
  const bigId = (await core.datasets.create({ name: 'video-raw', path_uri: pathToFileURL(big).href })).id;
  const stopped = core.jobs.plan({
    dataset_id: ids[0] as number,
    target_location: 'nas-archive',
    storage_class: 'standard',
  });
  core.jobs.cancel(stopped.job_id);
  core.jobs.plan({ dataset_id: bigId, target_location: 'nas-archive', storage_class: 'archive' });
  await page.getByTestId('nav-queue').click();
  await page.getByTestId('job-list').waitFor();
  await page.locator('[data-testid^="job-"][data-status="copying"]').first().waitFor();
  await page.waitForTimeout(300);
  await shot('queue.png');
  await page.locator('[data-testid^="job-details-"]').first().click();
  await page.waitForTimeout(1200);
  await page.getByTestId('job-objects').waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(outDir, 'queue-drawer.png') });
  console.log(`wrote ${join(outDir, 'queue-drawer.png')}`);
  await page.keyboard.press('Escape');

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByTestId('nav-map').click();
  await page.waitForTimeout(300);
  await shot('map-dark.png');
  await page.getByTestId('nav-queue').click();
  await page.waitForTimeout(300);
  await shot('queue-dark.png');
} finally {
  await demo.close();
}
demo.failOnProblems();
