import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as tick } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../core/api/server.ts';
import type { CoreEvent } from '../../core/contracts/events.ts';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';
import { openEvents } from './sse-client.ts';

/** Waits for a state, not for a time: re-checks after each turn of the event loop. */
async function until(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(20);
  }
}

describe('GET /events over a real socket', () => {
  let t: TempCore;
  let server: RunningServer;
  beforeEach(async () => {
    t = tempCore();
    server = await startServer(t.core, { port: 0 });
  });
  afterEach(async () => {
    await server.close();
    await t.cleanup();
  });

  const sseClients = async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return Number(/^datamotion_sse_clients (\d+)$/m.exec(text)?.[1]);
  };

  it('delivers dataset.updated after POST /datasets, and counts its clients', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const events = await openEvents(server.url);
    expect(await sseClients()).toBe(1);

    mkdirSync(join(t.store, 'live'));
    const res = await fetch(`${server.url}/datasets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'live', path_uri: t.uri('live') }),
    });
    expect(res.status).toBe(201);
    const event = await events.next(
      (e): e is Extract<CoreEvent, { type: 'dataset.updated' }> => e.type === 'dataset.updated',
    );
    expect(event.dataset).toMatchObject({ name: 'live', path_uri: t.uri('live') });

    events.close();
    await until(async () => (await sseClients()) === 0, 'the client to be unsubscribed');
    expect(t.core.bus.listenerCount()).toBe(0);
  });

  it('closing the server ends open streams instead of hanging', async () => {
    await openEvents(server.url);
    await openEvents(server.url);
    await server.close();
    expect(t.core.bus.listenerCount()).toBe(0);
  });
});
