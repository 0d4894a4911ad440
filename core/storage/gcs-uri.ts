/** A dataset root in GCS: a bucket and an object-name prefix without slashes at either end. */
export interface GcsRoot {
  bucket: string;
  /** '' for the whole bucket. */
  prefix: string;
}

// GCS bucket naming rules: 3-63 characters (up to 222 with dots), lowercase, digits, - _ .
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** Parses `gs://bucket[/prefix]`, refusing anything that would address objects ambiguously. */
export function parseGcsUri(uri: string): GcsRoot {
  const match = /^gs:\/\/([^/?#]*)(?:\/(.*))?$/.exec(uri);
  if (!match) throw new Error(`not a GCS URI: "${uri}" (expected gs://bucket/prefix)`);
  const bucket = match[1] ?? '';
  if (!BUCKET_NAME.test(bucket) || (!bucket.includes('.') && bucket.length > 63)) {
    throw new Error(
      `invalid GCS bucket name "${bucket}" in "${uri}": 3-63 lowercase letters, digits, '-', '_' or '.'`,
    );
  }
  const prefix = (match[2] ?? '').replace(/\/+$/, '');
  // An empty or dot segment would make two URIs name the same objects, or none a listing can find.
  if (prefix !== '' && prefix.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`invalid GCS prefix in "${uri}": empty, "." or ".." path segments are not allowed`);
  }
  if (/[\r\n]/.test(prefix)) throw new Error(`invalid GCS prefix in "${uri}": line breaks are not allowed`);
  return { bucket, prefix };
}

/** The object name of `key` under the root. */
export function objectName(root: GcsRoot, key: string): string {
  if (key === '' || key.startsWith('/') || key.endsWith('/')) {
    throw new Error(`invalid object key "${key}" under gs://${root.bucket}/${root.prefix}`);
  }
  return root.prefix ? `${root.prefix}/${key}` : key;
}

/** The listing prefix: with a trailing '/', so gs://b/data never lists gs://b/data-old. */
export function listPrefix(root: GcsRoot): string {
  return root.prefix ? `${root.prefix}/` : '';
}
