import type { OutputSink } from './process.ts';

export type ServiceName = 'kafka' | 's3' | 'gcs';
export const SERVICE_NAMES: readonly ServiceName[] = ['kafka', 's3', 'gcs'];

export interface StartOptions {
  /** Listening port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Folder for the service's state; created if missing. */
  dataDir: string;
  /** Delete `dataDir` before starting. */
  wipe: boolean;
  output: OutputSink;
  /** Kafka only: the broker version to run. */
  version?: string;
  /** Called with short progress lines ("downloading ..."). */
  log: (line: string) => void;
}

export interface RunningService {
  name: ServiceName;
  /** What a client connects to: host:port for Kafka, a URL for S3 and GCS. */
  endpoint: string;
  /** Environment that points a client (or the app) at this service. */
  env: Record<string, string>;
  /** Extra facts worth printing: version, data folder. */
  details: Record<string, string>;
  pid: number;
  exited: Promise<string>;
  stop(): Promise<void>;
}
