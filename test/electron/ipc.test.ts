import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ipcHandlers, toIpcError } from '../../electron/ipc.ts';
import { IPC_CHANNELS } from '../../core/contracts/client.ts';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';

// electron/ipc.ts imports only Electron's types, so its handler map runs under plain Node.
describe('IPC handlers (no Electron binary needed)', () => {
  let t: TempCore;
  beforeEach(() => {
    t = tempCore();
  });
  afterEach(() => t.cleanup());

  it('covers every channel of the contract', () => {
    expect(Object.keys(ipcHandlers(t.core)).sort()).toEqual([...IPC_CHANNELS].sort());
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

const require = createRequire(import.meta.url);
const electronBinary = (() => {
  try {
    const p = require('electron') as unknown as string;
    return existsSync(p) ? p : null;
  } catch {
    return null;
  }
})();

describe.skipIf(!electronBinary)('Electron window', () => {
  it('needs the Electron binary, which this machine cannot download (ELECTRON_SKIP_BINARY_DOWNLOAD=1): skipped', () => {
    expect(electronBinary).not.toBeNull();
  });
});
