import type { Db } from '../db/database.ts';

/** Tags of datasets, for selectors (select.tags); written with PUT /datasets/{id}/tags. */
export class DatasetTags {
  constructor(private readonly db: Db) {}

  /** Every dataset's tags, by dataset id. */
  all(): Map<number, Record<string, string>> {
    const out = new Map<number, Record<string, string>>();
    const rows = this.db.prepare('SELECT dataset_id, key, value FROM dataset_tags ORDER BY key').all() as {
      dataset_id: number;
      key: string;
      value: string;
    }[];
    for (const r of rows) {
      const tags = out.get(r.dataset_id) ?? {};
      tags[r.key] = r.value;
      out.set(r.dataset_id, tags);
    }
    return out;
  }

  of(datasetId: number): Record<string, string> {
    const rows = this.db
      .prepare('SELECT key, value FROM dataset_tags WHERE dataset_id = ? ORDER BY key')
      .all(datasetId) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  /** Replaces a dataset's tags, in one transaction. */
  replace(datasetId: number, tags: Record<string, string>): Record<string, string> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM dataset_tags WHERE dataset_id = ?').run(datasetId);
      const put = this.db.prepare('INSERT INTO dataset_tags (dataset_id, key, value) VALUES (?, ?, ?)');
      for (const [k, v] of Object.entries(tags)) put.run(datasetId, k, v);
    })();
    return this.of(datasetId);
  }
}
