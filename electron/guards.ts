// The desktop's security decisions as pure functions of a URL, so hostile inputs are tested
// under Node. Main wires them into every webContents (navigation, redirects, new windows,
// permissions). Node's URL gives custom schemes an opaque origin ("null"), so the app's
// origin is compared by its parts, never by `origin` or a string prefix.

export const APP_SCHEME = 'datamotion';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** No port and no credentials: a host named only by its name. */
const bare = (u: URL): boolean => u.port === '' && u.username === '' && u.password === '';

/** Exactly the app's own origin: its scheme and host, no credentials, no port. */
export function isAppUrl(url: string): boolean {
  const u = parse(url);
  return !!u && u.protocol === `${APP_SCHEME}:` && u.hostname === APP_HOST && bare(u);
}

/**
 * Pages an operator may open in the system browser from the app (documentation of the
 * clouds it talks to). Exact hosts over https; anything else is dropped silently.
 */
export const EXTERNAL_HOSTS: ReadonlySet<string> = new Set([
  'docs.aws.amazon.com',
  'aws.amazon.com',
  'cloud.google.com',
  'min.io',
  'kafka.apache.org',
]);

export function isAllowedExternal(url: string): boolean {
  const u = parse(url);
  return !!u && u.protocol === 'https:' && EXTERNAL_HOSTS.has(u.hostname) && bare(u);
}

/** will-navigate / will-redirect / will-frame-navigate: only within the app itself. */
export function allowNavigation(url: string): boolean {
  return isAppUrl(url);
}

/** window.open and target=_blank: never a new app window; an allow-listed page opens outside. */
export function windowOpenDecision(url: string): { action: 'deny'; openExternal?: string } {
  return isAllowedExternal(url) ? { action: 'deny', openExternal: url } : { action: 'deny' };
}

/** Camera, notifications, clipboard, geolocation, …: the app needs none, so all are denied. */
export function allowPermission(_permission: string): boolean {
  return false;
}

/** The IPC sender as main sees it (Electron's IpcMainInvokeEvent, reduced to what is checked). */
export interface IpcSenderLike {
  /** The frame that sent the message; null once it navigated away or was destroyed. */
  senderFrame: { url: string; parent: unknown } | null;
}

/**
 * Only a top-level frame (no parent: never an iframe) loaded from the app's own origin may
 * call main — the check VS Code's validatedIpcMain makes, with the origin compared by parts.
 */
export function isTrustedSender(event: IpcSenderLike): boolean {
  const frame = event.senderFrame;
  return !!frame && frame.parent === null && isAppUrl(frame.url);
}
