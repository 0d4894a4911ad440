/**
 * The one Content-Security-Policy of the UI, sent as a header by the REST server (web.ts)
 * and by the desktop's datamotion:// protocol handler: scripts and styles only from the app's
 * own origin; no inline code, eval, plugins, frames, <base> or form targets.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
