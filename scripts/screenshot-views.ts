// Screenshots of the Recommendations, Costs, Datasets (list and detail) and Settings views,
// light and dark, over a demo catalog (three kinds of location, 130 datasets, access
// history, recommendations, a policy, migrations):
//   node --import tsx scripts/screenshot-views.ts [OUT_DIR]     (default /tmp/ui-shots)
// Any CSP violation, console error or page error is printed and fails the run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomFillSync } from 'node:crypto';
import { startDemo } from './lib/demo-ui.ts';

const demo = await startDemo({
  outDir: process.argv[2] ?? '/tmp/ui-shots',
  tmpPrefix: 'dm-views-',
  minioEndpoint: 'http://127.0.0.1:9',
  mover: { concurrency: 1, objectConcurrency: 1, enabled: true, maxAttempts: 1 },
});
const { outDir, fast, archive, core, url, problems } = demo;
try {
  const page = await demo.newPage(/status of (400|409)/);

  // Every control on screen has an accessible name and a test id (a page function, as text:
  // this file is typed for Node). Recharts' own focusable surfaces would fail it: they are off.
  const UNLABELLED = `[...document.querySelectorAll('main button, main input, main select, main textarea, main a[href], main [tabindex]:not([tabindex="-1"])')]
    .filter((el) => {
      const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ||
        (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) || el.closest('label') ||
        (['BUTTON', 'A'].includes(el.tagName) && el.textContent.trim());
      const tested = el.tagName === 'A' || el.closest('[data-testid]') === el || el.type === 'hidden';
      return !named || !tested;
    })
    .map((el) => el.outerHTML.slice(0, 160))`;
  const shot = async (name: string, fullPage = true) => {
    const bad = (await page.evaluate(UNLABELLED)) as string[];
    for (const b of bad) problems.push(`${name}: unlabelled or untested control: ${b}`);
    const out = join(outDir, name);
    await page.screenshot({ path: out, fullPage });
    console.log(`wrote ${out}`);
  };

  // Before any dataset: the empty states.
  await page.emulateMedia({ colorScheme: 'light' });
  for (const [view, empty] of [
    ['costs', 'costs-empty'],
    ['recommendations', 'recs-empty'],
    ['datasets', 'datasets-empty'],
  ] as const) {
    await page.goto(`${url}/#/${view}`);
    await page.locator('[data-testid="live-status"][data-state="live"]').waitFor();
    await page.getByTestId(empty).waitFor();
    await shot(`${view}-empty.png`, false);
  }

  const owners = ['data-platform', 'ml-team', 'finance', null];
  const names = [
    'clickstream-2026',
    'ml-features',
    'billing-archive',
    'sensor-raw',
    'logs-q3',
    'video-edits',
  ];
  const ids: number[] = [];
  for (const [i, name] of names.entries()) {
    const root = join(fast, name);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'part-0.bin'), randomFillSync(Buffer.alloc(64 * 1024)));
    const d = await core.datasets.create({
      name,
      path_uri: pathToFileURL(root).href,
      owner: owners[i % owners.length] ?? null,
    });
    // Catalog sizes (not the bytes on disk) make the cost chart readable.
    core.datasets.patch(d.id, { size_bytes: (i + 1) * 180 * 1024 ** 3, object_count: (i + 1) * 2000 });
    ids.push(d.id);
  }
  for (let i = 0; i < 124; i++) {
    const name = `archive-${String(i).padStart(3, '0')}`;
    const root = join(archive, name);
    mkdirSync(root, { recursive: true });
    await core.datasets.create({
      name,
      path_uri: pathToFileURL(root).href,
      current_tier: i % 5 === 0 ? 'warm' : 'cold',
      size_bytes: ((i % 17) + 1) * 40 * 1024 ** 3,
      object_count: (i + 1) * 120,
      owner: owners[i % owners.length] ?? null,
    });
  }
  const now = Date.now();
  // Recent reads for three datasets (they stay hot); the rest are idle (recommended colder).
  await core.telemetry.ingest(
    ids.slice(0, 3).flatMap((id, k) =>
      Array.from({ length: 150 }, (_, i) => ({
        dataset_id: id,
        op: i % 7 === 0 ? ('write' as const) : ('read' as const),
        size_bytes: 65536,
        client_lat_ms: 8,
        ts: i < 5 ? now - i * 1000 : now - Math.floor(((i * (k + 1) * 7919) % 350) * 60_000),
      })),
    ),
  );
  core.placement.createPolicy({
    name: 'features stay hot',
    kind: 'pin',
    dataset_id: ids[1] as number,
    params: { tier: 'hot' },
  });
  core.placement.recommend();
  core.jobs.plan({ dataset_id: ids[4] as number, target_location: 'nas-archive', storage_class: 'archive' });
  const stopped = core.jobs.plan({
    dataset_id: ids[0] as number,
    target_location: 'nas-archive',
    storage_class: 'standard',
  });
  core.jobs.cancel(stopped.job_id);

  // Opening the app after the seeding: the store's last-access times are read on load (an
  // access event marks sparklines stale but does not resend each dataset).
  await page.reload();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${url}/#/recommendations`);
    await page.locator('[data-testid="live-status"][data-state="live"]').waitFor();
    await page.getByTestId('recs-table').waitFor();
    await page.locator('[data-testid^="rec-savings-"][data-status="ready"]').first().waitFor();
    await page.waitForTimeout(500);
    await shot(`recommendations-${scheme}.png`);

    await page.getByTestId('nav-costs').click();
    await page.getByTestId('costs-chart-today').waitFor();
    await page.getByTestId('activity-chart').waitFor();
    await page.waitForTimeout(400);
    await shot(`costs-${scheme}.png`);

    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('datasets-table').waitFor();
    await shot(`datasets-${scheme}.png`);

    await page.goto(`${url}/#/datasets?id=${ids[0]}`);
    await page.getByTestId('dataset-usage-chart').waitFor();
    await page.locator('[data-testid^="replica-"]').first().waitFor();
    await page.waitForTimeout(300);
    await shot(`dataset-detail-${scheme}.png`);

    await page.getByTestId('nav-settings').click();
    await page.getByTestId('locations-table').waitFor();
    await page.getByTestId('settings-version').filter({ hasNotText: '…' }).waitFor();
    await shot(`settings-${scheme}.png`);
  }

  // Interactions, light.
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByTestId('location-test-nvme-fast').click();
  await page.getByTestId('location-test-result-nvme-fast').waitFor();
  await page.getByTestId('location-test-minio-lake').click();
  await page.getByTestId('location-test-result-minio-lake').waitFor({ timeout: 30_000 });
  await page.getByTestId('location-add-toggle').click();
  await page.getByTestId('location-form-id').fill('Bad Id');
  await page.getByTestId('location-form-uri').fill('s3://bucket/p');
  await page.getByTestId('location-form-submit').click();
  await page.getByTestId('field-error-id').waitFor();
  await shot('settings-test-and-form-error.png');

  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('datasets-search').fill('ml-team');
  await page.getByTestId('datasets-sort-size_bytes').click();
  await page.waitForTimeout(200);
  await shot('datasets-search-sorted.png');
  await page.getByTestId('datasets-search').fill('');
  await page.getByTestId('datasets-next').click();
  await page.waitForTimeout(200);
  await shot('datasets-page-2.png', false);

  await page.goto(`${url}/#/datasets?id=${ids[2]}`);
  await page.getByTestId('dataset-edit-slo').fill('-5');
  await page.getByTestId('dataset-edit-save').click();
  await page.getByTestId('field-error-latency_slo_ms').waitFor();
  await shot('dataset-edit-error.png', false);

  await page.getByTestId('nav-recommendations').click();
  await page.locator('[data-testid^="rec-apply-"]').first().click();
  await page.getByTestId('migration-estimate').waitFor();
  await page.waitForTimeout(300);
  await shot('recommendations-apply.png', false);
} finally {
  await demo.close();
}
demo.failOnProblems();
