import { sseFrames } from '../../core/contracts/sse.ts';
import type { CoreEvent } from '../../core/contracts/events.ts';

export interface EventStream {
  /** Resolves with the first event (received now or later) that matches. */
  next<T extends CoreEvent>(match: (e: CoreEvent) => e is T): Promise<T>;
  next(match: (e: CoreEvent) => boolean): Promise<CoreEvent>;
  close(): void;
}

/**
 * Reads GET /events over a real socket, as a browser would. Resolves once the server has
 * answered: it is subscribed by then, so nothing published afterwards is missed.
 */
export async function openEvents(base: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const ctl = new AbortController();
  const res = await fetch(`${base}/events`, { headers, signal: ctl.signal });
  if (res.status !== 200 || !res.body) throw new Error(`GET /events: HTTP ${res.status}`);
  if (!res.headers.get('content-type')?.startsWith('text/event-stream'))
    throw new Error('not an event stream');
  const seen: CoreEvent[] = [];
  const waiters: { match: (e: CoreEvent) => boolean; resolve: (e: CoreEvent) => void }[] = [];
  const reader = res.body.getReader();
  void (async () => {
    try {
      for await (const frame of sseFrames(reader)) {
        if (!frame.event) continue;
        const event = JSON.parse(frame.data) as CoreEvent;
        if (event.type !== frame.event)
          throw new Error(`frame "event: ${frame.event}" carries a ${event.type}`);
        seen.push(event);
        for (const w of waiters.filter((w) => w.match(event))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event);
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    next(match: (e: CoreEvent) => boolean) {
      const hit = seen.find(match);
      if (hit) return Promise.resolve(hit);
      return new Promise<CoreEvent>((resolve) => waiters.push({ match, resolve }));
    },
    close: () => ctl.abort(),
  } as EventStream;
}
