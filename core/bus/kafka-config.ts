import { readFileSync } from 'node:fs';
import type { KafkaConfig as KafkaJsConfig, SASLOptions } from 'kafkajs';
import { invalid } from '../errors.ts';
import type { TopicName } from '../contracts/kafka-messages.ts';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** Kafka is off unless brokers are configured; the in-process bus is the default. */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Put in front of every topic name (empty by default: the seed's names). */
  topicPrefix: string;
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** true = TLS with the system CAs; an object adds a CA file (PEM). */
  ssl?: boolean | { caFile?: string; rejectUnauthorized?: boolean };
  /** Topics created at start when missing. */
  partitions: number;
  replicationFactor: number;
  /** A consumer that sends no heartbeat this long is dead and its partitions move (ms). */
  sessionTimeoutMs: number;
}

export const DEFAULT_KAFKA: Omit<KafkaSettings, 'brokers'> = {
  clientId: 'datamotion',
  topicPrefix: '',
  partitions: 12,
  replicationFactor: 1,
  sessionTimeoutMs: 30_000,
};

const BROKER = /^[A-Za-z0-9.[\]:_-]+:\d{1,5}$/;

/** "a:9092,b:9092" → ['a:9092','b:9092'], each checked; `field` names the flag or variable. */
export function parseBrokers(text: string, field: string): string[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!list.length) throw invalid(field, 'names no broker; give host:port[,host:port…]');
  for (const b of list) {
    if (!BROKER.test(b)) throw invalid(field, `"${b}" is not host:port`);
  }
  return list;
}

function positiveInt(text: string | undefined, field: string, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw invalid(field, `must be a positive integer, not "${text}"`);
  return n;
}

/**
 * The Kafka settings from the environment (DATAMOTION_KAFKA_*), overridden by `over`
 * (CLI flags, tests). Undefined when no broker is named: Kafka stays off.
 */
export function kafkaFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  over: Partial<KafkaSettings> = {},
): KafkaSettings | undefined {
  const brokers =
    over.brokers ??
    (env.DATAMOTION_KAFKA_BROKERS
      ? parseBrokers(env.DATAMOTION_KAFKA_BROKERS, 'DATAMOTION_KAFKA_BROKERS')
      : undefined);
  if (!brokers?.length) return undefined;
  const mechanism = env.DATAMOTION_KAFKA_SASL_MECHANISM;
  let sasl = over.sasl;
  if (!sasl && mechanism) {
    if (!['plain', 'scram-sha-256', 'scram-sha-512'].includes(mechanism)) {
      throw invalid(
        'DATAMOTION_KAFKA_SASL_MECHANISM',
        `"${mechanism}" is not one of plain, scram-sha-256, scram-sha-512`,
      );
    }
    const username = env.DATAMOTION_KAFKA_SASL_USERNAME;
    const password = env.DATAMOTION_KAFKA_SASL_PASSWORD;
    if (!username || password === undefined) {
      throw invalid(
        'DATAMOTION_KAFKA_SASL_USERNAME',
        'SASL needs DATAMOTION_KAFKA_SASL_USERNAME and DATAMOTION_KAFKA_SASL_PASSWORD',
      );
    }
    sasl = { mechanism: mechanism as SaslMechanism, username, password };
  }
  const tls = env.DATAMOTION_KAFKA_TLS;
  const caFile = env.DATAMOTION_KAFKA_TLS_CA_FILE;
  const ssl = over.ssl ?? (caFile ? { caFile } : tls === '1' || tls === 'true' ? true : undefined);
  return {
    brokers,
    clientId: over.clientId ?? env.DATAMOTION_KAFKA_CLIENT_ID ?? DEFAULT_KAFKA.clientId,
    topicPrefix: over.topicPrefix ?? env.DATAMOTION_KAFKA_TOPIC_PREFIX ?? DEFAULT_KAFKA.topicPrefix,
    ...(sasl ? { sasl } : {}),
    ...(ssl !== undefined ? { ssl } : {}),
    partitions:
      over.partitions ??
      positiveInt(env.DATAMOTION_KAFKA_PARTITIONS, 'DATAMOTION_KAFKA_PARTITIONS', DEFAULT_KAFKA.partitions),
    replicationFactor:
      over.replicationFactor ??
      positiveInt(
        env.DATAMOTION_KAFKA_REPLICATION_FACTOR,
        'DATAMOTION_KAFKA_REPLICATION_FACTOR',
        DEFAULT_KAFKA.replicationFactor,
      ),
    sessionTimeoutMs:
      over.sessionTimeoutMs ??
      positiveInt(
        env.DATAMOTION_KAFKA_SESSION_TIMEOUT_MS,
        'DATAMOTION_KAFKA_SESSION_TIMEOUT_MS',
        DEFAULT_KAFKA.sessionTimeoutMs,
      ),
  };
}

/** The wire name of a logical topic. */
export const topicName = (s: Pick<KafkaSettings, 'topicPrefix'>, topic: TopicName): string =>
  `${s.topicPrefix}${topic}`;

/** kafkajs client options; the password is only ever handed to kafkajs. */
export function kafkaJsConfig(s: KafkaSettings): KafkaJsConfig {
  const ssl =
    typeof s.ssl === 'object'
      ? {
          rejectUnauthorized: s.ssl.rejectUnauthorized ?? true,
          ...(s.ssl.caFile ? { ca: [readFileSync(s.ssl.caFile, 'utf8')] } : {}),
        }
      : s.ssl;
  return {
    clientId: s.clientId,
    brokers: s.brokers,
    ...(ssl !== undefined ? { ssl } : {}),
    ...(s.sasl ? { sasl: s.sasl as SASLOptions } : {}),
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
  };
}

/** What /health and logs may show: never the password. */
export function describeKafka(s: KafkaSettings): Record<string, unknown> {
  return {
    brokers: s.brokers,
    client_id: s.clientId,
    topic_prefix: s.topicPrefix,
    sasl: s.sasl ? s.sasl.mechanism : null,
    tls: !!s.ssl,
  };
}
