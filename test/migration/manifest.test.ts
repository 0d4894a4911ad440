import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Manifest } from '../../core/migration/manifest.ts';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';

/** A job row to hang a manifest on (the manifest's foreign key). */
function insertJob(t: TempCore, datasetId: number): string {
  const id = randomUUID();
  t.core.db
    .prepare(
      `INSERT INTO migration_jobs (job_id, job_key, dataset_id, source_uri, dest_uri, dest_location_id,
         dest_storage_class, dest_tier, status, submitted_at, updated_at)
       VALUES (?, ?, ?, 'file:///a', 'file:///b', 't', 'standard', 'hot', 'copying', 0, 0)`,
    )
    .run(id, id, datasetId);
  return id;
}

describe('manifest at scale', () => {
  let t: TempCore;
  beforeEach(() => {
    t = tempCore();
    mkdirSync(`${t.store}/d`, { recursive: true });
  });
  afterEach(() => t.cleanup());

  it('writes a long listing page by page, then totals and pages agree over more than one aggregate page', async () => {
    const ds = await t.core.datasets.create({ name: 'd', path_uri: t.uri('d') });
    const m = new Manifest(t.core.db, insertJob(t, ds.id));
    const n = 120_001;
    async function* listing() {
      for (let i = 0; i < n; i++) yield { key: `k${String(i).padStart(7, '0')}`, size: i % 7 };
    }
    await m.write(listing());
    expect(m.isWritten()).toBe(true);
    const bytes = Array.from({ length: n }, (_, i) => i % 7).reduce((a, b) => a + b, 0);
    expect(await m.totals()).toEqual({ objects: n, bytes, objectsDone: 0, bytesDone: 0 });
    const job = t.core.db.prepare('SELECT objects_total, bytes_total FROM migration_jobs').get();
    expect(job).toEqual({ objects_total: n, bytes_total: bytes });

    // Mark a sparse few copied: a filtered page walk finds exactly them, in key order.
    for (const i of [5, 60_000, 120_000]) m.markCopied(`k${String(i).padStart(7, '0')}`, 'AAAAAA==');
    const copied: string[] = [];
    for await (const r of m.each(['copied'])) copied.push(r.rel_path);
    expect(copied).toEqual(['k0000005', 'k0060000', 'k0120000']);
    const t2 = await m.totals();
    expect(t2.objectsDone).toBe(3);
    expect(t2.bytesDone).toBe((5 % 7) + (60_000 % 7) + (120_000 % 7));
  });
});
