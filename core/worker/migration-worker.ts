import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { CoreConfig } from '../config.ts';
import type { DatasetService } from '../catalog/dataset-service.ts';
import type { StorageRegistry } from '../storage/registry.ts';
import { EventBus } from '../bus/event-bus.ts';
import { Outbox, OutboxRelay } from '../bus/outbox.ts';
import type { KafkaLink } from '../bus/kafka-link.ts';
import { parseValue, sendDeadLetters, type Rejected } from '../bus/dead-letter.ts';
import { compile, describeErrors } from '../contracts/validate.ts';
import { MigrationJobMessage } from '../contracts/kafka-messages.ts';
import type { JobStatus } from '../contracts/jobs.ts';
import { JobStore, type JobRow } from '../migration/job-store.ts';
import { Manifest } from '../migration/manifest.ts';
import { AbortReason, Mover } from '../migration/mover.ts';
import { CANCELED_NOTE, statusMessage } from '../migration/job-messages.ts';
import { errorText } from '../migration/job-context.ts';
import { adoptDestination } from './adopt.ts';

export interface WorkerOptions {
  link: KafkaLink;
  storage: StorageRegistry;
  logger: Logger;
  metrics: Metrics;
  /**
   * The worker's own journal (job rows and manifests of the jobs it runs), never the
   * control plane's database; closed by stop().
   */
  db: Db;
  mover: CoreConfig['mover'];
  workerId?: string;
}

/** What a worker's scratch row ends in once its part of an attempt is done. */
const DONE_HERE: readonly JobStatus[] = ['switching', 'completed', 'failed', 'canceled'];
const HEARTBEAT_MS = 1000;
/** The control plane's producer id (core/bus/kafka-runtime.ts); only its cancels count. */
const CONTROL_PLANE = 'control-plane';

/**
 * The catalog is the control plane's: a worker's mover never switches, so it never asks.
 * Overlap with datasets was checked when the job was planned; after a cancel the worker
 * removes exactly the objects its manifest says it wrote.
 */
const NO_CATALOG = new Proxy(
  { assertNoOverlap: () => undefined },
  {
    get(target, prop) {
      if (prop === 'assertNoOverlap') return target.assertNoOverlap;
      throw new Error('a worker has no catalog: the control plane switches datasets');
    },
  },
) as unknown as DatasetService;

export const defaultWorkerId = (): string =>
  `worker-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

/**
 * A mover as a member of the `migration_jobs` consumer group: the partitions it owns
 * deliver it jobs (key = dataset id, so one dataset's jobs stay in order); it copies and
 * verifies with the storage drivers and reports every transition and its progress on
 * migration_status through its own outbox. It never switches: its `switching` is the
 * hand-off of a verified copy to the control plane.
 *
 * A job's offset is committed only once the worker's part is done (handed off or failed),
 * so a worker that dies mid-job leaves the message to the partition's next owner, which
 * resumes it (adoptDestination keeps the objects already identical at the destination).
 * A rebalance (the heartbeat says so) aborts the running job resumably, so a job belongs
 * to one worker at a time.
 */
export class MigrationWorker {
  readonly id: string;
  readonly db: Db;
  readonly store: JobStore;
  readonly groupId: string;
  private readonly bus: EventBus;
  private readonly outbox: Outbox;
  private readonly relay: OutboxRelay;
  private readonly mover: Mover;
  private readonly consumer: Consumer;
  /** This worker alone (its own group) reads migration_status for cancels of the jobs it runs. */
  private readonly cancels: Consumer;
  private readonly validate = compile(MigrationJobMessage);
  private readonly running = new Map<string, AbortController>();
  private stopping = false;
  /** Jobs this worker ran to its hand-off or failure (tests, the benchmark). */
  finished = 0;

  constructor(private readonly opts: WorkerOptions) {
    this.id = opts.workerId ?? defaultWorkerId();
    this.db = opts.db;
    this.bus = new EventBus((e, event) =>
      opts.logger.warn({ err: errorText(e), event: event.type }, 'worker: a subscriber failed'),
    );
    this.outbox = new Outbox(this.db, this.id, true);
    this.relay = new OutboxRelay(this.outbox, opts.link, opts.logger, opts.metrics);
    this.store = new JobStore(this.db, this.bus, opts.metrics);
    this.store.onEvent((row, status, message) => {
      // The scratch row's `queued` is bookkeeping; the control plane reported the real one.
      if (status === 'queued') return;
      this.outbox.add('migration_status', row.dataset_id, statusMessage(this.outbox, row, status, message));
    });
    this.bus.on('job.progress', (e) => {
      const row = this.store.find(e.job.job_id);
      if (!row) return;
      const msg = statusMessage(this.outbox, row, row.status, null, { progress: true });
      this.outbox.add('migration_status', row.dataset_id, msg);
    });
    this.mover = new Mover({
      db: this.db,
      bus: this.bus,
      store: this.store,
      storage: opts.storage,
      datasets: NO_CATALOG,
      metrics: opts.metrics,
      logger: opts.logger,
      config: opts.mover,
      handoffSwitch: true,
    });
    this.groupId = `${opts.link.settings.topicPrefix}datamotion-movers`;
    this.consumer = opts.link.consumer({ groupId: this.groupId, maxWaitTimeInMs: 200 });
    this.cancels = opts.link.consumer({
      groupId: `${opts.link.settings.topicPrefix}datamotion-cancels-${this.id}-${randomBytes(4).toString('hex')}`,
      maxWaitTimeInMs: 200,
    });
  }

  async start(): Promise<void> {
    this.relay.start();
    this.ensureScratchCatalog();
    this.opts.link.supervise(this.consumer, () => this.consume(), this.groupId);
    await this.consume();
    await this.watchCancels();
    this.opts.logger.info({ worker: this.id, group: this.groupId }, 'worker: consuming migration_jobs');
  }

  private async consume(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.opts.link.topic('migration_jobs'), fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, this.opts.mover.concurrency),
      eachBatch: (p) => this.batch(p),
    });
  }

  /** Leaves running jobs resumable, delivers what the outbox holds, disconnects. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const ctl of this.running.values()) ctl.abort(new AbortReason('shutdown'));
    await this.consumer.disconnect().catch(() => undefined);
    await this.cancels.disconnect().catch(() => undefined);
    await this.relay.drained(5_000);
    await this.relay.stop();
    this.db.close();
  }

  health(): { worker: string; running_jobs: string[]; outbox_pending: number } {
    return { worker: this.id, running_jobs: [...this.running.keys()], outbox_pending: this.outbox.pending() };
  }

  private async batch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    commitOffsetsIfNecessary,
  }: EachBatchPayload) {
    const topic = batch.topic;
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.stopping) return;
      const job = this.jobOf(message);
      if ('reason' in job) {
        await sendDeadLetters(this.opts.link, this.groupId, topic, batch.partition, [job]);
      } else if (!(await this.handle(job, heartbeat))) {
        return; // interrupted: the message stays for this partition's next owner
      }
      resolveOffset(message.offset);
      await commitOffsetsIfNecessary();
    }
  }

  /**
   * A cancel the control plane published for a job running here stops it at once: the
   * scratch row goes to canceled, the run is aborted, and the mover removes exactly what
   * its manifest says it wrote (as the in-process mover does), reporting it on
   * migration_status. A cancel of a job not running here is the control plane's to clean.
   */
  private async watchCancels(): Promise<void> {
    await this.cancels.connect();
    await this.cancels.subscribe({ topic: this.opts.link.topic('migration_status'), fromBeginning: false });
    await this.cancels.run({
      eachMessage: async ({ message }) => {
        const text = message.value?.toString('utf8') ?? '';
        if (!text.includes('"canceled"')) return;
        const parsed = parseValue(message);
        if (!parsed.ok) return;
        const m = parsed.value as { job_id?: unknown; status?: unknown; producer?: unknown };
        if (m.status !== 'canceled' || m.producer !== CONTROL_PLANE || typeof m.job_id !== 'string') return;
        const ctl = this.running.get(m.job_id);
        if (!ctl) return;
        const row = this.store.transition(
          m.job_id,
          ['queued', 'copying', 'verifying'],
          'canceled',
          CANCELED_NOTE,
          {
            error: null,
          },
        );
        if (row) ctl.abort(new AbortReason('canceled'));
      },
    });
  }

  /** The job a message asks for, or why it cannot be used (for dead_letter). */
  private jobOf(message: KafkaMessage): MigrationJobMessage | Rejected {
    const parsed = parseValue(message);
    if (!parsed.ok) return { message, reason: parsed.reason };
    if (!this.validate(parsed.value)) {
      return { message, reason: describeErrors(this.validate.errors ?? [], 'value').message };
    }
    return parsed.value as MigrationJobMessage;
  }

  /** Runs one job attempt; true when this worker's part of it is over (offset may be committed). */
  private async handle(m: MigrationJobMessage, heartbeat: () => Promise<void>): Promise<boolean> {
    const row = this.prepare(m);
    if (!row) return true; // a redelivery of an attempt already handed off or failed here
    const ctl = new AbortController();
    this.running.set(m.job_id, ctl);
    let rebalance: unknown;
    const beat = setInterval(() => {
      heartbeat().catch((e: unknown) => {
        // A broker that is briefly unreachable changes nothing (the copy goes on, its
        // reports wait in the outbox). A rebalance or a dropped membership means the
        // partition may move: the job stops here, resumable, before another member starts it.
        if (!losesPartition(e)) return;
        rebalance ??= e;
        ctl.abort(new AbortReason('shutdown'));
      });
    }, HEARTBEAT_MS);
    try {
      if (row.status === 'queued') await this.adopt(row, ctl.signal);
      await this.mover.runJob(m.job_id, ctl.signal);
    } catch (e) {
      if (!ctl.signal.aborted) {
        const text = errorText(e);
        this.store.transition(m.job_id, ['queued'], 'failed', text, { error: text, attempts: m.attempt });
      }
    } finally {
      clearInterval(beat);
      this.running.delete(m.job_id);
    }
    if (rebalance) throw rebalance;
    const after = this.store.find(m.job_id);
    const done = !!after && DONE_HERE.includes(after.status);
    if (done) this.finished++;
    return done;
  }

  /** The scratch row for this attempt, or null when the attempt is already over here. */
  private prepare(m: MigrationJobMessage): JobRow | null {
    const local = this.store.find(m.job_id);
    if (local && local.attempts >= m.attempt) return DONE_HERE.includes(local.status) ? null : local;
    if (local && (local.status === 'failed' || local.status === 'canceled')) {
      // A retry: the manifest stays, so objects verified before are not copied again.
      return this.store.transition(m.job_id, [local.status], 'queued', `attempt ${m.attempt}`, {
        attempts: m.attempt - 1,
        error: null,
        finished_at: null,
      });
    }
    if (local) this.db.prepare('DELETE FROM migration_jobs WHERE job_id = ?').run(m.job_id);
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT OR IGNORE INTO datasets (id, name, path_uri, location_id, created_at, updated_at)
           VALUES (?, ?, ?, 'worker', ?, ?)`,
        )
        .run(m.dataset_id, `dataset-${m.dataset_id}`, m.source_uri, now, now);
      this.db
        .prepare(
          `INSERT INTO migration_jobs (job_id, job_key, dataset_id, source_uri, dest_uri, dest_location_id,
             dest_storage_class, dest_tier, retire_source, status, attempts, submitted_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'worker', ?, ?, 0, 'queued', ?, ?, ?)`,
        )
        .run(
          m.job_id,
          m.job_key,
          m.dataset_id,
          m.source_uri,
          m.dest_uri,
          m.dest_storage_class,
          m.dest_tier ?? 'hot',
          m.attempt - 1,
          now,
          now,
        );
      this.store.addEvent(m.job_id, 'queued', `received from ${m.producer}`);
    })();
    return this.store.find(m.job_id) ?? null;
  }

  /** A job started by a mover that died: keep what is already identical at the destination. */
  private async adopt(row: JobRow, signal: AbortSignal): Promise<void> {
    const manifest = new Manifest(this.db, row.job_id);
    const kept = await adoptDestination(
      manifest,
      row,
      this.opts.storage.forUri(row.source_uri),
      this.opts.storage.forUri(row.dest_uri),
      this.opts.mover.objectConcurrency,
      signal,
    );
    if (kept) {
      this.store.db.transaction(() =>
        this.store.addEvent(
          row.job_id,
          'queued',
          `taken over: ${kept} objects already at the destination are kept`,
        ),
      )();
      this.opts.logger.info({ job_id: row.job_id, kept }, 'worker: resuming a job another mover started');
    }
  }

  /** The scratch journal's one location row, which its job rows reference. */
  private ensureScratchCatalog(): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO locations (id, uri, kind, tiers_json, created_at) VALUES ('worker', 'worker:', 'file', '{}', ?)`,
      )
      .run(Date.now());
  }
}

/** Heartbeat answers that mean this member's partitions are being taken away. */
const MEMBERSHIP_LOST = new Set([
  'REBALANCE_IN_PROGRESS',
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'FENCED_INSTANCE_ID',
]);

function losesPartition(e: unknown): boolean {
  const type = (e as { type?: unknown } | null)?.type;
  return typeof type === 'string' && MEMBERSHIP_LOST.has(type);
}
