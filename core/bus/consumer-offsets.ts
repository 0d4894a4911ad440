import type { Db } from '../db/database.ts';

/**
 * Where a consumer group got to, kept in SQLite and written in the same transaction as
 * what the messages changed. Kafka's committed offset may lag it (the commit happens
 * after the transaction): a message below the stored offset was applied already and is
 * skipped, so a redelivery after a crash, a rebalance or a broker outage changes nothing.
 */
export class ConsumerOffsets {
  private readonly read;
  private readonly write;

  constructor(
    db: Db,
    readonly groupId: string,
  ) {
    this.read = db
      .prepare('SELECT next_offset FROM kafka_offsets WHERE group_id = ? AND topic = ? AND partition = ?')
      .pluck();
    this.write = db.prepare(
      `INSERT INTO kafka_offsets (group_id, topic, partition, next_offset, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = excluded.next_offset,
         updated_at = excluded.updated_at`,
    );
  }

  /** The first offset not yet applied (0 when none was). */
  next(topic: string, partition: number): bigint {
    const v = this.read.get(this.groupId, topic, partition) as string | undefined;
    return v === undefined ? 0n : BigInt(v);
  }

  /** Records that everything below `nextOffset` is applied; call inside the applying transaction. */
  advance(topic: string, partition: number, nextOffset: bigint): void {
    this.write.run(this.groupId, topic, partition, nextOffset.toString(), Date.now());
  }
}
