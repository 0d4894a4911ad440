import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Db } from '../db/database.ts';
import type { ObjectInfo, UploadCheckpoint, UploadState } from '../storage/driver.ts';

export type ObjectState = 'pending' | 'copied' | 'verified' | 'mismatch';

export interface ManifestRow {
  rel_path: string;
  size_bytes: number;
  src_crc32c: string | null;
  dst_crc32c: string | null;
  state: ObjectState;
  copy_count: number;
}

export interface ManifestTotals {
  objects: number;
  bytes: number;
  /** Objects recorded copied or verified, and their bytes. */
  objectsDone: number;
  bytesDone: number;
}

/** Rows per insert transaction and per read page: each takes a few milliseconds. */
export const PAGE = 2000;
/** Rows per aggregate query in totals(): ~10 ms each. */
const TOTALS_PAGE = 50_000;

/**
 * The list of a job's objects (job_objects). It is what makes a job resumable: each
 * object's state is committed as soon as it changes, so a restart knows exactly which
 * objects are already safe at the destination. It is written and read in pages, in key
 * order (SQLite's BINARY collation is the UTF-8 byte order the drivers list in), so a
 * million objects never sit in memory and no transaction holds the event loop for long.
 */
export class Manifest {
  constructor(
    private readonly db: Db,
    readonly jobId: string,
  ) {}

  /** True once the whole source listing is recorded. */
  isWritten(): boolean {
    const row = this.db.prepare('SELECT listed_at FROM migration_jobs WHERE job_id = ?').get(this.jobId) as
      { listed_at: number | null } | undefined;
    return row?.listed_at != null;
  }

  /** True when any row exists (a cancel must clean up even a half-written listing's copies). */
  hasRows(): boolean {
    return !!this.db.prepare('SELECT 1 FROM job_objects WHERE job_id = ? LIMIT 1').get(this.jobId);
  }

  /**
   * Records a source listing page by page, yielding between pages, then marks it complete
   * with the job's totals. A listing a crash interrupted is discarded and done again.
   */
  async write(objects: AsyncIterable<ObjectInfo>, signal?: AbortSignal): Promise<void> {
    this.drop();
    const insert = this.db.prepare(
      `INSERT INTO job_objects (job_id, rel_path, size_bytes, state, copy_count, updated_at)
       VALUES (?, ?, ?, 'pending', 0, ?)`,
    );
    const flush = this.db.transaction((page: ObjectInfo[]) => {
      const now = Date.now();
      for (const o of page) insert.run(this.jobId, o.key, o.size, now);
    });
    let page: ObjectInfo[] = [];
    let count = 0;
    let bytes = 0;
    for await (const o of objects) {
      signal?.throwIfAborted();
      page.push(o);
      count++;
      bytes += o.size;
      if (page.length >= PAGE) {
        flush(page);
        page = [];
        await yieldToLoop();
      }
    }
    flush(page);
    // The totals were counted while listing: no scan of a million rows to learn them.
    this.db
      .prepare(
        `UPDATE migration_jobs SET listed_at = ?, objects_total = ?, bytes_total = ?, objects_done = 0,
           bytes_done = 0, updated_at = ? WHERE job_id = ?`,
      )
      .run(Date.now(), count, bytes, Date.now(), this.jobId);
  }

  /**
   * Rows in key order, a page at a time (keyset paging: rows may change state meanwhile).
   * Each query reads at most `size` rows whatever the filter, so a sparse filter (the last
   * pending objects among a million copied) never turns one query into a full scan.
   */
  async *pages(states?: readonly ObjectState[], size = PAGE): AsyncGenerator<ManifestRow[]> {
    const stmt = this.db.prepare(
      `SELECT rel_path, size_bytes, src_crc32c, dst_crc32c, state, copy_count FROM job_objects
       WHERE job_id = ? AND rel_path > ? ORDER BY rel_path LIMIT ?`,
    );
    const wanted = states ? new Set(states) : undefined;
    let after = '';
    for (;;) {
      const rows = stmt.all(this.jobId, after, size) as ManifestRow[];
      if (!rows.length) return;
      after = (rows[rows.length - 1] as ManifestRow).rel_path;
      const kept = wanted ? rows.filter((r) => wanted.has(r.state)) : rows;
      if (kept.length) yield kept;
      if (rows.length < size) return;
      await yieldToLoop();
    }
  }

  /** Rows one by one in key order (see pages()). */
  async *each(states?: readonly ObjectState[]): AsyncGenerator<ManifestRow> {
    for await (const page of this.pages(states)) yield* page;
  }

  /**
   * Counts and bytes, in total and done (copied or verified), summed over pages of rows with
   * a yield between pages: over a million rows one aggregate query holds the loop ~0.2 s.
   */
  async totals(): Promise<ManifestTotals> {
    const page = this.db.prepare(
      `SELECT count(*) AS n, max(rel_path) AS last, coalesce(sum(size_bytes), 0) AS bytes,
         coalesce(sum(state IN ('copied', 'verified')), 0) AS done,
         coalesce(sum(CASE WHEN state IN ('copied', 'verified') THEN size_bytes ELSE 0 END), 0) AS doneBytes
       FROM (SELECT rel_path, size_bytes, state FROM job_objects WHERE job_id = ? AND rel_path > ?
             ORDER BY rel_path LIMIT ?)`,
    );
    const t: ManifestTotals = { objects: 0, bytes: 0, objectsDone: 0, bytesDone: 0 };
    let after = '';
    for (;;) {
      const r = page.get(this.jobId, after, TOTALS_PAGE) as {
        n: number;
        last: string | null;
        bytes: number;
        done: number;
        doneBytes: number;
      };
      t.objects += r.n;
      t.bytes += r.bytes;
      t.objectsDone += r.done;
      t.bytesDone += r.doneBytes;
      if (r.n < TOTALS_PAGE || r.last === null) return t;
      after = r.last;
      await yieldToLoop();
    }
  }

  /** Makes the job row's counters agree with the manifest (the manifest is the truth after a crash). */
  async syncJobTotals(): Promise<ManifestTotals> {
    const t = await this.totals();
    this.db
      .prepare(
        `UPDATE migration_jobs SET objects_total = ?, bytes_total = ?, objects_done = ?, bytes_done = ?,
           updated_at = ? WHERE job_id = ?`,
      )
      .run(t.objects, t.bytes, t.objectsDone, t.bytesDone, Date.now(), this.jobId);
    return t;
  }

  markCopied(key: string, srcCrc32c: string): void {
    this.db
      .prepare(
        `UPDATE job_objects SET state = 'copied', src_crc32c = ?, dst_crc32c = NULL,
           copy_count = copy_count + 1, updated_at = ? WHERE job_id = ? AND rel_path = ?`,
      )
      .run(srcCrc32c, Date.now(), this.jobId, key);
  }

  markChecked(key: string, dstCrc32c: string | null, ok: boolean): void {
    this.db
      .prepare(
        `UPDATE job_objects SET state = ?, dst_crc32c = ?, updated_at = ? WHERE job_id = ? AND rel_path = ?`,
      )
      .run(ok ? 'verified' : 'mismatch', dstCrc32c, Date.now(), this.jobId, key);
  }

  /** Sends objects back to 'pending' so that the next copy pass copies them again. */
  reset(keys: readonly string[]): void {
    const stmt = this.db.prepare(
      `UPDATE job_objects SET state = 'pending', dst_crc32c = NULL, updated_at = ? WHERE job_id = ? AND rel_path = ?`,
    );
    this.db.transaction(() => {
      const now = Date.now();
      for (const k of keys) stmt.run(now, this.jobId, k);
    })();
  }

  /** Where the driver keeps an object's upload progress: one row, saved after each part. */
  checkpoint(key: string): UploadCheckpoint {
    const { db, jobId } = this;
    return {
      load: () => {
        const row = db
          .prepare('SELECT state_json FROM job_uploads WHERE job_id = ? AND rel_path = ?')
          .get(jobId, key) as { state_json: string } | undefined;
        return row ? (JSON.parse(row.state_json) as UploadState) : undefined;
      },
      save: (state) => {
        db.prepare(
          `INSERT INTO job_uploads (job_id, rel_path, state_json, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (job_id, rel_path) DO UPDATE SET state_json = excluded.state_json, updated_at = excluded.updated_at`,
        ).run(jobId, key, JSON.stringify(state), Date.now());
      },
      clear: () => {
        db.prepare('DELETE FROM job_uploads WHERE job_id = ? AND rel_path = ?').run(jobId, key);
      },
    };
  }

  /** Upload ids this job can still resume: a partial-upload sweep must spare them. */
  uploadIds(): Set<string> {
    const rows = this.db
      .prepare('SELECT state_json FROM job_uploads WHERE job_id = ?')
      .pluck()
      .all(this.jobId) as string[];
    return new Set(rows.map((r) => (JSON.parse(r) as UploadState).uploadId));
  }

  /** Forgets the manifest and its upload checkpoints (after a cancel removed what the job wrote). */
  drop(): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM job_objects WHERE job_id = ?').run(this.jobId);
      this.db.prepare('DELETE FROM job_uploads WHERE job_id = ?').run(this.jobId);
      this.db.prepare('UPDATE migration_jobs SET listed_at = NULL WHERE job_id = ?').run(this.jobId);
    })();
  }
}
