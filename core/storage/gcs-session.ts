// The GCS resumable-upload protocol (JSON API), driven by hand so the driver decides
// chunk by chunk what is persisted and can checkpoint after each one. The SDK's
// resumable stream hides exactly that progress.
// https://cloud.google.com/storage/docs/performing-resumable-uploads

/**
 * A failed GCS call. `code` keeps the HTTP status (a number, as the SDK's ApiError has it)
 * or the network error code (a string such as ECONNRESET); `retryable` marks throttling and
 * server errors, which core/migration/retry.ts treats as transient.
 */
export class GcsError extends Error {
  override readonly name = 'GcsError';
  readonly retryable: boolean;
  constructor(
    message: string,
    readonly code: number | string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = typeof code === 'number' && (code === 408 || code === 429 || code >= 500);
  }
}

/** The SDK's error (ApiError: numeric `code`) or a socket error, as a GcsError naming what failed. */
export function wrap(op: string, what: string, e: unknown): unknown {
  if (e instanceof GcsError || (e as { name?: string } | null)?.name === 'AbortError') return e;
  const err = e as { code?: number | string; message?: string };
  return new GcsError(`GCS ${op} of ${what} failed: ${err.message ?? String(e)}`, err.code, { cause: e });
}

export function isNotFound(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 404;
}

/** The object resource GCS returns when an upload completes. */
export interface GcsObjectResource {
  name?: string;
  size?: string;
  crc32c?: string;
  storageClass?: string;
  generation?: string;
}

export type ChunkResult = { done: false; persisted: number } | { done: true; object: GcsObjectResource };

export type SessionStatus =
  | { state: 'active'; persisted: number }
  | { state: 'complete'; object: GcsObjectResource }
  | { state: 'gone' };

/** Where requests go and how they are authorized; `what` names the object in error messages. */
export interface SessionContext {
  headers: () => Promise<Record<string, string>>;
  what: string;
  signal?: AbortSignal;
}

/** Bytes persisted according to a 308's Range header ("bytes=0-N"); no header means none. */
function persistedFrom(response: Response): number {
  const range = response.headers.get('range');
  if (!range) return 0;
  const match = /^bytes=0-(\d+)$/.exec(range.trim());
  if (!match) throw new GcsError(`unexpected Range header "${range}" from a GCS upload session`, undefined);
  return Number(match[1]) + 1;
}

async function failure(op: string, ctx: SessionContext, response: Response): Promise<GcsError> {
  const body = (await response.text().catch(() => '')).slice(0, 500);
  let detail = body;
  try {
    detail = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? body;
  } catch {
    // Not JSON: keep the text.
  }
  return new GcsError(
    `GCS ${op} of ${ctx.what} failed: HTTP ${response.status} ${detail}`.trim(),
    response.status,
  );
}

async function send(op: string, ctx: SessionContext, url: string, init: RequestInit): Promise<Response> {
  try {
    // 308 is GCS's "resume incomplete", not a redirect to follow.
    return await fetch(url, { ...init, redirect: 'manual', signal: ctx.signal });
  } catch (e) {
    if ((e as { name?: string }).name === 'AbortError') throw e;
    // undici puts the socket error (ECONNRESET, ...) in cause; keep its code for retry.ts.
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new GcsError(
      `GCS ${op} of ${ctx.what} failed: ${cause?.message ?? (e as Error).message}`,
      cause?.code,
      { cause: e },
    );
  }
}

/** Starts a session; the returned URI is the upload's identity (and its only credential). */
export async function createSession(
  ctx: SessionContext,
  apiEndpoint: string,
  bucket: string,
  name: string,
  opts: { storageClass?: string; size?: number },
): Promise<string> {
  const url = `${apiEndpoint}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}`;
  const headers: Record<string, string> = {
    ...(await ctx.headers()),
    'content-type': 'application/json; charset=UTF-8',
    'x-upload-content-type': 'application/octet-stream',
  };
  if (opts.size !== undefined) headers['x-upload-content-length'] = String(opts.size);
  const body = JSON.stringify({
    name,
    contentType: 'application/octet-stream',
    ...(opts.storageClass ? { storageClass: opts.storageClass } : {}),
  });
  const response = await send('starting a resumable upload', ctx, url, { method: 'POST', headers, body });
  if (!response.ok) throw await failure('starting a resumable upload', ctx, response);
  await response.body?.cancel();
  const location = response.headers.get('location');
  if (!location) throw new GcsError(`GCS gave no session URI for ${ctx.what}`, response.status);
  return location;
}

/**
 * Sends bytes [start, start + chunk.length) of the object. `total` is the object's size on
 * the final chunk (with its whole-object CRC32C, which GCS checks before finalizing) and
 * null on the others, whose length must be a multiple of 256 KiB.
 */
export async function putChunk(
  ctx: SessionContext,
  sessionUri: string,
  chunk: Uint8Array,
  start: number,
  final: { total: number; crc32c: string } | null,
): Promise<ChunkResult> {
  const headers: Record<string, string> = { ...(await ctx.headers()) };
  const end = start + chunk.byteLength - 1;
  if (final) {
    headers['content-range'] =
      chunk.byteLength === 0 ? `bytes */${final.total}` : `bytes ${start}-${end}/${final.total}`;
    headers['x-goog-hash'] = `crc32c=${final.crc32c}`;
  } else {
    headers['content-range'] = `bytes ${start}-${end}/*`;
  }
  const op = final ? 'finishing a resumable upload' : `uploading bytes ${start}-${end}`;
  const response = await send(op, ctx, sessionUri, { method: 'PUT', headers, body: chunk });
  if (response.status === 308) {
    await response.body?.cancel();
    return { done: false, persisted: persistedFrom(response) };
  }
  if (response.status === 200 || response.status === 201) {
    return { done: true, object: (await response.json()) as GcsObjectResource };
  }
  throw await failure(op, ctx, response);
}

/** Asks the session how much it has persisted: an empty PUT with "Content-Range: bytes *\/*". */
export async function querySession(ctx: SessionContext, sessionUri: string): Promise<SessionStatus> {
  const headers = { ...(await ctx.headers()), 'content-range': 'bytes */*' };
  const op = 'querying a resumable upload';
  const response = await send(op, ctx, sessionUri, { method: 'PUT', headers });
  if (response.status === 308) {
    await response.body?.cancel();
    return { state: 'active', persisted: persistedFrom(response) };
  }
  if (response.status === 200 || response.status === 201) {
    return { state: 'complete', object: (await response.json()) as GcsObjectResource };
  }
  // 404: unknown or expired (a week after it started); 410: cancelled or failed.
  if (response.status === 404 || response.status === 410) {
    await response.body?.cancel();
    return { state: 'gone' };
  }
  throw await failure(op, ctx, response);
}

/** Cancels a session so its bytes are dropped now rather than when it expires. */
export async function cancelSession(ctx: SessionContext, sessionUri: string): Promise<void> {
  const response = await send('cancelling a resumable upload', ctx, sessionUri, {
    method: 'DELETE',
    headers: await ctx.headers(),
  });
  await response.body?.cancel();
  // GCS answers a successful cancel with 499; an already gone session with 404/410.
  if (![200, 204, 404, 410, 499].includes(response.status)) {
    throw new GcsError(
      `GCS cancelling a resumable upload of ${ctx.what} failed: HTTP ${response.status}`,
      response.status,
    );
  }
}
