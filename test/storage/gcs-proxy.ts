// A recording HTTP proxy in front of fake-gcs-server, for the GCS driver tests. It lets a
// test see the requests the driver sent (to check what the emulator ignores), corrupt or
// fail a request on purpose, and answer the one call fake-gcs-server gets wrong:
//
// A resumable-session status query (an empty PUT with "Content-Range: bytes */*"). Real GCS
// answers 308 with the persisted Range and keeps the session open. fake-gcs-server 1.56.1
// *finalizes* the upload with the bytes it has (upload.go, uploadFileContent: `commit`
// stays true when the range is "*"), which would publish a truncated object. So the proxy
// answers status queries itself, from the Range headers of the 308s the emulator sent for
// that session: the emulator appends every chunk it acknowledges, so that is exactly what
// it holds. Everything else reaches the emulator unchanged. The gcs-driver test
// "fake-gcs-server facts" proves the finalizing behaviour, so a fixed emulator shows up.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as the client sent them. */
  url: string;
  headers: Record<string, string>;
  /** Body length as received from the client (before any `corrupt`). */
  bodyBytes: number;
  /** The body, kept only for small JSON requests (session starts, rewrites). */
  json?: unknown;
  status?: number;
  /** True when the proxy answered itself (a status query). */
  answeredByProxy?: boolean;
}

type Session = { persisted: number } | 'gone';

export class GcsProxy {
  readonly requests: RecordedRequest[] = [];
  /** Returns a changed body to forward instead (to prove the store checks what arrives). */
  corrupt: ((req: RecordedRequest, body: Buffer) => Buffer | undefined) | undefined;
  /** Returns a status to answer with instead of forwarding (throttling, outages). */
  fail: ((req: RecordedRequest) => number | undefined) | undefined;
  private readonly sessions = new Map<string, Session>();
  private server: Server | undefined;
  url = '';

  constructor(private readonly upstream: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req).then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        },
        (e: unknown) => {
          res.writeHead(502);
          res.end(String(e));
        },
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Requests since `from` (an index into `requests`) that match. */
  since(from: number, match: (r: RecordedRequest) => boolean = () => true): RecordedRequest[] {
    return this.requests.slice(from).filter(match);
  }

  private async handle(
    req: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    let body: Buffer = Buffer.concat(parts);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers,
      bodyBytes: body.length,
    };
    if (body.length > 0 && body.length < 64 * 1024 && (headers['content-type'] ?? '').includes('json')) {
      record.json = JSON.parse(body.toString('utf8')) as unknown;
    }
    this.requests.push(record);
    const reply = (status: number, h: Record<string, string> = {}, b = Buffer.alloc(0)) => {
      record.status = status;
      return { status, headers: h, body: b };
    };

    const injected = this.fail?.(record);
    if (injected !== undefined) {
      return reply(
        injected,
        { 'content-type': 'application/json' },
        Buffer.from(JSON.stringify({ error: { code: injected, message: 'injected by the test proxy' } })),
      );
    }
    const uploadId = new URL(record.url, this.url).searchParams.get('upload_id');
    if (
      uploadId &&
      record.method === 'PUT' &&
      headers['content-range'] === 'bytes */*' &&
      body.length === 0
    ) {
      record.answeredByProxy = true;
      const s = this.sessions.get(uploadId);
      if (!s || s === 'gone') return reply(s === 'gone' ? 410 : 404);
      return reply(308, s.persisted > 0 ? { range: `bytes=0-${s.persisted - 1}` } : {});
    }
    // fake-gcs-server answers a cancel with 499 but keeps the session; real GCS drops it.
    if (uploadId && record.method === 'DELETE') this.sessions.set(uploadId, 'gone');
    body = this.corrupt?.(record, body) ?? body;

    const forwarded: Record<string, string> = { ...headers };
    // Hop-by-hop headers describe the client's connection, not the request; fetch refuses them.
    for (const h of [
      'host',
      'content-length',
      'transfer-encoding',
      'connection',
      'keep-alive',
      'expect',
      'upgrade',
    ])
      delete forwarded[h];
    const response = await fetch(`${this.upstream}${record.url}`, {
      method: record.method,
      headers: forwarded,
      redirect: 'manual',
      ...(body.length > 0 || !['GET', 'HEAD', 'DELETE'].includes(record.method) ? { body } : {}),
    });
    const out: Record<string, string> = {};
    response.headers.forEach((v, k) => {
      if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v;
    });
    // Session URIs must lead back through the proxy, or the chunks would bypass it.
    if (out.location) out.location = out.location.replace(this.upstream, this.url);
    const range = out.range ? /^bytes=0-(\d+)$/.exec(out.range) : null;
    if (uploadId && response.status === 308)
      this.sessions.set(uploadId, { persisted: range ? Number(range[1]) + 1 : 0 });
    if (uploadId && (response.status === 200 || response.status === 201)) this.sessions.set(uploadId, 'gone');
    if (!uploadId && out.location) {
      const started = new URL(out.location).searchParams.get('upload_id');
      if (started) this.sessions.set(started, { persisted: 0 });
    }
    return reply(response.status, out, Buffer.from(await response.arrayBuffer()));
  }
}
