import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { TopicName } from '../contracts/kafka-messages.ts';
import type { KafkaLink } from './kafka-link.ts';

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Writes the messages that must reach Kafka into the `outbox` table. `add` is called
 * inside the caller's transaction, so a message exists exactly when the change it
 * reports committed. Disabled (a no-op) while Kafka is not configured.
 */
export class Outbox {
  private readonly insert;
  private wakeRelay: (() => void) | undefined;

  constructor(
    readonly db: Db,
    /** Who the messages come from: "control-plane" or a worker id; event ids start with it. */
    readonly producer: string,
    readonly enabled: boolean,
  ) {
    this.insert = db.prepare(
      'INSERT INTO outbox (topic, msg_key, value_json, created_at) VALUES (?, ?, ?, ?)',
    );
    // The SQL trigger that writes recommendations' rows follows the same switch.
    db.prepare('UPDATE kafka_outbox_config SET enabled = ?, producer = ? WHERE id = 1').run(
      enabled ? 1 : 0,
      producer,
    );
  }

  /** A unique event id of this producer, for consumers to dedupe on. */
  eventId(): string {
    return `${this.producer}:${randomUUID()}`;
  }

  /** Queues one message; call inside the transaction that made the change. */
  add(topic: TopicName, key: string | number, value: object): void {
    if (!this.enabled) return;
    this.insert.run(topic, String(key), JSON.stringify(value), Date.now());
    this.notify();
  }

  /** Queues many messages of one topic in one transaction (REST ingest with Kafka on). */
  addMany(topic: TopicName, items: readonly { key: string | number; value: object }[]): void {
    if (!this.enabled) return;
    const now = Date.now();
    this.db.transaction(() => {
      for (const m of items) this.insert.run(topic, String(m.key), JSON.stringify(m.value), now);
    })();
    this.notify();
  }

  onAdded(wake: () => void): void {
    this.wakeRelay = wake;
  }

  pending(): number {
    return this.db.prepare('SELECT count(*) FROM outbox WHERE delivered_at IS NULL').pluck().get() as number;
  }

  private notify(): void {
    const wake = this.wakeRelay;
    // After the current transaction has had the chance to commit.
    if (wake) setImmediate(wake);
  }
}

interface OutboxRow {
  id: number;
  topic: TopicName;
  msg_key: string | null;
  value_json: string;
}

export interface RelayOptions {
  /** Rows per send (default 1000). */
  batch?: number;
  /** Delivered rows are deleted after this long (default 60 s). */
  keepDeliveredMs?: number;
  /** First and longest wait between attempts while the broker is down. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * Publishes outbox rows in id order through the idempotent producer, marks them
 * delivered, and deletes delivered rows after a while. While the broker is down it backs
 * off (doubling up to maxBackoffMs) and tries again: the app keeps working, messages wait.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private backoff: number;
  private lastPrune = 0;
  private readonly opts: Required<RelayOptions>;

  constructor(
    private readonly outbox: Outbox,
    private readonly link: KafkaLink,
    private readonly logger: Logger,
    private readonly metrics: Metrics | undefined,
    options: RelayOptions = {},
  ) {
    this.opts = {
      batch: options.batch ?? 1000,
      keepDeliveredMs: options.keepDeliveredMs ?? 60_000,
      minBackoffMs: options.minBackoffMs ?? 250,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
    };
    this.backoff = this.opts.minBackoffMs;
    outbox.onAdded(() => this.wake());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Resolves once nothing is pending (tests, shutdown with a deadline). */
  async drained(timeoutMs = 30_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.outbox.pending() === 0) return true;
      this.wake();
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.outbox.pending() === 0;
  }

  private async run(): Promise<void> {
    const db = this.outbox.db;
    const next = db.prepare(
      `SELECT id, topic, msg_key, value_json FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT ?`,
    );
    const markSent = db.prepare(
      'UPDATE outbox SET delivered_at = ?, attempts = attempts + 1 WHERE id >= ? AND id <= ? AND delivered_at IS NULL',
    );
    const markFailed = db.prepare(
      'UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id >= ? AND id <= ? AND delivered_at IS NULL',
    );
    while (this.running) {
      const rows = next.all(this.opts.batch) as OutboxRow[];
      if (!rows.length) {
        this.prune();
        await this.idle(1000);
        continue;
      }
      const first = rows[0]!.id;
      const last = rows[rows.length - 1]!.id;
      try {
        await this.send(rows);
        markSent.run(Date.now(), first, last);
        this.metrics?.inc(
          'datamotion_outbox_delivered_total',
          'Outbox messages delivered to Kafka',
          rows.length,
        );
        this.link.ok();
        this.backoff = this.opts.minBackoffMs;
      } catch (e) {
        const text = errorText(e);
        markFailed.run(text.slice(0, 1000), first, last);
        this.link.failed(e);
        this.logger.warn(
          { pending: this.outbox.pending(), retry_in_ms: this.backoff, err: text },
          'outbox relay: Kafka unreachable, messages wait in the outbox',
        );
        await this.link.resetProducer();
        // New rows do not cut the backoff short: only stop() does.
        await this.idle(this.backoff, false);
        this.backoff = Math.min(this.opts.maxBackoffMs, this.backoff * 2);
      }
    }
  }

  /** One request per topic, rows in id order (kafkajs keeps the order within a partition). */
  private async send(rows: OutboxRow[]): Promise<void> {
    const producer = await this.link.producer();
    const byTopic = new Map<string, { key: string | null; value: string }[]>();
    for (const r of rows) {
      const topic = this.link.topic(r.topic);
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ key: r.msg_key, value: r.value_json });
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  private prune(): void {
    const now = Date.now();
    if (now - this.lastPrune < 5_000) return;
    this.lastPrune = now;
    this.outbox.db
      .prepare('DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?')
      .run(now - this.opts.keepDeliveredMs);
  }

  private idle(ms: number, wakeable = true): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const running = () => this.running;
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = wakeable
        ? done
        : () => {
            if (!running()) done();
          };
    });
  }
}
