import { parseGcsUri } from '../storage/gcs-uri.ts';
import { parseS3Uri } from '../storage/s3-location.ts';
import { invalid } from '../errors.ts';

/** An object-store root (s3:// or gs://): a bucket and a '/'-separated prefix without end slashes. */
export interface ObjectRoot {
  kind: 's3' | 'gs';
  bucket: string;
  prefix: string;
}

/** Parses an s3:// or gs:// URI given by a client; a malformed one is a 400 naming `field`. */
export function parseObjectRoot(uri: string, field: string): ObjectRoot {
  const kind = uri.startsWith('s3://') ? 's3' : 'gs';
  try {
    const root = kind === 's3' ? parseS3Uri(uri) : parseGcsUri(uri);
    return { kind, bucket: root.bucket, prefix: root.prefix };
  } catch (e) {
    throw invalid(field, (e as Error).message);
  }
}

/** The canonical spelling: `s3://bucket` or `s3://bucket/a/b` (no trailing slash). */
export const rootUri = (r: ObjectRoot): string => `${r.kind}://${r.bucket}${r.prefix ? `/${r.prefix}` : ''}`;

/** `inner` equals `outer` or lies under it, at a '/' boundary (`data` does not contain `data-old`). */
export function containsRoot(outer: ObjectRoot, inner: ObjectRoot): boolean {
  if (outer.kind !== inner.kind || outer.bucket !== inner.bucket) return false;
  return outer.prefix === '' || inner.prefix === outer.prefix || inner.prefix.startsWith(`${outer.prefix}/`);
}
