// The pieces that need no broker: the one lifecycle table every transition goes through,
// the bus isolating a throwing subscriber from the job it observes, and the Kafka
// configuration's errors naming what is wrong.
import { afterEach, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { JOB_STATUSES } from '../../core/contracts/jobs.ts';
import { JobStore } from '../../core/migration/job-store.ts';
import { TRANSITIONS, canTransition, sourcesOf } from '../../core/migration/job-transitions.ts';
import { kafkaFromEnv, kafkaJsConfig, parseBrokers } from '../../core/bus/kafka-config.ts';
import { kafkaFromArgs } from '../../core/cli/kafka-flags.ts';
import {
  MIXED_TREE,
  migrationEnv,
  waitForJob,
  writeRandomTree,
  type MigrationEnv,
} from '../fixtures/migration-env.ts';

describe('job lifecycle table', () => {
  test('completed is final, nothing goes back to queued but a retry, and switching is reached only from verifying or a metadata-only queued', () => {
    expect(TRANSITIONS.completed).toEqual([]);
    expect(sourcesOf('queued').sort()).toEqual(['canceled', 'enqueue_failed', 'failed']);
    expect(sourcesOf('switching').sort()).toEqual(['queued', 'verifying']);
    expect(sourcesOf('completed')).toEqual(['switching']);
    for (const from of JOB_STATUSES) expect(canTransition(from, from)).toBe(false);
    expect(canTransition('verifying', 'copying')).toBe(false);
    expect(canTransition('switching', 'canceled')).toBe(false);
  });
});

describe('a job through the store', () => {
  let env: MigrationEnv;
  afterEach(() => env?.cleanup());

  test('a move the table does not have is refused with both statuses named; a stale one changes nothing', async () => {
    env = await migrationEnv({ mover: { enabled: false } as never });
    const src = join(env.fast, 'sales');
    writeRandomTree(src, MIXED_TREE);
    const ds = await env.core.datasets.create({ name: 'sales', path_uri: env.uri(src) });
    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'archive',
    });
    const store = new JobStore(env.core.db, env.core.bus, env.core.metrics);
    expect(() => store.transition(job.job_id, ['queued'], 'completed', null)).toThrow(
      'a job cannot go from queued to completed (allowed: copying, switching, failed, canceled, enqueue_failed)',
    );
    // A mover that has not noticed a cancel cannot push the job forward.
    env.core.jobs.cancel(job.job_id);
    expect(store.transition(job.job_id, ['queued'], 'copying', null)).toBeNull();
    expect(store.applyReported(job.job_id, 'copying', 'late report')).toBeNull();
    expect(env.core.jobs.get(job.job_id).history.map((e) => e.status)).toEqual(['queued', 'canceled']);
  });

  test('a subscriber that throws is logged and skipped: the job still completes and other subscribers see every event', async () => {
    env = await migrationEnv();
    const src = join(env.fast, 'sales');
    writeRandomTree(src, MIXED_TREE);
    const ds = await env.core.datasets.create({ name: 'sales', path_uri: env.uri(src) });
    env.core.bus.on('job.updated', () => {
      throw new Error('the window is closed');
    });
    env.core.bus.onAny(async () => {
      throw new Error('the SSE client is gone');
    });
    const seen: string[] = [];
    env.core.bus.on('job.updated', (e) => void seen.push(e.job.status));
    const job = env.core.jobs.plan({
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'archive',
    });
    const done = await waitForJob(env.core, job.job_id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(seen).toEqual(['queued', 'copying', 'verifying', 'switching', 'completed']);
    expect(env.core.bus.subscriberFailures()).toBeGreaterThanOrEqual(5);
  });
});

describe('Kafka configuration', () => {
  test('off without brokers; flags over the environment; SASL and TLS from the environment', () => {
    expect(kafkaFromEnv({})).toBeUndefined();
    const s = kafkaFromArgs(
      { 'kafka-brokers': 'a:9092, b:9093', 'kafka-topic-prefix': 'prod.' },
      {
        DATAMOTION_KAFKA_BROKERS: 'ignored:1',
        DATAMOTION_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        DATAMOTION_KAFKA_SASL_USERNAME: 'dm',
        DATAMOTION_KAFKA_SASL_PASSWORD: 'secret-password',
        DATAMOTION_KAFKA_TLS: 'true',
        DATAMOTION_KAFKA_PARTITIONS: '6',
      },
    );
    expect(s).toMatchObject({
      brokers: ['a:9092', 'b:9093'],
      topicPrefix: 'prod.',
      clientId: 'datamotion',
      partitions: 6,
      replicationFactor: 1,
      sasl: { mechanism: 'scram-sha-512', username: 'dm' },
      ssl: true,
    });
    expect(kafkaJsConfig(s!)).toMatchObject({
      brokers: ['a:9092', 'b:9093'],
      ssl: true,
      sasl: { mechanism: 'scram-sha-512' },
    });
  });

  test('bad settings are refused naming the flag or variable', () => {
    expect(() => parseBrokers('localhost', '--kafka-brokers')).toThrow(
      '--kafka-brokers: "localhost" is not host:port',
    );
    expect(() => parseBrokers(' , ', '--kafka-brokers')).toThrow('--kafka-brokers: names no broker');
    expect(() =>
      kafkaFromEnv({ DATAMOTION_KAFKA_BROKERS: 'a:1', DATAMOTION_KAFKA_SASL_MECHANISM: 'gssapi' }),
    ).toThrow('DATAMOTION_KAFKA_SASL_MECHANISM: "gssapi" is not one of plain, scram-sha-256, scram-sha-512');
    expect(() =>
      kafkaFromEnv({ DATAMOTION_KAFKA_BROKERS: 'a:1', DATAMOTION_KAFKA_SASL_MECHANISM: 'plain' }),
    ).toThrow('DATAMOTION_KAFKA_SASL_USERNAME: SASL needs');
    expect(() => kafkaFromEnv({ DATAMOTION_KAFKA_BROKERS: 'a:1', DATAMOTION_KAFKA_PARTITIONS: '0' })).toThrow(
      'DATAMOTION_KAFKA_PARTITIONS: must be a positive integer, not "0"',
    );
  });
});
