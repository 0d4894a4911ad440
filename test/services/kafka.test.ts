// @needs kafka
// Proves the broker from `npm run dev:kafka` is a real Kafka: kafkajs admin,
// producer and a consumer group, and kcat (librdkafka) reading the same log.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeWithService } from '../helpers/services.ts';

const run = promisify(execFile);
const COUNT = 1_000;

describeWithService('kafka', 'Kafka broker', (kafka) => {
  const topic = `smoke-${randomUUID()}`;
  const groupId = `smoke-group-${randomUUID()}`;
  let client: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    client = new Kafka({ clientId: 'services-smoke', brokers: [kafka.endpoint], logLevel: logLevel.NOTHING });
    admin = client.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
  });

  test('kafkajs creates a topic, produces and consumes 1,000 messages in a group; kcat reads them back', async () => {
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    expect(created).toBe(true);
    expect(await admin.listTopics()).toContain(topic);

    const sent = Array.from({ length: COUNT }, (_, i) => JSON.stringify({ dataset_id: i, op: 'read' }));
    const producer = client.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, messages: sent.map((value, i) => ({ key: String(i % 10), value })) });
    await producer.disconnect();

    const received: string[] = [];
    const consumer = client.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            received.push(message.value?.toString('utf8') ?? '');
            if (received.length === COUNT) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect([...received].sort()).toEqual([...sent].sort());

    // The group committed its position: the broker's own record of consumption.
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets?.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(COUNT);

    const { stdout } = await run(
      'kcat',
      ['-b', kafka.endpoint, '-C', '-t', topic, '-o', 'beginning', '-e', '-q'],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const viaKcat = stdout.split('\n').filter((line) => line !== '');
    expect(viaKcat.sort()).toEqual([...sent].sort());
  });
});
