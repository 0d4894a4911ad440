/**
 * The URL as it may appear in a log line. A client can put a secret anywhere in a URL
 * (`?api_key=…`, `?x=<key>`, `/datasets/<key>`), so rather than trusting parameter
 * names this keeps only what cannot be a credential: route words (lowercase letters,
 * "-" and "."), decimal ids, UUIDs, and query values that are short decimal numbers,
 * lowercase words or ISO timestamps. Everything else is replaced.
 */
const SEGMENT =
  /^([a-z][a-z.-]{0,40}|\d{1,16}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const QUERY_KEY = /^[a-z_]{1,32}$/;
const QUERY_VALUE = /^(\d{1,16}|[a-z_-]{1,20}|\d{4}-\d\d-\d\dT[\d:.]{2,18}(Z|[+-]\d\d:\d\d)?)$/;
const HIDDEN = '[redacted]';

export function urlForLog(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const safePath = path
    .split('/')
    .map((s) => (s === '' || SEGMENT.test(s) ? s : HIDDEN))
    .join('/');
  if (!query) return safePath;
  const safeQuery = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? undefined : pair.slice(eq + 1);
      const k = QUERY_KEY.test(key) ? key : HIDDEN;
      if (value === undefined) return k;
      let decoded: string;
      try {
        decoded = decodeURIComponent(value);
      } catch {
        return `${k}=${HIDDEN}`;
      }
      return `${k}=${QUERY_VALUE.test(decoded) ? value : HIDDEN}`;
    })
    .join('&');
  return `${safePath}?${safeQuery}`;
}
