import {
  Kafka,
  Partitioners,
  logLevel,
  type Consumer,
  type ConsumerConfig,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import type { Logger } from '../logger.ts';
import { TOPICS, type TopicName } from '../contracts/kafka-messages.ts';
import { describeKafka, kafkaJsConfig, topicName, type KafkaSettings } from './kafka-config.ts';

export interface KafkaHealth {
  enabled: true;
  connected: boolean;
  brokers: string[];
  topic_prefix: string;
  last_error: string | null;
  last_ok_at: string | null;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** kafkajs logs through our logger: warnings and errors only, its chatter stays out. */
function logCreator(logger: Logger) {
  return () =>
    ({ level, label, log }: LogEntry) => {
      const { message, ...rest } = log;
      // Expected while the broker is down; /health and the relay's backoff say it once.
      if (/Connection error|ECONNREFUSED|Crash: KafkaJSNumberOfRetriesExceeded/.test(String(message))) return;
      if (/Limiting retries for the idempotent producer/.test(String(message))) return;
      // Retriable answers kafkajs retries itself (a topic just created, a leader moving).
      const error = String((rest as { error?: unknown }).error ?? '');
      if (/not the leader|no leader|LEADER_NOT_AVAILABLE|coordinator is (not available|loading)/i.test(error))
        return;
      const entry = { kafka: label, ...rest };
      if (level <= logLevel.ERROR) logger.error(entry, `kafka: ${message}`);
      else logger.warn(entry, `kafka: ${message}`);
    };
}

/**
 * One connection to the cluster: topics created at start, one idempotent producer that
 * the outbox relay and the dead-letter writer share, consumers on demand, and what
 * /health says about the broker.
 */
export class KafkaLink {
  readonly kafka: Kafka;
  private producerPromise: Promise<Producer> | undefined;
  private lastError: string | null = null;
  private lastOk: number | null = null;
  private connected = false;
  private readonly consumers = new Set<Consumer>();
  private closed = false;

  constructor(
    readonly settings: KafkaSettings,
    private readonly logger: Logger,
  ) {
    this.kafka = new Kafka({
      ...kafkaJsConfig(settings),
      logLevel: logLevel.WARN,
      logCreator: logCreator(logger),
    });
  }

  topic(name: TopicName): string {
    return topicName(this.settings, name);
  }

  /** Creates the missing topics (partitions and replication factor from the settings). */
  async ensureTopics(): Promise<string[]> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const missing = TOPICS.map((t) => this.topic(t)).filter((t) => !existing.has(t));
      if (missing.length) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: this.settings.partitions,
            replicationFactor: this.settings.replicationFactor,
          })),
        });
        this.logger.info({ topics: missing }, 'kafka: topics created');
      }
      this.ok();
      return missing;
    } catch (e) {
      this.failed(e);
      throw e;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * The idempotent producer: acks from all in-sync replicas, one request in flight, so
   * what it sends lands once and in order. Retries are bounded so a dead broker surfaces
   * as an error the relay backs off from (a later redelivery is deduped by consumers).
   */
  producer(): Promise<Producer> {
    this.producerPromise ??= (async () => {
      const p = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        // murmur2 on the key, as Java clients partition: one dataset's messages share a partition.
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
        retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
      });
      await p.connect();
      return p;
    })();
    const current = this.producerPromise;
    current.catch(() => {
      if (this.producerPromise === current) this.producerPromise = undefined;
    });
    return current;
  }

  /**
   * Drops the producer after a failed send: a fresh one gets a new producer id, so the
   * broker never refuses it for a sequence gap the failure left.
   */
  async resetProducer(): Promise<void> {
    const p = this.producerPromise;
    this.producerPromise = undefined;
    if (p) await p.then((x) => x.disconnect()).catch(() => undefined);
  }

  consumer(config: ConsumerConfig): Consumer {
    const c = this.kafka.consumer({
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.settings.sessionTimeoutMs / 10)),
      ...config,
    });
    c.on(c.events.CRASH, (e) => this.failed(e.payload.error));
    c.on(c.events.FETCH, () => this.ok());
    this.consumers.add(c);
    return c;
  }

  /**
   * Keeps a consumer alive: kafkajs restarts it after retriable failures itself, but an
   * error it deems final (one thrown by our own batch code, say) would stop consumption
   * for good. Such a crash is logged and the consumer started again with backoff.
   */
  supervise(c: Consumer, start: () => Promise<void>, name: string): void {
    let wait = 1000;
    c.on(c.events.CRASH, (e) => {
      if (e.payload.restart || this.closed) return;
      this.logger.error(
        { consumer: name, err: errorText(e.payload.error), retry_in_ms: wait },
        'kafka: consumer stopped; restarting it',
      );
      const again = () => {
        if (this.closed) return;
        start().then(
          () => (wait = 1000),
          (err: unknown) => {
            this.failed(err);
            wait = Math.min(30_000, wait * 2);
            setTimeout(again, wait).unref();
          },
        );
      };
      setTimeout(again, wait).unref();
    });
  }

  ok(): void {
    this.connected = true;
    this.lastOk = Date.now();
  }

  failed(e: unknown): void {
    this.connected = false;
    this.lastError = errorText(e);
  }

  health(): KafkaHealth {
    const d = describeKafka(this.settings);
    return {
      enabled: true,
      connected: this.connected,
      brokers: d.brokers as string[],
      topic_prefix: this.settings.topicPrefix,
      last_error: this.lastError,
      last_ok_at: this.lastOk === null ? null : new Date(this.lastOk).toISOString(),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    await this.resetProducer();
  }
}
