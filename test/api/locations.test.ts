import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTree } from '../helpers/temp-core.ts';
import { apiFixture, type ApiFixture } from './api-fixture.ts';

describe('PATCH /locations/{id}', () => {
  let f: ApiFixture;
  beforeEach(async () => {
    f = await apiFixture();
  });
  afterEach(() => f.close());

  const patch = (id: string, payload: object) =>
    f.inject({ method: 'PATCH', url: `/locations/${id}`, payload });

  it('Autoclass: one tier of a gs:// location, refused elsewhere or beside other tiers, naming the field; nothing half-applied', async () => {
    const auto = { storage_class: 'AUTOCLASS', price_per_gb_month: 0.02 };
    const post = (payload: object) => f.inject({ method: 'POST', url: '/locations', payload });
    const refusals: [object, string, RegExp][] = [
      [
        {
          id: 'a1',
          uri: 'gs://lake-ac',
          tiers: { hot: { storage_class: 'STANDARD', price_per_gb_month: 0.02 }, warm: auto },
        },
        'body.tiers.hot.storage_class',
        /gives every object its class itself/,
      ],
      [
        { id: 'a2', uri: 's3://lake-ac', tiers: { warm: auto } },
        'body.tiers.warm.storage_class',
        /INTELLIGENT_TIERING/,
      ],
      [
        { id: 'a3', uri: pathToFileURL(join(f.dir, 'ac')).href, tiers: { warm: auto } },
        'body.tiers.warm.storage_class',
        /gs:\/\/ locations only/,
      ],
    ];
    for (const [payload, field, message] of refusals) {
      const res = await post(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_input', field });
      expect(res.json().message).toMatch(message);
    }
    expect(
      (await f.inject({ method: 'GET', url: '/locations' })).json().map((l: { id: string }) => l.id),
    ).not.toEqual(expect.arrayContaining(['a1', 'a2', 'a3']));
    expect(existsSync(join(f.dir, 'ac')), 'a refused file location creates no folder').toBe(false);
    const created = await post({
      id: 'ac',
      uri: 'gs://lake-ac',
      tiers: { warm: { ...auto, storage_class: 'autoclass_archive' } },
    });
    expect(created.statusCode).toBe(201);
    const mixed = await patch('ac', {
      tiers: { warm: auto, cold: { storage_class: 'COLDLINE', price_per_gb_month: 0.004 } },
    });
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json()).toMatchObject({ field: 'body.tiers.cold.storage_class' });
    const kept = (await f.inject({ method: 'GET', url: '/locations' }))
      .json()
      .find((l: { id: string }) => l.id === 'ac');
    expect(kept.tiers).toEqual({ warm: { storage_class: 'autoclass_archive', price_per_gb_month: 0.02 } });
  });

  it('changes prices and connection settings, rotates write-only credentials, never returns them', async () => {
    const created = await f.inject({
      method: 'POST',
      url: '/locations',
      payload: { id: 'lake', uri: 's3://lake/data', endpoint: 'http://127.0.0.1:9' },
    });
    expect(created.statusCode).toBe(201);
    const tiers = {
      hot: { storage_class: 'STANDARD', price_per_gb_month: 0.02 },
      cold: { storage_class: 'GLACIER_IR', price_per_gb_month: 0.003 },
    };
    const res = await patch('lake', {
      tiers,
      region: 'eu-west-1',
      credentials: { access_key_id: 'AKIAEXAMPLE', secret_access_key: 'rotated-secret-value' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      id: 'lake',
      uri: 's3://lake/data',
      region: 'eu-west-1',
      has_credentials: true,
      tiers,
    });
    expect(res.body).not.toContain('rotated-secret-value');
    const forgot = await patch('lake', { credentials: null, endpoint: null });
    expect(forgot.json()).toMatchObject({ has_credentials: false, endpoint: null });
  });

  it('refuses what would break the catalog or does not apply, and changes nothing', async () => {
    writeTree(`${f.store}/d`, { 'a.bin': 10 });
    const ds = await f.inject({
      method: 'POST',
      url: '/datasets',
      payload: { name: 'd', path_uri: f.uri('d') },
    });
    expect(ds.statusCode).toBe(201);
    const before = (await f.inject({ method: 'GET', url: '/locations' })).body;
    // The dataset is hot at "t": a tier map without hot would strand it.
    const stranded = await patch('t', {
      tiers: { cold: { storage_class: 'standard', price_per_gb_month: 0.01 } },
    });
    expect(stranded.statusCode).toBe(409);
    expect(stranded.json()).toMatchObject({ field: 'body.tiers.hot' });
    const endpoint = await patch('t', { endpoint: 'http://127.0.0.1:9' });
    expect(endpoint.json()).toMatchObject({ field: 'body.endpoint' });
    expect((await patch('t', { uri: 'file:///elsewhere' })).json()).toMatchObject({ field: 'body.uri' });
    expect((await patch('t', {})).statusCode).toBe(400);
    expect((await patch('nope', { region: 'x' })).statusCode).toBe(404);
    expect((await f.inject({ method: 'GET', url: '/locations' })).body).toBe(before);
    // Raising a price is fine and the estimate uses it at once.
    const priced = await patch('t', {
      tiers: { hot: { storage_class: 'standard', price_per_gb_month: 0.5 } },
    });
    expect(priced.statusCode, priced.body).toBe(200);
  });
});
