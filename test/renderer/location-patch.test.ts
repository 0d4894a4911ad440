import { describe, expect, it } from 'vitest';
import type { Location } from '../../core/contracts/locations.ts';
import { toEditForm, toLocationPatch } from '../../renderer/views/settings/location-patch.ts';

// The Settings edit form sends only what changed: a PATCH never restates the untouched fields.
const location = (over: Partial<Location> = {}): Location => ({
  id: 'bucket',
  uri: 's3://bucket/data',
  kind: 's3',
  endpoint: 'http://minio:9000',
  region: 'us-east-1',
  project: null,
  credentials_ref: null,
  has_credentials: true,
  tiers: {
    hot: { storage_class: 'STANDARD', price_per_gb_month: 0.023 },
    cold: { storage_class: 'GLACIER', price_per_gb_month: 0.004 },
  },
  created_at: '2026-01-01T00:00:00Z',
  ...over,
});

describe('toLocationPatch', () => {
  it('is empty when nothing changed', () => {
    const l = location();
    expect(toLocationPatch(l, toEditForm(l))).toEqual({});
  });

  it('sends the whole tier map when one price changed, and nothing else', () => {
    const l = location();
    const f = toEditForm(l);
    f.tiers.hot.price = '0.03';
    expect(toLocationPatch(l, f)).toEqual({
      tiers: {
        hot: { storage_class: 'STANDARD', price_per_gb_month: 0.03 },
        cold: { storage_class: 'GLACIER', price_per_gb_month: 0.004 },
      },
    });
  });

  it('leaves out an unticked tier; an emptied field is null; a set one is trimmed', () => {
    const l = location();
    const f = toEditForm(l);
    f.tiers.cold.on = false;
    f.endpoint = '';
    f.credentialsRef = ' env:MINIO ';
    expect(toLocationPatch(l, f)).toEqual({
      endpoint: null,
      credentials_ref: 'env:MINIO',
      tiers: { hot: { storage_class: 'STANDARD', price_per_gb_month: 0.023 } },
    });
  });

  it('sends credentials only when filled, null when forgotten', () => {
    const l = location();
    const f = toEditForm(l);
    f.accessKeyId = 'AKIA';
    f.secretAccessKey = 'secret';
    expect(toLocationPatch(l, f)).toEqual({
      credentials: { access_key_id: 'AKIA', secret_access_key: 'secret' },
    });
    f.forgetCredentials = true;
    expect(toLocationPatch(l, f)).toEqual({ credentials: null });
  });

  it('never sends connection fields for a file location; a bad price goes as typed', () => {
    const l = location({ kind: 'file', uri: 'file:///srv/fast', endpoint: null, region: null });
    const f = toEditForm(l);
    f.endpoint = 'http://x';
    f.tiers.hot.price = 'cheap';
    expect(toLocationPatch(l, f)).toEqual({
      tiers: {
        hot: { storage_class: 'STANDARD', price_per_gb_month: 'cheap' },
        cold: { storage_class: 'GLACIER', price_per_gb_month: 0.004 },
      },
    });
  });

  it('refuses a service-account key that is not JSON', () => {
    const l = location({ kind: 'gs', uri: 'gs://b', endpoint: null, region: null });
    const f = toEditForm(l);
    f.serviceAccount = '{not json';
    expect(toLocationPatch(l, f)).toHaveProperty('parseError');
  });
});
