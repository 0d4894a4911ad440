// What the datamotion:// protocol handler answers: files of the renderer bundle only, each
// with the UI's CSP as a header. Pure enough to test under Node (Response is a Node global).
import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative } from 'node:path';
import { contentTypeOf } from '../core/api/web.ts';
import { isAppUrl } from './guards.ts';

/** The bundle file a request names, or undefined when it names something outside the bundle. */
export function rendererFile(dir: string, url: string): string | undefined {
  if (!isAppUrl(url)) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(new URL(url).pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const file = normalize(join(dir, path === '/' ? 'index.html' : path));
  const rel = relative(dir, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return contentTypeOf(file) ? file : undefined;
}

/**
 * The desktop's policy is core/api/csp.ts's with 'self' spelled as the app's own origin:
 * the same sources (Chromium turns 'self' into exactly this scheme + host), stated so a
 * reader and a linter see which origin is trusted. Written out as a literal for
 * electronegativity's CSP check; test/electron/guards.test.ts keeps it equal to CSP.
 */
const HEADERS: Record<string, string> = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };
HEADERS['content-security-policy'] =
  "default-src 'none'; script-src datamotion://app; style-src datamotion://app; connect-src datamotion://app; img-src datamotion://app data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The policy the protocol handler sends. */
export const DESKTOP_CSP = HEADERS['content-security-policy'];

export async function rendererResponse(dir: string, url: string): Promise<Response> {
  const file = rendererFile(dir, url);
  const notFound = () => new Response('not found', { status: 404, headers: HEADERS });
  if (!file) return notFound();
  try {
    // A link inside the bundle must not lead out of it. (Inside an asar archive, where
    // realpath may not be supported, the normalized path stands: an archive holds no links out.)
    const [real, root] = await Promise.all([
      realpath(file).catch(() => file),
      realpath(dir).catch(() => dir),
    ]);
    const rel = relative(root, real);
    if (rel.startsWith('..') || isAbsolute(rel)) return notFound();
    const body = await readFile(real);
    return new Response(body, {
      status: 200,
      headers: { ...HEADERS, 'content-type': contentTypeOf(file) as string },
    });
  } catch {
    return notFound();
  }
}
