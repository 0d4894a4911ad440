import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LocationCreate } from './contracts/locations.ts';
import { DEFAULT_PLACEMENT, type PlacementConfig } from './placement/placement-config.ts';
import { kafkaFromEnv, type KafkaSettings } from './bus/kafka-config.ts';

export interface RecencyThresholds {
  /** Last access at most this many seconds ago → hot. */
  hot_max_age_s: number;
  /** Last access at most this many seconds ago → warm; older → cold. */
  warm_max_age_s: number;
}

export interface CoreConfig {
  dataDir: string;
  /** SQLite file; default <dataDir>/datamotion.db. */
  dbFile: string;
  /** Locations ensured at start (created if missing). */
  locations: LocationCreate[];
  recency: RecencyThresholds;
  /** Typical first-byte latency of each tier, checked against a dataset's latency SLO. */
  tierLatencyMs: Record<'hot' | 'warm' | 'cold', number>;
  /** Width of access-aggregate buckets in seconds. */
  bucketSeconds: number;
  mover: {
    concurrency: number;
    /** Objects copied in parallel inside one job. */
    objectConcurrency: number;
    /** Start the in-process mover (false for a control plane that hands jobs to workers). */
    enabled: boolean;
    maxAttempts: number;
    /** Bandwidth limit of all copies together, bytes per second; 0 = none. */
    bandwidthBytesPerSec?: number;
    /** Verification of an in-place class change requires the store to report the new class (default true). */
    verifyTransitionClass?: boolean;
  };
  storage: {
    /** Objects above this go to S3 in parts / to GCS in a resumable session (bytes, default 8 MiB). */
    multipartThresholdBytes: number;
    /** Part size of S3 multipart uploads (default 8 MiB). */
    partSizeBytes: number;
    /** S3 parts in flight per object (default 4, as rclone): a crash re-sends at most these. */
    partConcurrency: number;
    /** Chunk size of GCS resumable uploads, a multiple of 256 KiB (default 16 MiB, as rclone). */
    gcsChunkBytes: number;
  };
  logLevel: string;
  /**
   * POST /plan-migration asks for `"confirm": true` above this many bytes (default 1 TiB):
   * a move this large takes hours and, out of a cloud, costs real egress.
   */
  confirmAboveBytes: number;
  /**
   * Kafka (brokers, client id, topic prefix, SASL, TLS); undefined = the in-process bus
   * only. Default: from DATAMOTION_KAFKA_* (see core/bus/kafka-config.ts).
   */
  kafka?: KafkaSettings;
  /** The placement engine: horizon, hysteresis, refresh and retraining, aggregate retention. */
  placement: PlacementConfig;
}

export function defaultDataDir(): string {
  const env = process.env.DATAMOTION_DATA_DIR;
  if (env) return resolve(env);
  // An empty variable counts as unset (XDG spec): never fall back to a relative path.
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'datamotion');
}

/** The embedded default: two local roots, a fast one for hot data and an archive for warm and cold. */
export function defaultLocations(dataDir: string): LocationCreate[] {
  const root = (name: string) => pathToFileURL(join(dataDir, 'storage', name)).href;
  return [
    {
      id: 'local-fast',
      uri: root('fast'),
      tiers: { hot: { storage_class: 'standard', price_per_gb_month: 0.1 } },
    },
    {
      id: 'local-archive',
      uri: root('archive'),
      tiers: {
        warm: { storage_class: 'standard', price_per_gb_month: 0.03 },
        cold: { storage_class: 'archive', price_per_gb_month: 0.01 },
      },
    },
  ];
}

/** What a caller may set: any part of the config, and any part of its mover, storage and placement settings. */
export type ConfigInput = Omit<Partial<CoreConfig>, 'mover' | 'storage' | 'kafka' | 'placement'> & {
  mover?: Partial<CoreConfig['mover']>;
  placement?: Partial<PlacementConfig>;
  storage?: Partial<CoreConfig['storage']>;
  /** null: Kafka off whatever the environment says. */
  kafka?: KafkaSettings | null;
};

export function resolveConfig(partial: ConfigInput = {}): CoreConfig {
  const dataDir = resolve(partial.dataDir ?? defaultDataDir());
  return {
    dataDir,
    dbFile: partial.dbFile ?? join(dataDir, 'datamotion.db'),
    locations: partial.locations?.length ? partial.locations : defaultLocations(dataDir),
    recency: partial.recency ?? { hot_max_age_s: 60, warm_max_age_s: 600 },
    tierLatencyMs: partial.tierLatencyMs ?? { hot: 10, warm: 100, cold: 1000 },
    bucketSeconds: partial.bucketSeconds ?? 60,
    mover: {
      concurrency: 2,
      objectConcurrency: 4,
      enabled: true,
      maxAttempts: 3,
      bandwidthBytesPerSec: 0,
      verifyTransitionClass: true,
      ...partial.mover,
    },
    storage: {
      multipartThresholdBytes: 8 << 20,
      partSizeBytes: 8 << 20,
      partConcurrency: 4,
      gcsChunkBytes: 16 << 20,
      ...partial.storage,
    },
    logLevel: partial.logLevel ?? process.env.DATAMOTION_LOG_LEVEL ?? 'info',
    confirmAboveBytes: partial.confirmAboveBytes ?? 2 ** 40,
    placement: { ...DEFAULT_PLACEMENT, ...partial.placement },
    ...kafkaOption(partial.kafka),
  };
}

function kafkaOption(input: KafkaSettings | null | undefined): { kafka?: KafkaSettings } {
  if (input === null) return {};
  const kafka = input ?? kafkaFromEnv();
  return kafka ? { kafka } : {};
}
