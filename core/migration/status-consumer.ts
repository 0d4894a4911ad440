import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { DatasetService } from '../catalog/dataset-service.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { StorageRegistry } from '../storage/registry.ts';
import { ConsumerOffsets } from '../bus/consumer-offsets.ts';
import { parseValue, sendDeadLetters, type Rejected } from '../bus/dead-letter.ts';
import type { KafkaLink } from '../bus/kafka-link.ts';
import { compile, describeErrors } from '../contracts/validate.ts';
import { MigrationStatusMessage } from '../contracts/kafka-messages.ts';
import { errorText } from './job-context.ts';
import { isTransition, type JobRow, type JobStore } from './job-store.ts';
import { alreadySwitched, retireSource, switchRows } from './switch-phase.ts';
import { removeWorkerCopy } from './remote-cleanup.ts';
import { CANCELED_NOTE } from './job-messages.ts';

export interface StatusConsumerDeps {
  link: KafkaLink;
  db: Db;
  store: JobStore;
  datasets: DatasetService;
  storage: StorageRegistry;
  bus: EventBus;
  logger: Logger;
  /** This control plane's producer id: its own messages on the topic are skipped. */
  self: string;
  maxAttempts: number;
}

/**
 * The control plane's view of migration_status: what workers report is applied to the
 * job rows through the lifecycle table (a duplicate, late or out-of-order message changes
 * nothing), and a worker's verified result (`switching`) is switched here, in ONE
 * transaction with the status change. Each message is applied with its offset in the
 * same transaction, so a redelivery is skipped.
 */
export class StatusConsumer {
  readonly groupId: string;
  private readonly consumer: Consumer;
  private readonly offsets: ConsumerOffsets;
  private readonly topic: string;
  private readonly validate = compile(MigrationStatusMessage);
  /** Which producer last reported on each open job, to note a takeover in the history. */
  private readonly reporter = new Map<string, string>();
  private readonly finishing = new Set<Promise<void>>();

  constructor(private readonly deps: StatusConsumerDeps) {
    this.groupId = `${deps.link.settings.topicPrefix}datamotion-control-plane`;
    this.topic = deps.link.topic('migration_status');
    this.offsets = new ConsumerOffsets(deps.db, this.groupId);
    this.consumer = deps.link.consumer({ groupId: this.groupId, maxWaitTimeInMs: 100 });
  }

  start(): Promise<void> {
    this.recover();
    this.deps.link.supervise(this.consumer, () => this.consume(), this.groupId);
    return this.consume();
  }

  private async consume(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({ eachBatchAutoResolve: false, eachBatch: (p) => this.batch(p) });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await Promise.allSettled([...this.finishing]);
  }

  /** A switch that committed before a crash but whose job did not complete: complete it now. */
  private recover(): void {
    const rows = this.deps.db
      .prepare(`SELECT * FROM migration_jobs WHERE status = 'switching'`)
      .all() as JobRow[];
    for (const row of rows) {
      if (alreadySwitched(row, this.deps.datasets.row(row.dataset_id))) this.finish(row);
    }
  }

  private async batch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }: EachBatchPayload) {
    const { partition } = batch;
    const dead: Rejected[] = [];
    for (const message of batch.messages) {
      const offset = BigInt(message.offset);
      if (offset >= this.offsets.next(this.topic, partition)) {
        const problem = this.apply(message, partition, offset);
        if (problem) dead.push({ message, reason: problem });
      }
      resolveOffset(message.offset);
    }
    await sendDeadLetters(this.deps.link, this.groupId, this.topic, partition, dead);
    await heartbeat();
    await commitOffsetsIfNecessary();
  }

  /** Applies one message with its offset; returns why it is unusable, or null. */
  private apply(message: KafkaMessage, partition: number, offset: bigint): string | null {
    const parsed = parseValue(message);
    if (!parsed.ok) return this.skip(partition, offset, parsed.reason);
    if (!this.validate(parsed.value)) {
      return this.skip(partition, offset, describeErrors(this.validate.errors ?? [], 'value').message);
    }
    const m = parsed.value as MigrationStatusMessage;
    if (m.producer === this.deps.self) return this.skip(partition, offset, null);
    const { db, store } = this.deps;
    let switched: JobRow | null = null;
    let changed: JobRow | null = null;
    let progress: JobRow | null = null;
    let canceledDone: JobRow | null = null;
    try {
      db.transaction(() => {
        this.offsets.advance(this.topic, partition, offset + 1n);
        const job = store.find(m.job_id);
        if (!job || !this.current(job, m)) return;
        if (job.status === 'canceled' && !m.progress && (m.status === 'switching' || m.status === 'failed')) {
          // Canceled while a worker ran it: now that the worker is done, remove what it wrote.
          canceledDone = job;
          return;
        }
        if (m.progress) {
          if (job.status !== m.status) return;
          db.prepare(
            `UPDATE migration_jobs SET bytes_done = ?, objects_done = ?, bytes_total = max(bytes_total, ?),
               objects_total = max(objects_total, ?), updated_at = ? WHERE job_id = ?`,
          ).run(
            m.bytes_copied,
            m.objects_done ?? job.objects_done,
            m.bytes_total,
            m.objects_total ?? 0,
            Date.now(),
            job.job_id,
          );
          progress = store.find(job.job_id) ?? null;
          return;
        }
        if (m.status === 'canceled' && job.status === 'canceled') {
          // A worker stopped on the cancel and removed what it wrote: its note goes in the history.
          if (m.message && m.message !== CANCELED_NOTE)
            store.addEvent(job.job_id, 'canceled', `${m.producer}: ${m.message}`);
          return;
        }
        if (m.status === job.status && m.producer !== this.reporter.get(job.job_id)) {
          // Another mover picked the job up (a rebalance after a worker died): say so once.
          if (this.reporter.has(job.job_id))
            store.addEvent(job.job_id, job.status, `resumed by ${m.producer}`);
          this.reporter.set(job.job_id, m.producer);
          return;
        }
        this.reporter.set(job.job_id, m.producer);
        if (m.status === 'switching') {
          switched = this.switchReported(job, m);
          return;
        }
        if (m.status !== 'copying' && m.status !== 'verifying' && m.status !== 'failed') return;
        const now = Date.now();
        changed = store.applyReported(
          job.job_id,
          m.status,
          m.status === 'failed' ? m.error : (m.message ?? `reported by ${m.producer}`),
          m.status === 'copying'
            ? { attempts: m.attempt ?? job.attempts + 1, started_at: job.started_at ?? now, error: null }
            : m.status === 'failed'
              ? { error: m.error ?? 'the worker reported a failure without a reason' }
              : {},
        );
        if (changed && m.status !== 'failed') {
          db.prepare('UPDATE migration_jobs SET bytes_total = max(bytes_total, ?) WHERE job_id = ?').run(
            m.bytes_total,
            job.job_id,
          );
        }
      })();
    } catch (e) {
      // The switch refused (the dataset moved meanwhile): nothing of it was applied; fail the job.
      this.offsets.advance(this.topic, partition, offset + 1n);
      const text = errorText(e);
      this.deps.logger.warn({ job_id: m.job_id, err: text }, 'switch of a verified copy refused');
      store.transition(m.job_id, ['verifying', 'queued'], 'failed', text, { error: text });
      return null;
    }
    if (progress) store.publish(progress, 'job.progress');
    if (canceledDone) this.cleanup(canceledDone);
    if (changed) store.afterTransition(changed, (changed as JobRow).status);
    if ((changed as JobRow | null)?.status === 'failed') this.reporter.delete(m.job_id);
    if (switched) {
      const row: JobRow = switched;
      store.afterTransition(row, row.status);
      this.deps.bus.publish({ type: 'dataset.updated', dataset: this.deps.datasets.get(row.dataset_id) });
      if (row.status === 'switching') this.finish(row);
      else this.reporter.delete(row.job_id);
    }
    return null;
  }

  private skip(partition: number, offset: bigint, reason: string | null): string | null {
    this.deps.db.transaction(() => this.offsets.advance(this.topic, partition, offset + 1n))();
    return reason;
  }

  /** A message about an attempt older than the job's current one is stale. */
  private current(job: JobRow, m: MigrationStatusMessage): boolean {
    if (m.attempt === undefined) return true;
    if (job.status === 'queued') return m.attempt > job.attempts;
    return m.attempt >= job.attempts;
  }

  /**
   * A worker verified every object: switching and the switch itself in this transaction;
   * without a source to retire, completed too. Returns the row, or null when the message
   * is not a legal move (a duplicate after the switch: the job is never switched twice).
   */
  private switchReported(job: JobRow, m: MigrationStatusMessage): JobRow | null {
    const { store, db, datasets } = this.deps;
    const note = `${m.producer} verified ${m.objects_total ?? '?'} objects, ${m.bytes_total} bytes`;
    const row = store.applyReported(job.job_id, 'switching', note);
    if (!row) return null;
    const ds = datasets.row(job.dataset_id);
    if (!alreadySwitched(row, ds)) {
      const totals = isTransition(row)
        ? { objects: ds.object_count, bytes: ds.size_bytes }
        : { objects: m.objects_total ?? row.objects_total, bytes: m.bytes_total };
      switchRows(db, row, totals);
    }
    db.prepare('UPDATE migration_jobs SET bytes_done = ?, objects_done = ? WHERE job_id = ?').run(
      m.bytes_copied,
      m.objects_done ?? row.objects_done,
      row.job_id,
    );
    if (row.retire_source === 1 && !isTransition(row)) return store.find(row.job_id) ?? row;
    const where = isTransition(row)
      ? `storage class is now ${row.dest_storage_class} (${row.dest_tier})`
      : `dataset now points at ${row.dest_uri}`;
    return store.applyReported(row.job_id, 'completed', where) ?? row;
  }

  /** Removes a canceled job's copy that a worker finished writing; the history says what went. */
  private cleanup(row: JobRow): void {
    const { store, logger, maxAttempts } = this.deps;
    const p = removeWorkerCopy(this.deps, row, { objectConcurrency: 4, maxAttempts })
      .then((note) => {
        if (note) {
          store.db.transaction(() => store.addEvent(row.job_id, 'canceled', note))();
          store.publish(store.row(row.job_id));
        }
      })
      .catch((e: unknown) =>
        logger.error({ job_id: row.job_id, err: errorText(e) }, 'removing a canceled job’s copy failed'),
      )
      .finally(() => this.finishing.delete(p));
    this.finishing.add(p);
  }

  /** After a committed switch that retires the source: delete it, then complete. */
  private finish(row: JobRow): void {
    const { store, storage, logger, datasets, maxAttempts } = this.deps;
    const p = (async () => {
      let note = `dataset now points at ${row.dest_uri}`;
      if (row.retire_source === 1 && !isTransition(row)) {
        const signal = new AbortController().signal;
        note += `; ${await retireSource({ job: row, src: storage.forUri(row.source_uri), signal, logger, maxAttempts }, { datasets })}`;
      }
      store.transition(row.job_id, ['switching'], 'completed', note);
      this.reporter.delete(row.job_id);
    })()
      .catch((e: unknown) =>
        logger.error({ job_id: row.job_id, err: errorText(e) }, 'completing a switched job failed'),
      )
      .finally(() => this.finishing.delete(p));
    this.finishing.add(p);
  }
}
