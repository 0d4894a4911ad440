import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ipcHandlers, toIpcError } from '../../electron/ipc.ts';
import { CHANNEL_NAMES } from '../../core/contracts/channels.ts';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';

// electron/ipc.ts imports only Electron's types, so its handler map runs under plain Node.
describe('IPC handlers (no Electron binary needed)', () => {
  let t: TempCore;
  beforeEach(() => {
    t = tempCore();
  });
  afterEach(() => t.cleanup());

  it('covers every channel of the contract', () => {
    expect(Object.keys(ipcHandlers(t.core)).sort()).toEqual([...CHANNEL_NAMES].sort());
  });

  it('validates arguments with the same contracts as REST', async () => {
    const h = ipcHandlers(t.core);
    mkdirSync(join(t.store, 'd'));
    const ds = await t.core.datasets.create({ name: 'd', path_uri: t.uri('d') });
    expect(h['datasets/get'](ds.id)).toMatchObject({ name: 'd' });
    const bad = (() => {
      try {
        h['datasets/get']('1; drop table');
      } catch (e) {
        return toIpcError(e);
      }
    })();
    expect(bad).toEqual({ error: 'invalid_input', message: 'id: must be integer', field: 'id' });
    expect(() => h['jobs/get']('../../etc/passwd')).toThrow(/job_id: must match format "uuid"/);
  });
});

describe('IPC handlers derived from the channel map', () => {
  let t: TempCore;
  beforeEach(() => {
    t = tempCore();
  });
  afterEach(() => t.cleanup());

  const refused = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return toIpcError(e);
    }
    throw new Error('expected a refusal');
  };

  it('names query and body fields as REST does, and refuses extra arguments', async () => {
    const h = ipcHandlers(t.core);
    expect(refused(() => h['datasets/list']({ limit: 0 }))).toMatchObject({
      error: 'invalid_input',
      field: 'query.limit',
    });
    expect(refused(() => h['jobs/plan']({ dataset_id: 1, storage_class: 'x' }))).toMatchObject({
      error: 'invalid_input',
      field: 'body.target_location',
    });
    expect(refused(() => h['locations/list']('surprise'))).toMatchObject({
      error: 'invalid_input',
      field: 'args',
    });
    // The service's own errors keep their code and field too.
    expect(
      refused(() =>
        h['migrations/estimate']({ dataset_id: 99, target_location: 't', storage_class: 'standard' }),
      ),
    ).toMatchObject({ error: 'not_found', field: 'query.dataset_id' });
  });

  it('answers list, usage, objects and policies calls from the core', async () => {
    const h = ipcHandlers(t.core);
    mkdirSync(join(t.store, 'd'));
    const ds = await t.core.datasets.create({ name: 'd', path_uri: t.uri('d') });
    expect(h['datasets/list']()).toHaveLength(1);
    expect(h['datasets/list']({ limit: 1, offset: 1 })).toEqual([]);
    expect(h['datasets/usage'](ds.id, {})).toEqual([]);
    expect(h['locations/list']()).toMatchObject([{ id: 't' }]);
    expect(h['health']()).toMatchObject({ status: 'ok' });
    const policy = h['policies/create']({
      name: 'pin',
      kind: 'pin',
      dataset_id: ds.id,
      params: { tier: 'hot' },
    }) as {
      id: number;
    };
    expect(h['policies/list']()).toHaveLength(1);
    expect(h['policies/delete'](policy.id)).toBeNull();
    expect(
      refused(() => h['jobs/objects']('00000000-0000-4000-8000-000000000000', { state: 'verified' })),
    ).toMatchObject({ error: 'not_found' });
  });
});
