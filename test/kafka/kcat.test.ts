// @needs kafka
// A foreign client (kcat, librdkafka) is a first-class producer and reader: access events
// it writes in the documented JSON are counted like REST's, a poison message lands in
// dead_letter while the consumer keeps going, and migration_status reads back in
// lifecycle order.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, test } from 'vitest';
import { describeWithService } from '../helpers/services.ts';
import {
  MIXED_TREE,
  migrationEnv,
  waitForJob,
  writeRandomTree,
  type MigrationEnv,
} from '../fixtures/migration-env.ts';
import type { DeadLetterMessage, MigrationStatusMessage } from '../../core/contracts/kafka-messages.ts';
import { counted, kafkaSettings, waitUntil } from './kafka-kit.ts';

const run = promisify(execFile);

/** Pipes `lines` into `kcat -P` (key and value split at the first ':'). */
function kcatProduce(broker: string, topic: string, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('kcat', ['-P', '-b', broker, '-t', topic, '-K', '\t'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited ${code}: ${err}`))));
    p.stdin.end(lines.map((l) => `${l}\n`).join(''));
  });
}

async function kcatRead(broker: string, topic: string): Promise<string[]> {
  const { stdout } = await run(
    'kcat',
    ['-C', '-b', broker, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n'],
    {
      maxBuffer: 64 << 20,
    },
  );
  return stdout.split('\n').filter(Boolean);
}

describeWithService('kafka', 'kcat as a foreign client', (kafka) => {
  let env: MigrationEnv;
  afterEach(() => env?.cleanup());

  test('kcat events are counted, a poison line is dead-lettered, migration_status reads back in lifecycle order', async () => {
    const settings = kafkaSettings(kafka.endpoint);
    const topic = (name: string) => `${settings.topicPrefix}${name}`;
    env = await migrationEnv({ kafka: settings });
    await env.core.kafka?.ready();
    const src = join(env.fast, 'sales');
    writeRandomTree(src, MIXED_TREE);
    const ds = await env.core.datasets.create({ name: 'sales', path_uri: env.uri(src) });

    const events = Array.from(
      { length: 300 },
      (_, i) =>
        `${ds.id}\t${JSON.stringify({ dataset_id: ds.id, op: i % 2 ? 'read' : 'write', size_bytes: 512, client_lat_ms: 1.5, ts: new Date().toISOString() })}`,
    );
    const poison = `${ds.id}\t{"dataset_id": ${ds.id}, "op": "read", "size_bytes": -5}`;
    await kcatProduce(kafka.endpoint, topic('access_events'), [
      ...events.slice(0, 100),
      poison,
      ...events.slice(100),
    ]);
    await waitUntil('300 kcat events counted', () => counted(env.core, ds.id) === 300);

    const dead = await waitUntil('the poison in dead_letter', async () => {
      const lines = await kcatRead(kafka.endpoint, topic('dead_letter'));
      return lines.length >= 1 && lines.map((l) => JSON.parse(l) as DeadLetterMessage);
    });
    expect(dead).toHaveLength(1);
    expect(dead[0]!.reason).toMatch(/^value\.size_bytes: /);
    expect(Buffer.from(dead[0]!.original_base64, 'base64').toString('utf8')).toBe(poison.split('\t')[1]);
    // The consumer lives: a later line is counted too.
    await kcatProduce(kafka.endpoint, topic('access_events'), [events[0]!]);
    await waitUntil('one more', () => counted(env.core, ds.id) === 301);

    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'archive',
    });
    expect((await waitForJob(env.core, job.job_id, ['completed', 'failed'], 60_000)).status).toBe(
      'completed',
    );
    const statuses = await waitUntil('the completed status via kcat', async () => {
      const all = (await kcatRead(kafka.endpoint, topic('migration_status'))).map(
        (l) => JSON.parse(l) as MigrationStatusMessage,
      );
      const lifecycle = all.filter(
        (s) => s.job_id === job.job_id && s.producer === 'control-plane' && !s.progress,
      );
      return lifecycle.some((s) => s.status === 'completed') && lifecycle.map((s) => s.status);
    });
    expect(statuses).toEqual(['queued', 'copying', 'verifying', 'switching', 'completed']);
  });
});
