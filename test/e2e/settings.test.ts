// Bad input in a form shows the server's words next to the field, and good input then works:
// adding a location, and editing one (a new price; a tier in use that cannot be dropped).
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { E2E } from './support/e2e-env.ts';
import { AppShell } from './pages/app-shell.ts';
import { MapPage } from './pages/map-page.ts';
import { SettingsPage } from './pages/settings-page.ts';

/** What the REST API itself answers to this body: the message the form must show. */
async function serverMessage(env: E2E, body: object): Promise<string> {
  const res = await fetch(`${env.server.url}/locations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      tiers: { hot: { storage_class: 'standard', price_per_gb_month: 0.023 } },
      ...body,
    }),
  });
  expect(res.status).toBeGreaterThanOrEqual(400);
  return ((await res.json()) as { message: string }).message;
}

describe('settings: add a location', () => {
  let env: E2E;
  let shell: AppShell;
  let settings: SettingsPage;
  beforeAll(async () => {
    env = await E2E.start();
    shell = new AppShell(env.page);
    settings = new SettingsPage(env.page);
  });
  afterEach(() => {
    expect(env.problems.unexpected()).toEqual([]);
  });
  afterAll(async () => {
    await env?.close();
  });

  it("shows the server's error next to the id and the URI fields, then adds a good location", async () => {
    await shell.open(env.server.url, 'settings');
    await settings.location('fast').waitFor();
    await env.shots.lightAndDark('settings');
    await settings.openAddForm();
    // Each bad submit is a 400 the browser logs: expected, and only those.
    env.problems.expect(/status of 400/);
    env.problems.expect(/status of 409/);

    const badId = { id: 'Cold Store!', uri: pathToFileURL(join(env.root('fast'), '..', 'cold')).href };
    await settings.submitLocation(badId);
    await settings.fieldError('id').waitFor();
    expect(await settings.fieldError('id').textContent()).toContain(await serverMessage(env, badId));
    expect(await settings.form.getByTestId('location-form-id').getAttribute('aria-invalid')).toBe('true');

    // Inside an existing location: two locations may not share files.
    const inside = { id: 'cold-store', uri: pathToFileURL(join(env.root('fast'), 'nested')).href };
    await settings.submitLocation(inside);
    await settings.fieldError('uri').waitFor();
    expect(await settings.fieldError('uri').textContent()).toContain(await serverMessage(env, inside));
    expect(await settings.fieldError('id').count()).toBe(0);
    await env.shots.lightAndDark('settings-field-error');

    // A GCS bucket with Autoclass is one placement: Standard beside AUTOCLASS is refused next
    // to the class that cannot be there, and unticking it adds the location.
    await settings.setAddTier('warm', { on: true, storageClass: 'AUTOCLASS', price: '0.02' });
    const autoclass = { id: 'lake-ac', uri: 'gs://lake-ac' };
    await settings.submitLocation(autoclass);
    await settings.fieldError('tiers-hot-storage_class').waitFor();
    expect(await settings.fieldError('tiers-hot-storage_class').textContent()).toContain(
      await serverMessage(env, {
        ...autoclass,
        tiers: {
          hot: { storage_class: 'standard', price_per_gb_month: 0.023 },
          warm: { storage_class: 'AUTOCLASS', price_per_gb_month: 0.02 },
        },
      }),
    );
    await env.shots.lightAndDark('settings-autoclass-error');
    await settings.setAddTier('hot', { on: false });
    await settings.submitLocation(autoclass);
    await settings.added().waitFor();
    await settings.location('lake-ac').waitFor();

    const good = { id: 'cold-store', uri: pathToFileURL(join(env.root('fast'), '..', 'cold-store')).href };
    await settings.submitLocation(good);
    await settings.added().waitFor();
    await settings.location('cold-store').waitFor();
    await shell.go('map');
    await new MapPage(env.page).cell('cold-store', 'hot').waitFor();
  });
});

describe('settings: edit a location', () => {
  let env: E2E;
  let shell: AppShell;
  let settings: SettingsPage;
  beforeAll(async () => {
    env = await E2E.start();
    shell = new AppShell(env.page);
    settings = new SettingsPage(env.page);
  });
  afterEach(() => {
    expect(env.problems.unexpected()).toEqual([]);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('saves a new price for a tier and shows it in the table', async () => {
    await shell.open(env.server.url, 'settings');
    await settings.openEdit('fast');
    expect(await settings.editForm.getByTestId('location-edit-tier-hot-price').inputValue()).toBe('0.1');
    await settings.setTierPrice('hot', '0.125');
    await settings.saveEdit();
    await settings.saved('fast').waitFor();
    expect(await settings.editForm.count()).toBe(0);
    expect(await settings.tier('fast', 'hot').textContent()).toContain('$0.125');
    const [fast] = (await env.api.call<{ id: string; tiers: object }[]>('GET', '/locations')).filter(
      (l) => l.id === 'fast',
    );
    expect(fast?.tiers).toEqual({ hot: { storage_class: 'standard', price_per_gb_month: 0.125 } });
  });

  it("shows the server's 409 next to a tier a dataset uses when it is removed", async () => {
    await env.dataset('frozen', 'archive', { 'a.bin': 1024 }, { current_tier: 'cold' });
    env.problems.expect(/status of 409/);
    await shell.open(env.server.url, 'settings');
    await settings.openEdit('archive');
    await settings.setTierOffered('cold', false);
    await settings.saveEdit();
    const error = settings.editFieldError('tiers-cold');
    await error.waitFor();

    // The same body straight to the API: the form shows the server's own words.
    const res = await fetch(`${env.server.url}/locations/archive`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tiers: { warm: { storage_class: 'standard', price_per_gb_month: 0.03 } } }),
    });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { message: string; field: string };
    expect(body.field).toBe('body.tiers.cold');
    expect(await error.textContent()).toContain(body.message);
    expect(await settings.editForm.getByTestId('location-edit-tier-cold').getAttribute('aria-invalid')).toBe(
      'true',
    );
    await env.shots.lightAndDark('settings-edit-conflict');
    // Nothing was dropped: the table still offers cold.
    await settings.tier('archive', 'cold').waitFor();
  });
});
