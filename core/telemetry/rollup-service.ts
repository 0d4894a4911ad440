import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Db } from '../db/database.ts';
import { MAX_SAFE } from '../contracts/common.ts';
import { AGGREGATE_MERGE_SQL } from './aggregate.ts';

const HOUR_S = 3_600;
const DAY_S = 86_400;
/** Source buckets rolled up per transaction: one slice of time at a time keeps each commit short. */
const SLICE_S = 6 * HOUR_S;

export interface RetentionSettings {
  minuteRetentionDays: number;
  hourRetentionDays: number;
  dayRetentionDays: number;
}

export interface RollupResult {
  minute_rows_rolled: number;
  hour_rows_rolled: number;
  day_rows_deleted: number;
}

const SUMS = `sum(read_count), sum(write_count), min(sum(bytes_read), ${MAX_SAFE}),
  min(sum(bytes_written), ${MAX_SAFE}), sum(lat_sum_ms), sum(lat_count), max(lat_max_ms), max(last_access_ts)`;
const UPSERT = `ON CONFLICT (dataset_id, granularity, bucket_start) DO UPDATE SET ${AGGREGATE_MERGE_SQL}`;

/**
 * Retention of access aggregates: minute buckets older than their retention are summed
 * into hour rollups and deleted, hours into days, and days past theirs are deleted, so the
 * tables stay bounded for years of events. Each slice is one transaction (move and delete
 * together: a crash leaves every event counted once) and the loop yields between slices.
 */
export class RollupService {
  constructor(
    private readonly db: Db,
    private readonly settings: RetentionSettings,
  ) {}

  async run(now = Date.now()): Promise<RollupResult> {
    const nowS = Math.floor(now / 1000);
    const minuteCut = Math.floor((nowS - this.settings.minuteRetentionDays * DAY_S) / HOUR_S) * HOUR_S;
    const hourCut = Math.floor((nowS - this.settings.hourRetentionDays * DAY_S) / DAY_S) * DAY_S;
    const minute = await this.roll(
      'SELECT min(bucket_start) FROM access_aggregates',
      minuteCut,
      HOUR_S,
      (from, to) =>
        this.db
          .prepare(
            `INSERT INTO access_rollups (dataset_id, granularity, bucket_start, read_count, write_count, bytes_read,
               bytes_written, lat_sum_ms, lat_count, lat_max_ms, last_access_ts)
             SELECT dataset_id, ${HOUR_S}, (bucket_start / ${HOUR_S}) * ${HOUR_S}, ${SUMS}
             FROM access_aggregates WHERE bucket_start >= ? AND bucket_start < ?
             GROUP BY dataset_id, bucket_start / ${HOUR_S} ${UPSERT}`,
          )
          .run(from, to),
      (from, to) =>
        this.db
          .prepare('DELETE FROM access_aggregates WHERE bucket_start >= ? AND bucket_start < ?')
          .run(from, to).changes,
    );
    const hour = await this.roll(
      `SELECT min(bucket_start) FROM access_rollups WHERE granularity = ${HOUR_S}`,
      hourCut,
      DAY_S,
      (from, to) =>
        this.db
          .prepare(
            `INSERT INTO access_rollups (dataset_id, granularity, bucket_start, read_count, write_count, bytes_read,
               bytes_written, lat_sum_ms, lat_count, lat_max_ms, last_access_ts)
             SELECT dataset_id, ${DAY_S}, (bucket_start / ${DAY_S}) * ${DAY_S}, ${SUMS}
             FROM access_rollups WHERE granularity = ${HOUR_S} AND bucket_start >= ? AND bucket_start < ?
             GROUP BY dataset_id, bucket_start / ${DAY_S} ${UPSERT}`,
          )
          .run(from, to),
      (from, to) =>
        this.db
          .prepare(
            `DELETE FROM access_rollups WHERE granularity = ${HOUR_S} AND bucket_start >= ? AND bucket_start < ?`,
          )
          .run(from, to).changes,
    );
    const dayCut = nowS - this.settings.dayRetentionDays * DAY_S;
    const days = this.db
      .prepare(`DELETE FROM access_rollups WHERE granularity = ${DAY_S} AND bucket_start < ?`)
      .run(dayCut).changes;
    return { minute_rows_rolled: minute, hour_rows_rolled: hour, day_rows_deleted: days };
  }

  private async roll(
    oldestSql: string,
    cut: number,
    align: number,
    insert: (from: number, to: number) => unknown,
    remove: (from: number, to: number) => number,
  ): Promise<number> {
    const oldest = this.db.prepare(oldestSql).pluck().get() as number | null;
    if (oldest === null || oldest >= cut) return 0;
    let moved = 0;
    // Slices aligned to the target granularity, so one target bucket is never split.
    const slice = Math.max(align, Math.floor(SLICE_S / align) * align);
    for (let from = Math.floor(oldest / align) * align; from < cut; from += slice) {
      const to = Math.min(cut, from + slice);
      this.db.transaction(() => {
        insert(from, to);
        moved += remove(from, to);
      })();
      await yieldToLoop();
    }
    return moved;
  }
}
