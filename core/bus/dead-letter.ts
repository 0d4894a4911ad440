import type { KafkaMessage } from 'kafkajs';
import type { DeadLetterMessage } from '../contracts/kafka-messages.ts';
import type { KafkaLink } from './kafka-link.ts';

export interface Rejected {
  message: KafkaMessage;
  reason: string;
}

/**
 * Sends messages a consumer could not use to dead_letter: the original bytes (base64),
 * where they came from and why. Awaited before the consumer commits, so a rejected
 * message is never dropped silently; a redelivery may send it twice, never zero times.
 */
export async function sendDeadLetters(
  link: KafkaLink,
  group: string,
  topic: string,
  partition: number,
  rejected: readonly Rejected[],
): Promise<void> {
  if (!rejected.length) return;
  const producer = await link.producer();
  const ts = new Date().toISOString();
  await producer.send({
    topic: link.topic('dead_letter'),
    acks: -1,
    messages: rejected.map(({ message, reason }) => {
      const body: DeadLetterMessage = {
        topic,
        partition,
        offset: message.offset,
        key: message.key ? message.key.toString('utf8') : null,
        reason,
        original_base64: message.value ? message.value.toString('base64') : '',
        consumer_group: group,
        ts,
      };
      return { key: message.key, value: JSON.stringify(body) };
    }),
  });
}

/** JSON.parse of a message value, with a reason naming what is wrong when it is not JSON. */
export function parseValue(
  message: KafkaMessage,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (!message.value || message.value.length === 0)
    return { ok: false, reason: 'value: the message is empty' };
  try {
    return { ok: true, value: JSON.parse(message.value.toString('utf8')) as unknown };
  } catch (e) {
    return { ok: false, reason: `value: not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
}
