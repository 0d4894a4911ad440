// The queue's actions against a real mover: a copy in flight is canceled (and its partial
// copy removed), then retried to completion.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PlanResult } from '../../core/contracts/jobs.ts';
import { E2E } from './support/e2e-env.ts';
import { StageGate } from './support/stage-gate.ts';
import { MapPage } from './pages/map-page.ts';
import { QueuePage } from './pages/queue-page.ts';

describe('queue: cancel and retry', () => {
  let env: E2E;
  let queue: QueuePage;
  let map: MapPage;
  beforeAll(async () => {
    env = await E2E.start();
    queue = new QueuePage(env.page);
    map = new MapPage(env.page);
  });
  afterEach(() => {
    expect(env.problems.unexpected()).toEqual([]);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('cancels a copy in flight, explains why Retry must wait for the cleanup, then retries to completed', async () => {
    const ds = await env.dataset('sensor-raw', 'fast', {
      'a.bin': 200_000,
      'b.bin': 200_000,
      'z.bin': 200_000,
    });
    // z.bin's write is held: the job stays in copying, 2 of 3 objects done, until released.
    const held = new StageGate(env.core.storage.forUri(ds.path_uri), 'write', 'z.bin');
    const job = await env.api.call<PlanResult>('POST', '/plan-migration', {
      dataset_id: ds.id,
      target_location: 'archive',
      storage_class: 'standard',
      tier: 'warm',
    });
    await map.shell.open(env.server.url, 'queue');
    await queue.waitFor(job.job_id, 'copying');
    await held.reached;
    await queue.waitForPartialProgress(job.job_id);

    await queue.cancel(job.job_id);
    await queue.waitFor(job.job_id, 'canceled');
    expect(await env.page.getByTestId(`job-steps-${job.job_id}`).getAttribute('aria-label')).toBe(
      'Stage: canceled during copying',
    );
    // The held write has not stopped yet, so the cancel is still cleaning up: the server
    // refuses a retry and the row says why, in its words.
    env.problems.expect(/status of 409/);
    await queue.retry(job.job_id);
    await expect
      .poll(() => queue.row(job.job_id).getByRole('alert').textContent())
      .toContain('still removing what it wrote after its cancel');

    held.release();
    // What it wrote is removed; the UI shows no sign of that, so the test asks the mover.
    await vi.waitFor(() => expect(env.core.mover.isBusy(job.job_id)).toBe(false), { timeout: 10_000 });
    expect(existsSync(join(env.root('archive'), 'sensor-raw', 'a.bin'))).toBe(false);

    await queue.retry(job.job_id);
    await queue.waitFor(job.job_id, 'completed');
    expect(await queue.row(job.job_id).getByRole('alert').count()).toBe(0);
    await map.shell.go('map');
    await map.cardIn(ds.id, 'archive', 'warm').waitFor();
  });
});
