import type { Db } from '../db/database.ts';
import type { ObjectInfo } from '../storage/driver.ts';

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

/**
 * The list of a job's objects (job_objects), written once when copying starts. It is
 * what makes a job resumable: each object's state is committed as soon as it changes,
 * so a restart knows exactly which objects are already safe at the destination.
 */
export class Manifest {
  constructor(
    private readonly db: Db,
    readonly jobId: string,
  ) {}

  isWritten(): boolean {
    return !!this.db.prepare('SELECT 1 FROM job_objects WHERE job_id = ? LIMIT 1').get(this.jobId);
  }

  /** Records the source listing and the job's totals in one transaction. */
  write(objects: ObjectInfo[]): void {
    const now = Date.now();
    this.db.transaction(() => {
      const insert = this.db.prepare(
        `INSERT INTO job_objects (job_id, rel_path, size_bytes, state, copy_count, updated_at)
         VALUES (?, ?, ?, 'pending', 0, ?)`,
      );
      for (const o of objects) insert.run(this.jobId, o.key, o.size, now);
      this.syncJobTotals();
    })();
  }

  rows(states?: readonly ObjectState[]): ManifestRow[] {
    const filter = states ? `AND state IN (${states.map(() => '?').join(',')})` : '';
    return this.db
      .prepare(
        `SELECT rel_path, size_bytes, src_crc32c, dst_crc32c, state, copy_count FROM job_objects
         WHERE job_id = ? ${filter} ORDER BY rel_path`,
      )
      .all(this.jobId, ...(states ?? [])) as ManifestRow[];
  }

  totals(): ManifestTotals {
    const t = this.db
      .prepare(
        `SELECT count(*) AS objects, coalesce(sum(size_bytes), 0) AS bytes,
           coalesce(sum(state IN ('copied', 'verified')), 0) AS objectsDone,
           coalesce(sum(CASE WHEN state IN ('copied', 'verified') THEN size_bytes ELSE 0 END), 0) AS bytesDone
         FROM job_objects WHERE job_id = ?`,
      )
      .get(this.jobId) as ManifestTotals;
    return t;
  }

  /** Makes the job row's counters agree with the manifest (the manifest is the truth after a crash). */
  syncJobTotals(): ManifestTotals {
    const t = this.totals();
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

  /** Forgets the manifest (after a cancel removed what the job wrote). */
  drop(): void {
    this.db.prepare('DELETE FROM job_objects WHERE job_id = ?').run(this.jobId);
  }
}
