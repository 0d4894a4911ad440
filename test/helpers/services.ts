// Test-side access to the services started by test/setup/global-services.ts.
// A test file that uses one declares it near its top:  // @needs kafka
import { describe, inject, type TestContext } from 'vitest';
import type { ServiceName } from '../setup/service-status.ts';

export interface ReadyService {
  /** host:port for Kafka, an http URL for S3 and GCS. */
  endpoint: string;
  /** Environment that points a client or the app at the service. */
  env: Record<string, string>;
  details: Record<string, string>;
}

/** Why `name` cannot be used, or undefined when it is ready. */
function unavailableReason(name: ServiceName): string | undefined {
  const status = inject('services')[name];
  if (status.state === 'ready') return undefined;
  if (status.state === 'unavailable') return `${name} unavailable: ${status.reason}`;
  // A programmer error, not an environment problem: never a silent skip.
  throw new Error(
    `This test uses ${name} but its file lacks a "// @needs ${name}" comment, so it was not started.`,
  );
}

/**
 * The service's endpoint, or a skip of the current test with the reason
 * (outside CI; in CI the global setup already failed the run).
 */
export function needsService(name: ServiceName, ctx: TestContext): ReadyService {
  const reason = unavailableReason(name);
  if (reason !== undefined) ctx.skip(reason);
  const status = inject('services')[name];
  if (status.state !== 'ready') throw new Error(`${name} is not ready.`);
  return { endpoint: status.endpoint, env: status.env, details: status.details };
}

/**
 * A describe block whose tests and hooks run only when `name` is ready;
 * otherwise the block is skipped and its title carries the reason.
 */
export function describeWithService(
  name: ServiceName,
  title: string,
  body: (service: ReadyService) => void,
): void {
  const reason = unavailableReason(name);
  if (reason !== undefined) {
    describe.skip(`${title} (skipped: ${reason.split('\n')[0]})`, () =>
      body({ endpoint: '', env: {}, details: {} }));
    return;
  }
  const status = inject('services')[name];
  if (status.state !== 'ready') return;
  describe(title, () => body({ endpoint: status.endpoint, env: status.env, details: status.details }));
}
