// The map in a real Chromium against web mode: datasets registered over REST appear in their
// cells, and a card dragged onto another tier becomes a migration the queue shows through
// every stage until the card lands in its new cell.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { E2E } from './support/e2e-env.ts';
import { StageGate } from './support/stage-gate.ts';
import { MapPage } from './pages/map-page.ts';
import { QueuePage } from './pages/queue-page.ts';

const MiB = 1024 * 1024;

describe('map: datasets in their cells, drag to migrate', () => {
  let env: E2E;
  let map: MapPage;
  let queue: QueuePage;
  beforeAll(async () => {
    // 2 MiB/s: an 8 MiB copy takes ~3 s, long enough to watch its progress bar move.
    env = await E2E.start({ bandwidthBytesPerSec: 2 * MiB });
    map = new MapPage(env.page);
    queue = new QueuePage(env.page);
  });
  afterEach(() => {
    expect(env.problems.unexpected()).toEqual([]);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('shows datasets created through the API in their cells, and new ones live', async () => {
    const clicks = await env.dataset('clickstream', 'fast', { 'day-1.json': 4096, 'day-2.json': 8192 });
    const ledger = await env.dataset(
      'ledger-2019',
      'archive',
      { 'ledger.csv': 2048 },
      { current_tier: 'cold' },
    );

    await map.open(env.server.url);

    await map.cardIn(clicks.id, 'fast', 'hot').waitFor();
    await map.cardIn(ledger.id, 'archive', 'cold').waitFor();
    expect(await map.card(clicks.id).textContent()).toContain('clickstream');
    expect(await map.cell('fast', 'hot').getAttribute('data-count')).toBe('1');
    expect(await map.cell('archive', 'cold').getAttribute('data-count')).toBe('1');
    // fast offers only hot: its warm cell says so and takes no drop.
    expect(await map.cell('fast', 'warm').getAttribute('data-offered')).toBe('false');

    // Registered while the page is open: arrives over the event stream, no reload.
    const features = await env.dataset('ml-features', 'fast', { 'f.parquet': 1024 });
    await map.cardIn(features.id, 'fast', 'hot').waitFor();
    expect(await map.cell('fast', 'hot').getAttribute('data-count')).toBe('2');
  });

  it('drags a card onto another tier, confirms, and follows the job through every stage to its new cell', async () => {
    const video = await env.dataset('video-raw', 'fast', {
      'a.bin': 3 * MiB,
      'b.bin': 3 * MiB,
      'c.bin': 2 * MiB,
    });
    await map.open(env.server.url);
    await map.cardIn(video.id, 'fast', 'hot').waitFor();
    // The mover waits (as if busy elsewhere) until the queue has shown the job queued.
    await env.core.mover.stop();
    const driver = env.core.storage.forUri(video.path_uri);
    const verifying = new StageGate(driver, 'checksum');
    const switching = new StageGate(driver, 'removeRoot');

    const dialog = await map.dragCardTo(video.id, 'archive', 'warm');
    await dialog.estimated();
    expect(await dialog.byTestId('migration-source').textContent()).toMatch(/fast.*hot/);
    expect(await dialog.byTestId('migration-target').textContent()).toMatch(/archive.*warm/);
    expect(await dialog.byTestId('migration-bytes').textContent()).toContain('8');
    await dialog.retireSource();
    // Retiring the source deletes it: Confirm waits for that to be acknowledged.
    expect(await dialog.byTestId('migration-confirm').isDisabled()).toBe(true);
    await dialog.acknowledge('retire_source');
    await env.shots.lightAndDark('drag-dialog');
    const jobId = await dialog.confirm();
    await dialog.openInQueue();

    await queue.waitFor(jobId, 'queued');
    env.core.mover.start();
    await queue.waitFor(jobId, 'copying');
    await queue.waitForPartialProgress(jobId);
    await env.page.getByTestId('job-drawer').getByTestId('dialog-close').click();
    await env.shots.lightAndDark('queue-running');
    await queue.waitFor(jobId, 'verifying');
    verifying.release();
    await queue.waitFor(jobId, 'switching');
    switching.release();
    await queue.waitFor(jobId, 'completed');

    expect(await queue.progress(jobId)).toBe(1);
    expect(await queue.history(jobId)).toEqual(['queued', 'copying', 'verifying', 'switching', 'completed']);
    await queue.closeDrawer();
    await map.shell.go('map');
    await map.cardIn(video.id, 'archive', 'warm').waitFor();
    expect(await map.cell('fast', 'hot').getByTestId(`dataset-card-${video.id}`).count()).toBe(0);
    expect(await map.card(video.id).getAttribute('data-tier')).toBe('warm');
    // The retired source is gone; the copy is where the card says.
    expect(existsSync(join(env.root('fast'), 'video-raw'))).toBe(false);
    expect(existsSync(join(env.root('archive'), 'video-raw', 'a.bin'))).toBe(true);
  });

  it('moves a dataset with the keyboard alone: M, arrows, Enter, Tab to Confirm', async () => {
    const reports = await env.dataset('reports-2025', 'fast', {
      'q1.parquet': 64 * 1024,
      'q2.parquet': 64 * 1024,
    });
    await map.open(env.server.url);
    await map.cardIn(reports.id, 'fast', 'hot').waitFor();

    const dialog = await map.moveWithKeyboard(reports.id, 'archive', 'cold');
    expect(await dialog.byTestId('migration-tier').inputValue()).toBe('cold');
    await dialog.estimated();
    // Confirm is disabled until the estimate is in, and a disabled button takes no focus.
    await map.shell.tabTo('migration-confirm');
    await env.page.keyboard.press('Enter');
    await dialog.byTestId('migration-planned').waitFor();
    await map.shell.tabTo('migration-done');
    await env.page.keyboard.press('Enter');
    await dialog.root.waitFor({ state: 'detached' });

    await map.cardIn(reports.id, 'archive', 'cold').waitFor();
    expect(await map.card(reports.id).getAttribute('data-tier')).toBe('cold');
  });
});
