import { setTimeout as delay } from 'node:timers/promises';

/** Error codes worth another try: the storage was busy or the link dropped, not wrong. */
const TRANSIENT_CODES = new Set([
  'EAGAIN',
  'EBUSY',
  'EINTR',
  'EIO',
  'EMFILE',
  'ENFILE',
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'EAI_AGAIN',
]);

/** A failure that retrying cannot fix (a checksum mismatch, a source that changed). */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
}

export function isAbort(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === 'AbortError';
}

export function isTransient(e: unknown): boolean {
  if (!e || typeof e !== 'object' || e instanceof PermanentError || isAbort(e)) return false;
  const err = e as {
    code?: string;
    $retryable?: unknown;
    retryable?: boolean;
    $metadata?: { httpStatusCode?: number };
  };
  if (typeof err.code === 'string' && TRANSIENT_CODES.has(err.code)) return true;
  // The GCS SDK's errors carry the HTTP status as a numeric code.
  const numeric = (e as { code?: unknown }).code;
  if (typeof numeric === 'number' && (numeric === 408 || numeric === 429 || numeric >= 500)) return true;
  // Cloud SDK errors (S3, GCS) mark throttling and 5xx answers themselves.
  if (err.$retryable || err.retryable) return true;
  const status = err.$metadata?.httpStatusCode;
  return status === 429 || (status !== undefined && status >= 500);
}

export interface RetryOptions {
  maxAttempts: number;
  signal?: AbortSignal;
  baseDelayMs?: number;
  onRetry?: (error: unknown, attempt: number) => void;
}

/** Runs `fn`, again after an exponential backoff while it fails transiently, up to maxAttempts tries. */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const base = opts.baseDelayMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= opts.maxAttempts || !isTransient(e) || opts.signal?.aborted) throw e;
      opts.onRetry?.(e, attempt);
      const wait = Math.min(5000, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await delay(wait, undefined, { signal: opts.signal });
    }
  }
}

/**
 * Runs `work` over an async source (a manifest read page by page) with at most `limit`
 * items in flight and at most one page buffered, so a million objects never sit in memory.
 * On the first failure no new item starts; the ones in flight are awaited (so nothing is
 * still writing when the caller cleans up) and the first error is thrown.
 */
export async function runPoolAsync<T>(
  items: AsyncIterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const it = items[Symbol.asyncIterator]();
  let failure: { error: unknown } | undefined;
  let exhausted = false;
  // One puller at a time: async generators are not re-entrant.
  let pulling: Promise<IteratorResult<T>> = Promise.resolve({ done: false, value: undefined as T });
  const next = async (): Promise<IteratorResult<T>> => {
    const p = pulling.then(() => it.next());
    pulling = p.catch(() => ({ done: true, value: undefined }));
    return p;
  };
  const lane = async (): Promise<void> => {
    while (!failure && !signal?.aborted && !exhausted) {
      let r: IteratorResult<T>;
      try {
        r = await next();
      } catch (e) {
        failure ??= { error: e };
        return;
      }
      if (r.done) {
        exhausted = true;
        return;
      }
      try {
        await work(r.value);
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, limit) }, lane));
  } finally {
    await it.return?.(undefined);
  }
  if (failure) throw failure.error;
  signal?.throwIfAborted();
}
