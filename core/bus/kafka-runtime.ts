import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { openDatabase, type Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { CoreConfig } from '../config.ts';
import type { DatasetService } from '../catalog/dataset-service.ts';
import type { StorageRegistry } from '../storage/registry.ts';
import type { TelemetryService } from '../telemetry/telemetry-service.ts';
import type { JobStore } from '../migration/job-store.ts';
import { controlPlaneJobHook } from '../migration/job-messages.ts';
import { StatusConsumer } from '../migration/status-consumer.ts';
import { MigrationWorker } from '../worker/migration-worker.ts';
import type { EventBus } from './event-bus.ts';
import { AccessEventsConsumer } from './access-events-consumer.ts';
import type { KafkaSettings } from './kafka-config.ts';
import { KafkaLink, type KafkaHealth } from './kafka-link.ts';
import type { Outbox } from './outbox.ts';
import { OutboxRelay } from './outbox.ts';
import { MetricsPublisher } from './metrics-publisher.ts';

/** The control plane's producer id on migration_status (its own messages are skipped there). */
export const CONTROL_PLANE_ID = 'control-plane';

export interface KafkaRuntimeDeps {
  settings: KafkaSettings;
  config: CoreConfig;
  db: Db;
  bus: EventBus;
  logger: Logger;
  metrics: Metrics;
  storage: StorageRegistry;
  datasets: DatasetService;
  telemetry: TelemetryService;
  jobs: JobStore;
  outbox: Outbox;
}

export type KafkaStatus = KafkaHealth & {
  started: boolean;
  outbox_pending: number;
  mover: 'member' | 'off';
};

/**
 * Kafka for the control plane: the outbox relay, the access_events consumer (aggregates),
 * the migration_status consumer (applies workers' reports and switches), and the
 * control plane's own mover as one more member of the movers' group (unless --no-mover).
 * It starts in the background: a broker that is down at start delays messages (they wait
 * in the outbox) and never stops the app from starting.
 */
export class KafkaRuntime {
  readonly link: KafkaLink;
  readonly relay: OutboxRelay;
  readonly access: AccessEventsConsumer;
  readonly status: StatusConsumer;
  readonly worker: MigrationWorker | undefined;
  private readonly snapshots: MetricsPublisher;
  private started = false;
  private stopping = false;
  private readonly startup: Promise<void>;

  constructor(private readonly deps: KafkaRuntimeDeps) {
    const { settings, logger, db, outbox, config } = deps;
    this.link = new KafkaLink(settings, logger);
    deps.jobs.onEvent(controlPlaneJobHook(outbox));
    // REST ingest writes the events to the outbox in one transaction: durable before the
    // answer, and they reach the aggregates the way any producer's do.
    deps.telemetry.setForwarder((events) =>
      outbox.addMany(
        'access_events',
        events.map((e) => ({ key: e.dataset_id, value: e })),
      ),
    );
    this.relay = new OutboxRelay(outbox, this.link, logger, deps.metrics);
    this.access = new AccessEventsConsumer(this.link, db, deps.telemetry, logger);
    this.status = new StatusConsumer({
      link: this.link,
      db,
      store: deps.jobs,
      datasets: deps.datasets,
      storage: deps.storage,
      bus: deps.bus,
      logger,
      self: CONTROL_PLANE_ID,
      maxAttempts: config.mover.maxAttempts,
    });
    this.worker = config.mover.enabled
      ? new MigrationWorker({
          link: this.link,
          storage: deps.storage,
          logger,
          metrics: deps.metrics,
          db: openDatabase(join(config.dataDir, 'worker', 'journal.db')),
          mover: config.mover,
          workerId: `${CONTROL_PLANE_ID}-mover`,
        })
      : undefined;
    this.snapshots = new MetricsPublisher(this.link, deps.metrics, CONTROL_PLANE_ID, logger);
    this.relay.start();
    this.startup = this.start();
  }

  /** Resolves once topics exist and every consumer runs (tests wait on it). */
  ready(): Promise<void> {
    return this.startup;
  }

  private async start(): Promise<void> {
    let wait = 500;
    for (;;) {
      if (this.stopping) return;
      try {
        await this.link.ensureTopics();
        break;
      } catch (e) {
        this.deps.logger.warn(
          { err: e instanceof Error ? e.message : String(e), retry_in_ms: wait },
          'kafka: broker unreachable at start; the app runs, messages wait in the outbox',
        );
        await delay(wait);
        wait = Math.min(10_000, wait * 2);
      }
    }
    if (this.stopping) return;
    await this.access.start();
    await this.status.start();
    await this.worker?.start();
    this.snapshots.start();
    this.started = true;
  }

  health(): KafkaStatus {
    return {
      ...this.link.health(),
      started: this.started,
      outbox_pending: this.deps.outbox.pending(),
      mover: this.worker ? 'member' : 'off',
    };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.snapshots.stop();
    await this.startup.catch(() => undefined);
    await this.worker?.stop();
    await Promise.allSettled([this.access.stop(), this.status.stop()]);
    await this.relay.drained(2_000);
    await this.relay.stop();
    await this.link.close();
  }
}
