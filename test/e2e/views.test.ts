// Costs and Datasets over an operator-like catalog: the numbers are there, search finds,
// and the dataset edit form shows the server's error next to the name.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { E2E } from './support/e2e-env.ts';
import { seedCatalog, type Catalog } from './support/catalog.ts';
import { AppShell } from './pages/app-shell.ts';
import { DatasetsPage } from './pages/datasets-page.ts';
import { MapPage } from './pages/map-page.ts';

describe('costs and datasets', () => {
  let env: E2E;
  let catalog: Catalog;
  let shell: AppShell;
  beforeAll(async () => {
    env = await E2E.start();
    catalog = await seedCatalog(env);
    shell = new AppShell(env.page);
  });
  afterEach(() => {
    expect(env.problems.unexpected()).toEqual([]);
  });
  afterAll(async () => {
    await env?.close();
  });

  it("prices every location's tiers today and after the open recommendations", async () => {
    // Recommendations exist once computed (as the placement loop or "Recompute now" does).
    await env.api.call('GET', '/recommendations?refresh=true');
    await shell.open(env.server.url, 'costs');
    await env.page.getByTestId('costs-row-fast').waitFor();
    await env.page.getByTestId('costs-chart-today').waitFor();
    // 1.2 TB + 420 GB hot at $0.10, 80 GB warm at $0.03, 900 GB cold at $0.01 (GiB-months).
    expect(await env.page.getByTestId('costs-total-today').textContent()).toMatch(/^\$17\d\.\d\d/);
    // ml-features to warm saves more than reports-2025 to hot costs: the total goes down.
    expect(await env.page.getByTestId('costs-delta').getAttribute('class')).toContain('cost-down');
    await env.shots.lightAndDark('costs');
  });

  it('shows recommendations and access on the map cards', async () => {
    const map = new MapPage(env.page);
    await shell.go('map');
    await map.recBadge(catalog.features.id).waitFor();
    // Read 5 minutes ago and nothing since: the cost engine moves it colder (warm or cold,
    // by its forecast at the moment it refreshes); the card shows what the engine stored.
    const stored = async () =>
      (
        await env.api.call<{ recommended_tier: string }[]>(
          'GET',
          `/recommendations?dataset_id=${catalog.features.id}&refresh=false`,
        )
      )[0]?.recommended_tier;
    await expect
      .poll(async () => [await map.recBadge(catalog.features.id).textContent(), `→ ${await stored()}`])
      .toSatisfy(([shown, api]) => shown === api);
    expect(['→ warm', '→ cold']).toContain(await map.recBadge(catalog.features.id).textContent());
    expect(await map.recBadge(catalog.clickstream.id).count()).toBe(0);
    await env.page.getByTestId(`sparkline-${catalog.clickstream.id}`).waitFor();
    await env.shots.lightAndDark('map');
  });

  it("finds a dataset, and its edit form shows the server's error next to the name", async () => {
    const datasets = new DatasetsPage(env.page);
    await shell.go('datasets');
    await datasets.row(catalog.ledger.id).waitFor();
    await env.shots.lightAndDark('datasets');
    await datasets.search('ledger');
    await expect.poll(() => datasets.rows().count()).toBe(1);

    await datasets.openDetail(catalog.ledger.id);
    env.problems.expect(/status of 400/);
    await datasets.rename('ledger/2019');
    await datasets.fieldError('name').waitFor();
    expect(await datasets.fieldError('name').textContent()).toMatch(/name/i);
    await env.shots.lightAndDark('dataset-detail');
  });
});
