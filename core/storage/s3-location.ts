// s3:// URIs and S3 errors: where an object lives, and failures that say which one.

/** A dataset root on S3: a bucket and a "folder" prefix without slashes at either end ('' = the bucket). */
export interface S3Root {
  bucket: string;
  prefix: string;
}

// S3's rules for new buckets (3-63 chars of lowercase letters, digits, '.', '-').
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function malformed(uri: string, why: string): Error {
  return new Error(`malformed S3 URI "${uri}": ${why} (expected s3://bucket or s3://bucket/prefix)`);
}

/**
 * Parses `s3://bucket/prefix`. The prefix is taken literally (S3 keys are not
 * percent-encoded in s3:// URIs, as in the aws CLI); one trailing '/' is allowed.
 */
export function parseS3Uri(uri: string): S3Root {
  if (!uri.startsWith('s3://')) throw malformed(uri, 'the scheme must be s3://');
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  let prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (!BUCKET.test(bucket)) throw malformed(uri, `"${bucket}" is not a valid bucket name`);
  if (prefix.endsWith('/')) prefix = prefix.slice(0, -1);
  // A query or fragment would be silently part of the key; empty or dot segments make
  // two spellings of one root (or none a file system could mirror).
  if (/[?#]/.test(prefix)) throw malformed(uri, 'a prefix may not contain "?" or "#"');
  if (prefix !== '' && prefix.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw malformed(uri, 'the prefix has an empty, "." or ".." segment');
  }
  return { bucket, prefix };
}

/** The prefix every object key of the root starts with ('' for a whole bucket). */
export function keyPrefix(root: S3Root): string {
  return root.prefix === '' ? '' : `${root.prefix}/`;
}

/** The S3 key of `key` (relative, '/'-separated) under the root. */
export function objectKey(root: S3Root, key: string): string {
  // Keys come from our own listings, but a manifest row is data: refuse what cannot be one.
  if (key === '' || key.startsWith('/'))
    throw new Error(`invalid object key "${key}" under s3://${root.bucket}`);
  return keyPrefix(root) + key;
}

/** `s3://bucket/key` for messages. */
export function s3Url(bucket: string, key?: string): string {
  return key === undefined || key === '' ? `s3://${bucket}` : `s3://${bucket}/${key}`;
}

interface SdkErrorFields {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $retryable?: unknown;
  $fault?: string;
}

/**
 * An S3 failure naming the operation and the object. Carries the SDK error's `name`,
 * `code`, `$metadata`, `$retryable` and `$fault`, so the mover's retry policy sees a
 * throttle or a 5xx exactly as the SDK reported it; the SDK error is the `cause`.
 */
export class S3OperationError extends Error {
  readonly code?: string;
  readonly $metadata?: SdkErrorFields['$metadata'];
  readonly $retryable?: unknown;
  readonly $fault?: string;

  constructor(operation: string, target: string, cause: unknown) {
    const e = (cause ?? {}) as SdkErrorFields;
    const status = e.$metadata?.httpStatusCode;
    const what = [e.name, status && `HTTP ${status}`].filter(Boolean).join(', ');
    super(`${operation} ${target}: ${what ? `${what}: ` : ''}${e.message ?? String(cause)}`, { cause });
    this.name = e.name ?? 'S3Error';
    if (e.code !== undefined) this.code = e.code;
    if (e.$metadata !== undefined) this.$metadata = e.$metadata;
    if (e.$retryable !== undefined) this.$retryable = e.$retryable;
    if (e.$fault !== undefined) this.$fault = e.$fault;
  }
}

function fields(e: unknown): SdkErrorFields {
  return (e && typeof e === 'object' ? e : {}) as SdkErrorFields;
}

/** The SDK error wrapped with context; an abort stays as it is so callers recognise it. */
export function wrapS3Error(e: unknown, operation: string, target: string): unknown {
  if (fields(e).name === 'AbortError' || e instanceof S3OperationError) return e;
  return new S3OperationError(operation, target, e);
}

/** A missing object (HeadObject answers a bare 404 "NotFound"). */
export function isNoSuchKey(e: unknown): boolean {
  const { name, $metadata } = fields(e);
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}

export function isNoSuchUpload(e: unknown): boolean {
  return fields(e).name === 'NoSuchUpload';
}

export function isNoSuchBucket(e: unknown): boolean {
  return fields(e).name === 'NoSuchBucket';
}

export function isInvalidRange(e: unknown): boolean {
  const { name, $metadata } = fields(e);
  return name === 'InvalidRange' || $metadata?.httpStatusCode === 416;
}
