// A recommendation applied: the placement rules (no access → cold) recommend moving a hot
// dataset; Apply opens the move dialog at the place the view chose, and the move completes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { E2E } from './support/e2e-env.ts';
import { seedCatalog, type Catalog } from './support/catalog.ts';
import { AppShell } from './pages/app-shell.ts';
import { MapPage } from './pages/map-page.ts';
import { QueuePage } from './pages/queue-page.ts';
import { RecommendationsPage } from './pages/recommendations-page.ts';

describe('recommendations: apply one', () => {
  let env: E2E;
  let catalog: Catalog;
  let shell: AppShell;
  let recs: RecommendationsPage;
  beforeAll(async () => {
    env = await E2E.start();
    catalog = await seedCatalog(env);
    shell = new AppShell(env.page);
    recs = new RecommendationsPage(env.page);
  });
  afterEach(() => {
    expect(env.problems.unexpected()).toEqual([]);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('recommends cold for a hot dataset nobody reads, and applying it moves the dataset there', async () => {
    const { billing } = catalog;
    await shell.open(env.server.url, 'recommendations');
    await recs.recompute();

    await recs.row(billing.id).waitFor();
    // fast offers no cold tier: the view picks the same provider's archive.
    expect(await recs.target(billing.id).textContent()).toMatch(/cold.*archive · archive/);
    expect(await recs.reasons(billing.id).textContent()).not.toBe('');
    expect(await recs.savings(billing.id)).toMatch(/\$/);
    // The busy dataset is where it belongs: nothing to recommend.
    expect(await recs.row(catalog.clickstream.id).count()).toBe(0);
    await env.shots.lightAndDark('recommendations');

    const dialog = await recs.apply(billing.id);
    await dialog.estimated();
    expect(await dialog.byTestId('migration-target').textContent()).toMatch(/archive.*cold/);
    const jobId = await dialog.confirm();
    await dialog.done();

    await shell.go('queue');
    await new QueuePage(env.page).waitFor(jobId, 'completed');
    await shell.go('map');
    await new MapPage(env.page).cardIn(billing.id, 'archive', 'cold').waitFor();
    // Applied: recomputed, the dataset is where the rules want it.
    await shell.go('recommendations');
    await recs.recompute();
    expect(await recs.row(billing.id).count()).toBe(0);
  });
});
