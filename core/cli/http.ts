import { sseFrames } from '../contracts/sse.ts';
import type { CoreEvent } from '../contracts/events.ts';
import type { ErrorBody } from '../contracts/common.ts';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** A failure the user should read as-is: the server's own message, or why it could not be reached. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The REST API from the command line; errors carry the server's JSON message. */
export class ApiClient {
  readonly base: string;

  constructor(
    base: string,
    private readonly apiKey: string | undefined,
  ) {
    this.base = base.replace(/\/+$/, '');
  }

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json' };
    if (json) h['content-type'] = 'application/json';
    if (this.apiKey) h['x-api-key'] = this.apiKey;
    return h;
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(this.base + path, init);
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach DataMotion at ${this.base} (${cause?.code ?? cause?.message ?? (e as Error).message}); ` +
          'is `datamotion serve` running? Pass --url or set DATAMOTION_URL',
      );
    }
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(path, {
      method,
      headers: this.headers(body !== undefined),
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = json as Partial<ErrorBody> | undefined;
      throw new CliError(
        err?.message
          ? `${err.message} [HTTP ${res.status} ${err.error ?? ''}]`.replace(' ]', ']')
          : `${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`,
      );
    }
    return json as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /**
   * Opens GET /events. Resolves once the server answered (it is subscribed by then), so a
   * caller can read a state after this and miss no change that follows it.
   */
  async events(signal: AbortSignal): Promise<AsyncGenerator<CoreEvent>> {
    const res = await this.fetch('/events', { headers: this.headers(false), signal });
    if (!res.ok || !res.body) throw new CliError(`GET /events: HTTP ${res.status}`);
    return readEvents(res.body.getReader());
  }
}

async function* readEvents(reader: ReadableStreamDefaultReader<Uint8Array>): AsyncGenerator<CoreEvent> {
  for await (const frame of sseFrames(reader)) yield JSON.parse(frame.data) as CoreEvent;
}
