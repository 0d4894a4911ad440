// What the global setup hands to test files about each development service.
import type { ServiceName } from '../../scripts/services/lib/types.ts';

export type { ServiceName };

export type ServiceStatus =
  | {
      state: 'ready';
      /** host:port for Kafka, an http URL for S3 and GCS. */
      endpoint: string;
      /** Environment that points a client or the app at the service. */
      env: Record<string, string>;
      details: Record<string, string>;
    }
  /** Could not start; the reason says why. Only outside CI (in CI the run fails instead). */
  | { state: 'unavailable'; reason: string }
  /** No selected test file declared `// @needs <name>`. */
  | { state: 'not-requested' };

export type ServiceStatusMap = Record<ServiceName, ServiceStatus>;

/** `// @needs kafka s3` near the top of a test file: the services it talks to. */
export const NEEDS_MARKER = /^\s*\/\/\s*@needs\s+([a-z0-9 ,]+?)\s*$/gm;

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceStatusMap;
  }
}
