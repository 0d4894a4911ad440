import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempCore, writeTree, type TempCore } from '../helpers/temp-core.ts';
import { DataMotionError } from '../../core/errors.ts';

describe('catalog', () => {
  let t: TempCore;
  beforeEach(() => {
    t = tempCore();
  });
  afterEach(() => t.cleanup());

  const expectError = async (fn: () => unknown, code: string, field: string) => {
    let err: unknown;
    try {
      await fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataMotionError);
    expect((err as DataMotionError).code).toBe(code);
    expect((err as DataMotionError).field).toBe(field);
    return err as DataMotionError;
  };

  it('scans size and object count of a real folder when not given, and records a primary replica', async () => {
    writeTree(join(t.store, 'sales'), { 'a.csv': 1000, 'sub/b.csv': 2500, 'sub/deeper/c.bin': 0 });
    const ds = await t.core.datasets.create({ name: 'sales', path_uri: t.uri('sales') });
    expect(ds).toMatchObject({ size_bytes: 3500, object_count: 3, location: 't', current_tier: 'hot' });
    expect(ds.replicas).toEqual([
      expect.objectContaining({ role: 'primary', uri: ds.path_uri, location: 't' }),
    ]);
  });

  it('keeps the size the client gave', async () => {
    writeTree(join(t.store, 'x'), { a: 10 });
    const ds = await t.core.datasets.create({ name: 'x', path_uri: t.uri('x'), size_bytes: 1048576 });
    expect(ds.size_bytes).toBe(1048576);
  });

  it('refuses paths outside every location, including .. and symlink escapes', async () => {
    const outside = join(t.dir, 'outside');
    writeTree(outside, { f: 1 });
    await expectError(
      () => t.core.datasets.create({ name: 'o', path_uri: pathToFileURL(outside).href }),
      'outside_location',
      'body.path_uri',
    );
    await expectError(
      () => t.core.datasets.create({ name: 'o', path_uri: `${pathToFileURL(t.store).href}/../outside` }),
      'outside_location',
      'body.path_uri',
    );
    await expectError(
      () => t.core.datasets.create({ name: 'o', path_uri: `${pathToFileURL(t.store).href}/%2e%2e/outside` }),
      'outside_location',
      'body.path_uri',
    );
    symlinkSync(outside, join(t.store, 'link'));
    const e = await expectError(
      () => t.core.datasets.create({ name: 'o', path_uri: t.uri('link') }),
      'outside_location',
      'body.path_uri',
    );
    expect(e.message).toContain('not inside any configured location');
    expect(t.core.datasets.list()).toEqual([]);
  });

  it('refuses other schemes, a location root itself, missing folders and overlapping datasets', async () => {
    await expectError(
      () => t.core.datasets.create({ name: 'a', path_uri: 's3://b/k' }),
      'invalid_input',
      'body.path_uri',
    );
    await expectError(
      () => t.core.datasets.create({ name: 'a', path_uri: 'not a uri' }),
      'invalid_input',
      'body.path_uri',
    );
    await expectError(
      () => t.core.datasets.create({ name: 'a', path_uri: pathToFileURL(t.store).href }),
      'outside_location',
      'body.path_uri',
    );
    await expectError(
      () => t.core.datasets.create({ name: 'a', path_uri: t.uri('missing') }),
      'invalid_input',
      'body.path_uri',
    );
    mkdirSync(join(t.store, 'p/q'), { recursive: true });
    await t.core.datasets.create({ name: 'p', path_uri: t.uri('p') });
    await expectError(
      () => t.core.datasets.create({ name: 'q', path_uri: t.uri('p/q') }),
      'conflict',
      'body.path_uri',
    );
    await expectError(
      () => t.core.datasets.create({ name: 'p', path_uri: t.uri('p/q') }),
      'conflict',
      'body.path_uri',
    );
    expect(t.core.datasets.list()).toHaveLength(1);
  });

  it('validates input by the contract and names the field', async () => {
    mkdirSync(join(t.store, 'v'));
    await expectError(() => t.core.datasets.create({ path_uri: t.uri('v') }), 'invalid_input', 'body.name');
    await expectError(
      () => t.core.datasets.create({ name: 'v', path_uri: t.uri('v'), size_bytes: -1 }),
      'invalid_input',
      'body.size_bytes',
    );
    await expectError(
      () => t.core.datasets.create({ name: 'v', path_uri: t.uri('v'), colour: 'red' }),
      'invalid_input',
      'body.colour',
    );
    await expectError(
      () => t.core.datasets.create({ name: 'v', path_uri: t.uri('v'), size_bytes: '12' }),
      'invalid_input',
      'body.size_bytes',
    );
  });

  it('patches fields but never path_uri, and 404s unknown ids', async () => {
    mkdirSync(join(t.store, 'v'));
    const ds = await t.core.datasets.create({ name: 'v', path_uri: t.uri('v') });
    const patched = t.core.datasets.patch(ds.id, { owner: 'ops', latency_slo_ms: 50 });
    expect(patched).toMatchObject({ owner: 'ops', latency_slo_ms: 50, path_uri: ds.path_uri });
    await expectError(
      () => t.core.datasets.patch(ds.id, { path_uri: t.uri('elsewhere') }),
      'invalid_input',
      'body.path_uri',
    );
    await expectError(() => t.core.datasets.patch(999, { owner: 'x' }), 'not_found', 'id');
    await expectError(() => t.core.datasets.patch(ds.id, {}), 'invalid_input', 'body');
  });

  it('refuses locations that overlap an existing one', async () => {
    await expectError(
      () => t.core.locations.create({ id: 'inner', uri: pathToFileURL(join(t.store, 'inner')).href }),
      'conflict',
      'body.uri',
    );
    const other = t.core.locations.create({
      id: 'cold',
      uri: pathToFileURL(join(t.dir, 'cold')).href,
      tiers: { cold: { storage_class: 'archive', price_per_gb_month: 0.004 } },
    });
    expect(other.tiers.cold?.storage_class).toBe('archive');
    expect(t.core.locations.tierFor(other, 'archive', undefined, 'f')).toBe('cold');
    await expectError(
      () => t.core.locations.tierFor(other, 'standard', undefined, 'body.storage_class'),
      'invalid_input',
      'body.storage_class',
    );
  });
});
