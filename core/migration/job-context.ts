import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { StorageDriver } from '../storage/driver.ts';
import type { JobRow, JobStore } from './job-store.ts';
import type { Manifest } from './manifest.ts';
import type { Throttle } from './throttle.ts';

/** Everything one phase of one job needs; built by the mover for each run. */
export interface JobContext {
  job: JobRow;
  store: JobStore;
  manifest: Manifest;
  src: StorageDriver;
  dst: StorageDriver;
  /** Aborted by a cancel or a shutdown. */
  signal: AbortSignal;
  objectConcurrency: number;
  maxAttempts: number;
  /** The mover's shared bandwidth limit. */
  throttle: Throttle;
  /**
   * Whether verification of an in-place transition requires the store to report the new
   * class (true in production; an emulator that drops classes on rewrite can't show it).
   */
  verifyTransitionClass: boolean;
  metrics: Metrics;
  logger: Logger;
}

/** "a", "b" and 3 more — error messages name objects without growing without bound. */
export function nameSome(keys: readonly string[], max = 5): string {
  const shown = keys.slice(0, max).map((k) => JSON.stringify(k));
  return keys.length > max ? `${shown.join(', ')} and ${keys.length - max} more` : shown.join(', ');
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
