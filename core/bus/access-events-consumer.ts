import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { AccessEvent } from '../contracts/telemetry.ts';
import type { TelemetryService } from '../telemetry/telemetry-service.ts';
import { ConsumerOffsets } from './consumer-offsets.ts';
import { parseValue, sendDeadLetters, type Rejected } from './dead-letter.ts';
import type { KafkaLink } from './kafka-link.ts';

/**
 * access_events → aggregates. A consumer group reads the topic in batches; each batch is
 * checked event by event (an invalid one goes to dead_letter with the reason naming the
 * field, and the rest go on), folded into the aggregates and recorded as consumed in ONE
 * SQLite transaction, and only then are the offsets committed to Kafka. A redelivery
 * (crash between the commit and Kafka's, a rebalance) is skipped by the stored offsets:
 * every event counts once.
 */
export class AccessEventsConsumer {
  readonly groupId: string;
  private readonly consumer: Consumer;
  private readonly offsets: ConsumerOffsets;
  private readonly topic: string;
  /** Events applied and dead-lettered since start (tests, the benchmark). */
  applied = 0;
  rejected = 0;
  /**
   * Called after each committed batch with the records' produce times (Kafka CreateTime,
   * ms) and the commit time: what produce→aggregate latency is measured from.
   */
  onApplied: ((producedAt: readonly number[], appliedAt: number) => void) | undefined;

  constructor(
    private readonly link: KafkaLink,
    private readonly db: Db,
    private readonly telemetry: TelemetryService,
    private readonly logger: Logger,
  ) {
    this.groupId = `${link.settings.topicPrefix}datamotion-telemetry`;
    this.topic = link.topic('access_events');
    this.offsets = new ConsumerOffsets(db, this.groupId);
    this.consumer = link.consumer({
      groupId: this.groupId,
      // Large fetches: a batch is one transaction, so bigger batches mean fewer commits.
      maxBytesPerPartition: 4 << 20,
      maxBytes: 16 << 20,
      maxWaitTimeInMs: 100,
      // While tailing a busy topic, wait (≤ 100 ms) for a fuller fetch: fewer, larger transactions.
      minBytes: 32 * 1024,
    });
  }

  start(): Promise<void> {
    this.link.supervise(this.consumer, () => this.consume(), this.groupId);
    return this.consume();
  }

  private async consume(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.batch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  private async batch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }: EachBatchPayload) {
    const { partition } = batch;
    if (!batch.messages.length) return;
    const from = this.offsets.next(this.topic, partition);
    const now = Date.now();
    const checked: { event: AccessEvent; message: KafkaMessage }[] = [];
    const dead: Rejected[] = [];
    for (const message of batch.messages) {
      if (BigInt(message.offset) < from) continue; // applied before a redelivery
      const parsed = parseValue(message);
      if (!parsed.ok) {
        dead.push({ message, reason: parsed.reason });
        continue;
      }
      const problem = this.telemetry.checkEvent(parsed.value, 'value', now);
      if (problem) dead.push({ message, reason: problem.message });
      else {
        const event = parsed.value as AccessEvent;
        // Without a ts the event happened when it was produced (the record's timestamp), not when read.
        if (event.ts === undefined && message.timestamp) event.ts = Math.min(Number(message.timestamp), now);
        checked.push({ event, message });
      }
    }
    // Unknown datasets are refused as REST refuses them, naming the field.
    const known = this.telemetry.knownDatasets(checked.map((c) => c.event.dataset_id));
    const usable: AccessEvent[] = [];
    for (const { event, message } of checked) {
      if (known.has(event.dataset_id)) usable.push(event);
      else dead.push({ message, reason: `value.dataset_id: dataset ${event.dataset_id} does not exist` });
    }
    await sendDeadLetters(this.link, this.groupId, this.topic, partition, dead);
    await heartbeat();
    const last = BigInt(batch.lastOffset());
    let touched: number[] = [];
    if (last >= from) {
      touched = this.db.transaction(() => {
        const ids = usable.length ? this.telemetry.applyInTransaction(usable, now) : [];
        this.offsets.advance(this.topic, partition, last + 1n);
        return ids;
      })();
    }
    if (this.onApplied) {
      const at = Date.now();
      this.onApplied(
        checked.map((c) => Number(c.message.timestamp)),
        at,
      );
    }
    this.applied += usable.length;
    this.rejected += dead.length;
    if (usable.length) this.telemetry.announce(usable.length, touched);
    if (dead.length) {
      this.logger.warn(
        { topic: this.topic, partition, rejected: dead.length, first: dead[0]?.reason },
        'access_events: invalid messages sent to dead_letter',
      );
    }
    resolveOffset(batch.lastOffset());
    await commitOffsetsIfNecessary();
  }
}
