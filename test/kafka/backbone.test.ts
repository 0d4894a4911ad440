// @needs kafka
// The control plane on a real broker: access events from any producer counted once, bad
// ones dead-lettered with their reason and bytes, the outbox carrying plans, transitions
// and recommendations, and the migration_status consumer applying a worker's reports
// through the lifecycle table (duplicates and out-of-order messages change nothing).
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { Producer } from 'kafkajs';
import { describeWithService } from '../helpers/services.ts';
import { buildServer } from '../../core/api/server.ts';
import { MetricsPublisher } from '../../core/bus/metrics-publisher.ts';
import {
  MIXED_TREE,
  hashTree,
  migrationEnv,
  waitForJob,
  writeRandomTree,
  type MigrationEnv,
} from '../fixtures/migration-env.ts';
import type { KafkaSettings } from '../../core/bus/kafka-config.ts';
import type {
  MetricsMessage,
  DeadLetterMessage,
  MigrationJobMessage,
  MigrationStatusMessage,
} from '../../core/contracts/kafka-messages.ts';
import { client, counted, json, kafkaSettings, readTopic, waitUntil } from './kafka-kit.ts';

describeWithService('kafka', 'Kafka backbone (control plane)', (kafka) => {
  let env: MigrationEnv;
  let settings: KafkaSettings;
  let producer: Producer;

  async function open(moverMember: boolean) {
    settings = kafkaSettings(kafka.endpoint);
    env = await migrationEnv({ kafka: settings, mover: { enabled: moverMember } as never });
    await env.core.kafka?.ready();
    producer = client(kafka.endpoint).producer();
    await producer.connect();
  }
  const topic = (name: string) => `${settings.topicPrefix}${name}`;

  /** True once the control plane's stored offsets reach the end of every partition of `t`. */
  async function consumedAll(t: string): Promise<boolean> {
    const admin = client(kafka.endpoint).admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(t);
      const stored = env.core.db
        .prepare('SELECT partition, CAST(next_offset AS INTEGER) AS n FROM kafka_offsets WHERE topic = ?')
        .all(t) as { partition: number; n: number }[];
      return ends.every(
        (p) => Number(p.offset) === (stored.find((s) => s.partition === p.partition)?.n ?? 0),
      );
    } finally {
      await admin.disconnect();
    }
  }

  beforeEach(() => {
    settings = undefined as never;
  });
  afterEach(async () => {
    await producer?.disconnect();
    await env?.cleanup();
  });

  async function dataset(name = 'sales') {
    const src = join(env.fast, name);
    writeRandomTree(src, MIXED_TREE);
    return { src, ds: await env.core.datasets.create({ name, path_uri: env.uri(src) }) };
  }

  test('events from a plain producer and from REST are counted once; poison goes to dead_letter and the consumer lives', async () => {
    await open(false);
    const { ds } = await dataset();
    // A fresh broker's first group join may fail once (coordinator loading); kafkajs restarts it.
    const h = await waitUntil('the broker connection', () => {
      const now = env.core.kafka!.health();
      return now.connected && now;
    });
    // GET /health says the same to an operator.
    const app = await buildServer(env.core);
    try {
      const res = await app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: 'ok',
        kafka: { enabled: true, connected: true, started: true, brokers: [kafka.endpoint], mover: 'off' },
      });
    } finally {
      await app.close();
    }
    expect(h).toMatchObject({
      enabled: true,
      connected: true,
      started: true,
      topic_prefix: settings.topicPrefix,
    });

    const valid = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        key: String(ds.id),
        value: JSON.stringify({
          dataset_id: ds.id,
          op: i % 3 ? 'read' : 'write',
          size_bytes: 100,
          client_lat_ms: 2,
        }),
      }));
    const poison = [
      { key: 'x', value: 'this is not json' },
      { key: String(ds.id), value: JSON.stringify({ dataset_id: ds.id, op: 'delete' }) },
      { key: '999', value: JSON.stringify({ dataset_id: 999_999, op: 'read' }) },
    ];
    await producer.send({
      topic: topic('access_events'),
      messages: [...valid(1000), ...poison, ...valid(500)],
    });
    // POST /access-events takes the same path (outbox → topic → consumer); bad input is still a 400.
    const api = await buildServer(env.core);
    try {
      const bad = await api.inject({
        method: 'POST',
        url: '/access-events',
        payload: [{ dataset_id: ds.id, op: 'peek' }],
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ field: 'body[0].op' });
      const rest = await api.inject({
        method: 'POST',
        url: '/access-events',
        payload: Array.from({ length: 200 }, () => ({ dataset_id: ds.id, op: 'read', size_bytes: 10 })),
      });
      expect(rest.statusCode).toBe(200);
      expect(rest.json()).toEqual({ accepted: 200, datasets: 1 });
    } finally {
      await api.close();
    }

    await waitUntil('1,700 events counted', () => counted(env.core, ds.id) === 1700);
    const dead = (await readTopic(kafka.endpoint, topic('dead_letter'), (m) => m.length >= 3)).map((m) =>
      json<DeadLetterMessage>(m),
    );
    expect(dead.map((d) => d.reason).sort()).toEqual([
      'value.dataset_id: dataset 999999 does not exist',
      'value.op: must be one of "read", "write"',
      expect.stringMatching(/^value: not JSON/),
    ]);
    for (const d of dead) {
      const original = Buffer.from(d.original_base64, 'base64').toString('utf8');
      expect(poison.map((p) => p.value)).toContain(original);
      expect(d.topic).toBe(topic('access_events'));
    }
    // Still alive after the poison: more events are counted.
    await producer.send({ topic: topic('access_events'), messages: valid(7) });
    await waitUntil('7 more', () => counted(env.core, ds.id) === 1707);
    // Nothing is counted twice however often it is asked.
    expect(counted(env.core, ds.id)).toBe(1707);
    // The metrics topic carries a snapshot of the counters (every 30 s; one now).
    await new MetricsPublisher(
      env.core.kafka!.link,
      env.core.metrics,
      'snapshot-test',
      env.core.logger,
    ).publish();
    const [snapshot] = await readTopic(kafka.endpoint, topic('metrics'), (m) => m.length >= 1);
    expect(json<MetricsMessage>(snapshot!)).toMatchObject({
      producer: 'snapshot-test',
      counters: { datamotion_access_events_total: 1707 },
    });
  });

  test('plan, every transition and a recommendation reach Kafka through the outbox, in order', async () => {
    await open(true);
    const { src, ds } = await dataset();
    const before = hashTree(src);
    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'archive',
    });
    const done = await waitForJob(env.core, job.job_id, ['completed', 'failed'], 60_000);
    expect(done.status).toBe('completed');
    expect(hashTree(join(env.archive, 'sales'))).toEqual(before);
    env.core.placement.recommend({ datasetId: ds.id });

    const jobs = (await readTopic(kafka.endpoint, topic('migration_jobs'), (m) => m.length >= 1)).map((m) =>
      json<MigrationJobMessage>(m),
    );
    expect(jobs).toEqual([
      expect.objectContaining({
        job_id: job.job_id,
        dataset_id: ds.id,
        attempt: 1,
        dest_storage_class: 'archive',
      }),
    ]);
    const mine = (list: MigrationStatusMessage[]) =>
      list.filter((s) => s.producer === 'control-plane' && !s.progress);
    const statuses = (
      await readTopic(kafka.endpoint, topic('migration_status'), (m) =>
        mine(m.map((x) => json<MigrationStatusMessage>(x))).some((s) => s.status === 'completed'),
      )
    ).map((m) => json<MigrationStatusMessage>(m));
    expect(mine(statuses).map((s) => s.status)).toEqual([
      'queued',
      'copying',
      'verifying',
      'switching',
      'completed',
    ]);
    // The member reported its part (the hand-off is its `switching`) and its progress.
    const member = statuses.filter((s) => s.producer === 'control-plane-mover');
    expect(member.filter((s) => !s.progress).map((s) => s.status)).toEqual([
      'copying',
      'verifying',
      'switching',
    ]);
    expect(env.core.jobs.get(job.job_id).history.filter((e) => e.status === 'switching')).toHaveLength(1);
    const recs = await readTopic(kafka.endpoint, topic('recommendations'), (m) => m.length >= 1);
    expect(json(recs[0]!)).toMatchObject({
      dataset_id: ds.id,
      model_version: expect.any(String),
      reasons: expect.any(Array),
    });
    await waitUntil('outbox drained', () => env.core.kafka!.health().outbox_pending === 0);
  });

  test('worker reports go through the lifecycle table: out of order and duplicates are ignored, one switch', async () => {
    await open(false);
    const { src, ds } = await dataset();
    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'archive',
    });
    const row = env.core.jobs.get(job.job_id);
    const send = async (status: string, extra: Partial<MigrationStatusMessage> = {}) => {
      const m: MigrationStatusMessage = {
        job_id: row.job_id,
        job_key: row.job_key,
        dataset_id: ds.id,
        status: status as never,
        bytes_copied: 0,
        bytes_total: row.bytes_total,
        error: null,
        ts: new Date().toISOString(),
        attempt: 1,
        event_id: `fake:${Math.random()}`,
        producer: 'fake-worker',
        ...extra,
      };
      await producer.send({
        topic: topic('migration_status'),
        messages: [{ key: String(ds.id), value: JSON.stringify(m) }],
      });
    };
    // Out of order: a hand-off before any copy is not a move from queued → ignored.
    await send('verifying');
    await send('copying');
    await waitForJob(env.core, job.job_id, ['copying']);
    await send('copying'); // duplicate
    await send('queued'); // backwards
    // The fake worker really copies, so the switch points at real bytes.
    const dest = join(env.archive, 'sales');
    copyTree(src, dest);
    await send('verifying');
    const total = Object.values(MIXED_TREE).reduce((a, b) => a + b, 0);
    await send('switching', { bytes_copied: total, bytes_total: total, objects_total: 6, objects_done: 6 });
    const done = await waitForJob(env.core, job.job_id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    await send('switching', { bytes_copied: total, bytes_total: total, objects_total: 6 }); // redelivered
    await send('copying'); // a late report of a dead worker
    await send('failed', { error: 'late failure' });
    await waitUntil('every message on migration_status consumed', () =>
      consumedAll(topic('migration_status')),
    );
    const detail = env.core.jobs.get(job.job_id);
    expect(detail.status).toBe('completed');
    expect(detail.history.map((e) => e.status)).toEqual([
      'queued',
      'copying',
      'verifying',
      'switching',
      'completed',
    ]);
    const dsNow = env.core.datasets.get(ds.id);
    expect(dsNow.path_uri).toBe(env.uri(dest));
    expect(dsNow.size_bytes).toBe(total);
  });
});

function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) copyTree(join(from, e.name), join(to, e.name));
    else copyFileSync(join(from, e.name), join(to, e.name));
  }
}
