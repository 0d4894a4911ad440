import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Tier } from '../../core/contracts/common.ts';
import type { CreateCoreOptions } from '../../core/create-core.ts';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';

export const GiB = 2 ** 30;

/**
 * A core with three local locations: "fast" (hot) and "archive" (warm, cold) in eu-west-1,
 * "us" (warm, cold, cheaper) in us-east-1. The engine's own refresh and auto-apply's timer
 * are off: tests drive them.
 */
export function policyCore(options: CreateCoreOptions = {}): TempCore & {
  addDataset(d: { name: string; location: string; tier: Tier; gib: number; owner?: string }): Promise<number>;
} {
  const t = tempCore({
    ...options,
    placement: { refreshIntervalMs: 0, retrainIntervalMs: 0, ...options.placement },
    autoApplyIntervalMs: 0,
  });
  const root = (id: string) => join(t.dir, 'roots', id);
  const uri = (id: string) => pathToFileURL(root(id)).href;
  for (const id of ['fast', 'archive', 'us']) mkdirSync(root(id), { recursive: true });
  t.core.locations.create({
    id: 'fast',
    uri: uri('fast'),
    region: 'eu-west-1',
    tiers: { hot: { storage_class: 'standard', price_per_gb_month: 0.1 } },
  });
  t.core.locations.create({
    id: 'archive',
    uri: uri('archive'),
    region: 'eu-west-1',
    tiers: {
      warm: { storage_class: 'standard', price_per_gb_month: 0.03 },
      cold: { storage_class: 'archive', price_per_gb_month: 0.01 },
    },
  });
  t.core.locations.create({
    id: 'us',
    uri: uri('us'),
    region: 'us-east-1',
    tiers: {
      warm: { storage_class: 'standard', price_per_gb_month: 0.02 },
      cold: { storage_class: 'archive', price_per_gb_month: 0.004 },
    },
  });
  return {
    ...t,
    async addDataset(d) {
      const dir = join(root(d.location), d.name);
      mkdirSync(dir, { recursive: true });
      const ds = await t.core.datasets.create({
        name: d.name,
        path_uri: pathToFileURL(dir).href,
        current_tier: d.tier,
        size_bytes: Math.round(d.gib * GiB),
        object_count: 1,
        ...(d.owner ? { owner: d.owner } : {}),
      });
      return ds.id;
    },
  };
}
