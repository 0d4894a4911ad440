// Bad input in a form shows the server's words next to the field, and good input then works.
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

    const good = { id: 'cold-store', uri: pathToFileURL(join(env.root('fast'), '..', 'cold-store')).href };
    await settings.submitLocation(good);
    await settings.added().waitFor();
    await settings.location('cold-store').waitFor();
    await shell.go('map');
    await new MapPage(env.page).cell('cold-store', 'hot').waitFor();
  });
});
