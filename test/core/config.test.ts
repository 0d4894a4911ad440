import { isAbsolute } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDataDir, resolveConfig } from '../../core/config.ts';

describe('config', () => {
  const saved = { xdg: process.env.XDG_DATA_HOME, dir: process.env.DATAMOTION_DATA_DIR };
  afterEach(() => {
    process.env.XDG_DATA_HOME = saved.xdg;
    process.env.DATAMOTION_DATA_DIR = saved.dir;
    if (saved.xdg === undefined) delete process.env.XDG_DATA_HOME;
    if (saved.dir === undefined) delete process.env.DATAMOTION_DATA_DIR;
  });

  it('never resolves the data folder to a relative path, even with an empty XDG_DATA_HOME', () => {
    delete process.env.DATAMOTION_DATA_DIR;
    process.env.XDG_DATA_HOME = '';
    expect(isAbsolute(defaultDataDir())).toBe(true);
    expect(defaultDataDir()).toMatch(/\.local\/share\/datamotion$/);
  });

  it('embedded defaults: two file locations under the data folder and the seed thresholds', () => {
    const c = resolveConfig({ dataDir: '/tmp/dm-config-test' });
    expect(c.dbFile).toBe('/tmp/dm-config-test/datamotion.db');
    expect(c.locations.map((l) => [l.id, l.uri])).toEqual([
      ['local-fast', 'file:///tmp/dm-config-test/storage/fast'],
      ['local-archive', 'file:///tmp/dm-config-test/storage/archive'],
    ]);
    expect(c.recency).toEqual({ hot_max_age_s: 60, warm_max_age_s: 600 });
  });
});
