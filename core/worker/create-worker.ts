import { join } from 'node:path';
import { openDatabase } from '../db/database.ts';
import { resolveConfig, type ConfigInput, type CoreConfig } from '../config.ts';
import { createLogger, type Logger } from '../logger.ts';
import { Metrics } from '../metrics.ts';
import { LocationService } from '../catalog/location-service.ts';
import { KeyFileSealer } from '../catalog/secret-store.ts';
import { StorageRegistry } from '../storage/registry.ts';
import { FileDriver } from '../storage/file-driver.ts';
import type { StoredSecret } from '../storage/credentials.ts';
import { cloudDriver } from '../create-core.ts';
import { KafkaLink } from '../bus/kafka-link.ts';
import { invalid } from '../errors.ts';
import { MigrationWorker } from './migration-worker.ts';
import { MetricsPublisher } from '../bus/metrics-publisher.ts';

export interface HeadlessWorker {
  config: CoreConfig;
  worker: MigrationWorker;
  link: KafkaLink;
  metrics: Metrics;
  logger: Logger;
  storage: StorageRegistry;
  /** Joins the movers' group; publishes a metrics snapshot every 30 s. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateWorkerOptions extends ConfigInput {
  logger?: Logger;
  workerId?: string;
}

/**
 * The composition root of `datamotion worker`: storage drivers, its own journal under its
 * data folder (job rows and manifests of the jobs it runs; never the control plane's
 * database), and a member of the movers' consumer group. No catalog, no REST, no UI:
 * the locations it knows are the ones it is started with (cloud endpoints and credential
 * references resolve on this machine).
 */
export function createWorker(options: CreateWorkerOptions): HeadlessWorker {
  const config = resolveConfig(options);
  if (!config.kafka) {
    throw invalid('--kafka-brokers', 'a worker takes its jobs from Kafka: name the brokers (host:port[,…])');
  }
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics();
  const db = openDatabase(join(config.dataDir, 'worker-journal.db'));
  const locations = new LocationService(db, new KeyFileSealer(config.dataDir));
  locations.ensure(config.locations);
  const storage = new StorageRegistry(
    [new FileDriver()],
    (uri) => locations.locate(uri),
    (location) => cloudDriver(location, locations.secret(location.id) as StoredSecret | undefined, config),
  );
  const link = new KafkaLink(config.kafka, logger);
  const worker = new MigrationWorker({
    link,
    storage,
    logger,
    metrics,
    db,
    mover: config.mover,
    ...(options.workerId ? { workerId: options.workerId } : {}),
  });
  const snapshots = new MetricsPublisher(link, metrics, worker.id, logger);
  return {
    config,
    worker,
    async start() {
      await worker.start();
      snapshots.start();
    },
    link,
    metrics,
    logger,
    storage,
    async close() {
      snapshots.stop();
      await worker.stop();
      await link.close();
      storage.close();
    },
  };
}
