import { kafkaFromEnv, parseBrokers, type KafkaSettings } from '../bus/kafka-config.ts';

export interface KafkaArgs {
  'kafka-brokers'?: string;
  'kafka-topic-prefix'?: string;
  'kafka-client-id'?: string;
}

export const KAFKA_OPTIONS = {
  'kafka-brokers': { type: 'string' },
  'kafka-topic-prefix': { type: 'string' },
  'kafka-client-id': { type: 'string' },
} as const;

export const KAFKA_USAGE = `[--kafka-brokers HOST:PORT[,…]] [--kafka-topic-prefix P] [--kafka-client-id ID]`;

/** Kafka from the flags over DATAMOTION_KAFKA_* (SASL and TLS come from the environment only). */
export function kafkaFromArgs(args: KafkaArgs, env: NodeJS.ProcessEnv = process.env): KafkaSettings | null {
  const over: Partial<KafkaSettings> = {};
  if (args['kafka-brokers'] !== undefined)
    over.brokers = parseBrokers(args['kafka-brokers'], '--kafka-brokers');
  if (args['kafka-topic-prefix'] !== undefined) over.topicPrefix = args['kafka-topic-prefix'];
  if (args['kafka-client-id'] !== undefined) over.clientId = args['kafka-client-id'];
  return kafkaFromEnv(env, over) ?? null;
}
