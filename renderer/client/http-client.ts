import { ApiError } from '../../core/contracts/api-error.ts';
import {
  CHANNELS,
  CHANNEL_NAMES,
  argParts,
  type ChannelClient,
  type ChannelName,
  type ChannelSpec,
} from '../../core/contracts/channels.ts';
import type { Client, ConnectionState } from '../../core/contracts/client.ts';
import type { CoreEvent } from '../../core/contracts/events.ts';
import { sseFrames } from '../../core/contracts/sse.ts';
import type { KeyStore } from './api-key.ts';

export interface HttpClientOptions {
  /** Origin of the API; '' = the page's own. */
  base?: string;
  /** Where the API key is read from before each request (and the event stream). */
  keys?: KeyStore;
  /** Called on every 401: the UI shows its API-key prompt. */
  onUnauthorized?: (error: ApiError) => void;
  fetch?: typeof fetch;
  /** Event-stream reconnect delays: doubles from `initialMs` up to `maxMs`. */
  backoff?: { initialMs: number; maxMs: number };
}

/** `/datasets/{id}/usage` + 7 → `/datasets/7/usage`. */
export function fillPath(spec: ChannelSpec, param: unknown): string {
  if (!spec.param) return spec.path;
  return spec.path.replace(`{${spec.param.name}}`, encodeURIComponent(String(param)));
}

/** A query object as a query string; undefined and null are left out. */
export function queryString(query: unknown): string {
  if (!query || typeof query !== 'object') return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    params.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/**
 * The Client over HTTP + SSE (web mode, tests), derived from the channel map. The API key
 * goes as `x-api-key` on every request, the event stream included: the stream is read with
 * fetch because EventSource cannot send headers.
 */
export function httpClient(opts: HttpClientOptions = {}): Client {
  const base = opts.base ?? '';
  const doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const backoff = opts.backoff ?? { initialMs: 1000, maxMs: 30_000 };
  const headers = (json: boolean): Record<string, string> => {
    const key = opts.keys?.get();
    return { ...(key ? { 'x-api-key': key } : {}), ...(json ? { 'content-type': 'application/json' } : {}) };
  };

  async function request(name: ChannelName, args: unknown[]): Promise<unknown> {
    const spec: ChannelSpec = CHANNELS[name];
    const { param, query, body } = argParts(spec, args);
    const path = fillPath(spec, param) + queryString(query);
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method: spec.method,
        headers: headers(body !== undefined),
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(
        'network',
        `cannot reach the DataMotion server${base ? ` at ${base}` : ''}; is it running?`,
      );
    }
    if (res.status === 204) return null;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = ApiError.fromBody(json, res.status, `${spec.method} ${spec.path}: HTTP ${res.status}`);
      if (res.status === 401) opts.onUnauthorized?.(err);
      throw err;
    }
    if (json === undefined) throw new ApiError('bad_response', `${spec.method} ${spec.path}: not JSON`);
    return json;
  }

  const calls = Object.fromEntries(
    CHANNEL_NAMES.map((name) => [name, (...args: unknown[]) => request(name, args)]),
  ) as unknown as ChannelClient;

  function subscribe(onEvent: (e: CoreEvent) => void, onState?: (s: ConnectionState) => void): () => void {
    const ctl = new AbortController();
    let wake: (() => void) | undefined;
    const offKey = opts.keys?.onChange(() => wake?.());
    /** Waits `ms`, or less when the key changes or the subscription ends. */
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          wake = undefined;
          ctl.signal.removeEventListener('abort', done);
          resolve();
        }
        wake = done;
        ctl.signal.addEventListener('abort', done);
      });

    void (async () => {
      let delay = backoff.initialMs;
      let first = true;
      while (!ctl.signal.aborted) {
        onState?.(first ? 'connecting' : 'reconnecting');
        first = false;
        try {
          const res = await doFetch(`${base}/events`, { headers: headers(false), signal: ctl.signal });
          if (res.status === 401) {
            onState?.('unauthorized');
            opts.onUnauthorized?.(ApiError.fromBody(await res.json().catch(() => null), 401));
            // Until a key is entered (or the backoff passes, in case it was set elsewhere).
            await pause(backoff.maxMs);
            continue;
          }
          if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
          onState?.('live');
          delay = backoff.initialMs;
          for await (const frame of sseFrames(res.body.getReader())) {
            let event: CoreEvent;
            try {
              event = JSON.parse(frame.data) as CoreEvent;
            } catch {
              continue;
            }
            onEvent(event);
          }
        } catch {
          // Network down, server restarted, or aborted: reconnect below unless aborted.
        }
        if (ctl.signal.aborted) break;
        onState?.('reconnecting');
        await pause(delay);
        delay = Math.min(delay * 2, backoff.maxMs);
      }
    })();

    return () => {
      offKey?.();
      ctl.abort();
    };
  }

  return { ...calls, subscribe };
}
