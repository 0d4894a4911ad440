import { mkdirSync } from 'node:fs';
import { openDatabase, type Db } from './db/database.ts';
import { resolveConfig, type ConfigInput, type CoreConfig } from './config.ts';
import { EventBus } from './bus/event-bus.ts';
import { Outbox } from './bus/outbox.ts';
import { CONTROL_PLANE_ID, KafkaRuntime } from './bus/kafka-runtime.ts';
import { StorageRegistry } from './storage/registry.ts';
import { LocationService } from './catalog/location-service.ts';
import { DatasetService } from './catalog/dataset-service.ts';
import { TelemetryService } from './telemetry/telemetry-service.ts';
import { PlacementService } from './placement/placement-service.ts';
import { JobService } from './migration/job-service.ts';
import { EstimateService } from './migration/estimate-service.ts';
import { Mover } from './migration/mover.ts';
import { JobStore } from './migration/job-store.ts';
import { Metrics } from './metrics.ts';
import { createLogger, type Logger } from './logger.ts';
import { KeyFileSealer, type Sealer } from './catalog/secret-store.ts';
import { FileDriver } from './storage/file-driver.ts';
import { S3Driver } from './storage/s3-driver.ts';
import { GcsDriver } from './storage/gcs-driver.ts';
import { gcsDriverOptions, s3DriverOptions, type StoredSecret } from './storage/credentials.ts';
import type { StorageDriver } from './storage/driver.ts';
import type { Location } from './contracts/locations.ts';
import { createPolicyCore } from './policy/policy-core.ts';
import type { AuditLog } from './audit/audit-log.ts';
import type { PolicyDocumentService } from './policy/policy-document-service.ts';
import type { AutoApply } from './policy/auto-apply.ts';

/** The driver of one cloud location, from its endpoint, region, project and credentials. */
export function cloudDriver(
  location: Location,
  secret: StoredSecret | undefined,
  config: CoreConfig,
): StorageDriver {
  const { multipartThresholdBytes, partSizeBytes, partConcurrency, gcsChunkBytes } = config.storage;
  if (location.kind === 's3') {
    return new S3Driver({
      ...s3DriverOptions(location, secret),
      multipartThreshold: multipartThresholdBytes,
      partSize: partSizeBytes,
      partConcurrency,
    });
  }
  return new GcsDriver({
    ...gcsDriverOptions(location, secret),
    resumableThreshold: multipartThresholdBytes,
    chunkSize: gcsChunkBytes,
  });
}

export interface Core {
  config: CoreConfig;
  db: Db;
  bus: EventBus;
  metrics: Metrics;
  logger: Logger;
  storage: StorageRegistry;
  locations: LocationService;
  datasets: DatasetService;
  telemetry: TelemetryService;
  placement: PlacementService;
  jobs: JobService;
  estimates: EstimateService;
  mover: Mover;
  /** Kafka (outbox relay, consumers, the mover as a group member) when configured. */
  kafka: KafkaRuntime | undefined;
  /** The audit trail (its one writer). */
  audit: AuditLog;
  /** Policies as code: versions, dry runs, apply. */
  policyDocs: PolicyDocumentService;
  /** Plans recommendations by itself when the policy document switches it on. */
  autoApply: AutoApply;
  /** Stops the mover (leaving running jobs resumable) and closes the database. */
  close(): Promise<void>;
}

export interface CreateCoreOptions extends ConfigInput {
  logger?: Logger;
  /** Seals location credentials; default: a key file in the data folder (the desktop passes its keychain's). */
  sealer?: Sealer;
  /** better-sqlite3's addon built for this runtime's ABI (the Electron engine process passes one). */
  sqliteBinding?: string;
  /** How often auto-apply looks at the recommendations (ms; default 60 s, 0 = never by itself). */
  autoApplyIntervalMs?: number;
  /** The clock auto-apply's window and budget use (tests pass a simulated one). */
  now?: () => number;
}

/** The one composition root: Electron, the REST server, the CLI, workers and tests start here. */
export function createCore(options: CreateCoreOptions = {}): Core {
  const config = resolveConfig(options);
  mkdirSync(config.dataDir, { recursive: true });
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = openDatabase(config.dbFile, { nativeBinding: options.sqliteBinding });
  const bus = new EventBus((e, event) =>
    logger.warn(
      { event: event.type, err: e instanceof Error ? e.message : String(e) },
      'a bus subscriber failed',
    ),
  );
  const metrics = new Metrics();
  const locations = new LocationService(db, options.sealer ?? new KeyFileSealer(config.dataDir));
  const storage = new StorageRegistry(
    [new FileDriver()],
    (uri) => locations.locate(uri),
    (location) => cloudDriver(location, locations.secret(location.id) as StoredSecret | undefined, config),
  );
  locations.ensure(config.locations);
  const datasets = new DatasetService(db, locations, storage, bus);
  const telemetry = new TelemetryService(db, bus, metrics, config.bucketSeconds);
  const placement = new PlacementService(db, bus, config, metrics, logger);
  const jobStore = new JobStore(db, bus, metrics);
  const mover = new Mover({
    db,
    bus,
    store: jobStore,
    storage,
    datasets,
    metrics,
    logger,
    config: config.mover,
  });
  const estimates = new EstimateService(db, locations, datasets, {
    confirmAboveBytes: config.confirmAboveBytes,
    objectConcurrency: config.mover.objectConcurrency,
  });
  const jobs = new JobService(jobStore, locations, datasets, mover, estimates);
  const { audit, policyDocs, autoApply } = createPolicyCore({
    db,
    config,
    logger,
    locations,
    jobStore,
    jobs,
    estimates,
    recommendations: () => placement.latest(),
    bus,
    placement: placement.engine,
    now: options.now,
  });
  // Written in the transaction of each change that must reach Kafka; a no-op without Kafka.
  const outbox = new Outbox(db, CONTROL_PLANE_ID, !!config.kafka);
  const kafka = config.kafka
    ? new KafkaRuntime({
        settings: config.kafka,
        config,
        db,
        bus,
        logger,
        metrics,
        storage,
        datasets,
        telemetry,
        jobs: jobStore,
        outbox,
      })
    : undefined;
  // With Kafka, the mover is a member of the movers' consumer group instead (or off).
  if (config.mover.enabled && !kafka) mover.start();
  // Recommendations refresh, aggregates roll up and forecasts retrain in the background.
  placement.start();
  autoApply.start(options.autoApplyIntervalMs ?? 60_000, (e) =>
    logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'auto-apply failed'),
  );

  let closed = false;
  return {
    config,
    db,
    bus,
    metrics,
    logger,
    storage,
    locations,
    datasets,
    telemetry,
    placement,
    jobs,
    estimates,
    mover,
    kafka,
    audit,
    policyDocs,
    autoApply,
    async close() {
      if (closed) return;
      closed = true;
      autoApply.stop();
      await kafka?.stop();
      await mover.stop();
      await placement.stop();
      storage.close();
      db.close();
    },
  };
}
