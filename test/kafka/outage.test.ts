// The broker stopped for 30 s during a burst of events and a running migration. This file
// runs its own broker (the same starter as `npm run dev:kafka`, version from
// DATAMOTION_TEST_KAFKA_VERSION) because it stops and restarts it; a broker that cannot
// start fails the test, it never skips.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, expect, test } from 'vitest';
import { startKafka } from '../../scripts/services/lib/kafka.ts';
import { freePort } from '../../scripts/services/lib/ports.ts';
import type { RunningService } from '../../scripts/services/lib/types.ts';
import {
  migrationEnv,
  hashTree,
  waitForJob,
  writeRandomTree,
  type MigrationEnv,
} from '../fixtures/migration-env.ts';
import type { MigrationStatusMessage } from '../../core/contracts/kafka-messages.ts';
import { counted, json, kafkaSettings, readTopic, waitUntil } from './kafka-kit.ts';

const OUTAGE_MS = 30_000;
let broker: RunningService | undefined;
let env: MigrationEnv | undefined;
let brokerDir = '';

afterAll(async () => {
  await env?.cleanup();
  await broker?.stop();
  if (brokerDir) await rm(brokerDir, { recursive: true, force: true });
});

async function start(port: number): Promise<RunningService> {
  return startKafka({
    port,
    dataDir: brokerDir,
    wipe: false,
    version: process.env.DATAMOTION_TEST_KAFKA_VERSION || undefined,
    output: { kind: 'file', path: join(brokerDir, 'broker.log') },
    log: () => undefined,
  });
}

test('broker down 30 s during an event burst and a migration: every event counted once, every outbox row delivered once, the job completes', async () => {
  brokerDir = await mkdtemp(join(tmpdir(), 'dm-kafka-outage-'));
  const port = await freePort();
  broker = await start(port);
  const settings = kafkaSettings(broker.endpoint);
  // The control plane's own mover is a member; capped so the copy runs through the outage.
  env = await migrationEnv({
    kafka: settings,
    mover: { enabled: true, bandwidthBytesPerSec: 256 * 1024, concurrency: 1 } as never,
  });
  const core = env.core;
  await core.kafka?.ready();
  const src = join(env.fast, 'sales');
  const tree: Record<string, number> = {};
  for (let i = 0; i < 8; i++) tree[`f${i}.bin`] = 512 * 1024;
  writeRandomTree(src, tree);
  const before = hashTree(src);
  const ds = await core.datasets.create({ name: 'sales', path_uri: env.uri(src) });
  const burst = () =>
    core.telemetry.ingest(
      Array.from({ length: 1000 }, (_, i) => ({ dataset_id: ds.id, op: 'read' as const, size_bytes: i })),
    );

  await burst();
  const job = core.jobs.plan({ dataset_id: ds.id, target_location: 'archive', storage_class: 'archive' });
  await waitForJob(core, job.job_id, ['copying'], 30_000);
  await waitUntil('the first burst counted', () => counted(core, ds.id) === 1000);

  await broker.stop();
  const downAt = Date.now();
  // The app keeps working: ingest answers and the copy goes on while the broker is gone.
  for (let i = 0; i < 20; i++) {
    await burst();
    await delay(500);
  }
  expect(core.kafka!.health().outbox_pending).toBeGreaterThan(0);
  await delay(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
  expect(core.jobs.get(job.job_id).status).not.toBe('completed');
  broker = await start(port);

  const done = await waitForJob(core, job.job_id, ['completed', 'failed'], 120_000).catch((e: unknown) => {
    // What each side knows, so a failure says where the job got stuck.
    const member = core.kafka!.worker!;
    const journal = member.db
      .prepare('SELECT status, message FROM job_events WHERE job_id = ? ORDER BY id')
      .all(job.job_id);
    throw new Error(
      `${String(e)}\nkafka: ${JSON.stringify(core.kafka!.health())}\nmember: ${JSON.stringify(member.health())}\n` +
        `member journal: ${JSON.stringify(journal)}\nhistory: ${JSON.stringify(core.jobs.get(job.job_id).history)}`,
    );
  });
  expect(done.error).toBeNull();
  expect(done.status).toBe('completed');
  expect(hashTree(join(env.archive, 'sales'))).toEqual(before);
  await waitUntil('21,000 events counted', () => counted(core, ds.id) >= 21_000, 120_000);
  await waitUntil('the outbox drained', () => core.kafka!.health().outbox_pending === 0, 60_000);
  // Exactly once: not one more after everything settled.
  expect(counted(core, ds.id)).toBe(21_000);
  const undelivered = core.db.prepare('SELECT count(*) FROM outbox WHERE delivered_at IS NULL').pluck().get();
  expect(undelivered).toBe(0);

  // Every control-plane status message on the topic once, in lifecycle order.
  const statuses = (
    await readTopic(broker.endpoint, `${settings.topicPrefix}migration_status`, (m) =>
      m.some((x) => {
        const s = json<MigrationStatusMessage>(x);
        return s.producer === 'control-plane' && s.status === 'completed';
      }),
    )
  ).map((m) => json<MigrationStatusMessage>(m));
  const mine = statuses.filter((s) => s.producer === 'control-plane');
  expect(new Set(mine.map((s) => s.event_id)).size).toBe(mine.length);
  expect(mine.map((s) => s.status)).toEqual(['queued', 'copying', 'verifying', 'switching', 'completed']);
  expect(core.jobs.get(job.job_id).history.filter((e) => e.status === 'switching')).toHaveLength(1);
}, 300_000);
