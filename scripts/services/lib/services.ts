// One entry point per service, shared by the dev:* scripts and the test suite's
// global setup, so developers and tests run exactly the same starters.
import { join } from 'node:path';
import { DEFAULT_KAFKA_VERSION, startKafka } from './kafka.ts';
import { DATA_DIR } from './paths.ts';
import { startGcs } from './gcs.ts';
import { startS3 } from './s3.ts';
import type { RunningService, ServiceName, StartOptions } from './types.ts';

export { SERVICE_NAMES, type RunningService, type ServiceName, type StartOptions } from './types.ts';
export { DEFAULT_KAFKA_VERSION, KAFKA_VERSIONS } from './kafka.ts';

export const DEFAULT_PORTS: Record<ServiceName, number> = { kafka: 9092, s3: 9000, gcs: 4443 };

/** The dev scripts' default state folder; tests pass a temp folder instead. */
export function defaultDataDir(name: ServiceName, version = DEFAULT_KAFKA_VERSION): string {
  return join(DATA_DIR, name === 'kafka' ? `kafka-${version}` : name);
}

const starters: Record<ServiceName, (options: StartOptions) => Promise<RunningService>> = {
  kafka: startKafka,
  s3: startS3,
  gcs: startGcs,
};

export function startService(name: ServiceName, options: StartOptions): Promise<RunningService> {
  return starters[name](options);
}
