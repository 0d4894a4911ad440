import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CSP } from './csp.ts';

/**
 * The renderer bundle (dist/renderer, built by Vite from renderer/) at `/`: the same UI
 * as the Electron window. Scripts and styles come only from this origin: the CSP forbids
 * inline code, eval, frames and other hosts (the Vite build emits no inline code).
 */
export { CSP } from './csp.ts';

export const BUNDLE_DIR = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The Content-Type the UI's files are served with; undefined for a kind the bundle never holds. */
export function contentTypeOf(fileName: string): string | undefined {
  return TYPES[extname(fileName)];
}

/** Vite names hashed assets `name-<8+ chars>.ext` under assets/: they never change, cache them for a year. */
const HASHED = /^assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

interface WebFile {
  body: Buffer;
  type: string;
  immutable: boolean;
}

/** Every file of the bundle, read once: a fixed set, so no request path ever reaches the file system. */
function readBundle(dir: string): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (name.startsWith('.')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const rel = relative(dir, p).split(sep).join('/');
        const type = contentTypeOf(name);
        if (type) files.set(`/${rel}`, { body: readFileSync(p), type, immutable: HASHED.test(rel) });
      }
    }
  };
  walk(dir);
  return files;
}

/** Shown at `/` when the bundle was never built (a plain page: no script, no style needed). */
const MISSING = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DataMotion: UI not built</title></head>
<body><h1>The DataMotion UI is not built</h1>
<p>The API is running, but the web UI bundle is missing (dist/renderer).</p>
<p>Build it with <code>npm run build:web</code> (or start with <code>npm start</code>, which builds it when missing), then reload this page.</p>
<p>The API itself answers as usual: <a href="/openapi.json">/openapi.json</a>, <a href="/health">/health</a>.</p>
</body></html>
`;

export function webRoutes(app: FastifyInstance, dir = BUNDLE_DIR): void {
  const files = existsSync(join(dir, 'index.html')) ? readBundle(dir) : undefined;
  const send = (reply: FastifyReply, f: WebFile) =>
    reply
      .type(f.type)
      .header('content-security-policy', CSP)
      .header('cache-control', f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(f.body);

  if (!files) {
    app.get('/', { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
      reply
        .code(503)
        .type('text/html; charset=utf-8')
        .header('content-security-policy', CSP)
        .header('cache-control', 'no-store')
        .send(MISSING),
    );
    return;
  }
  const index = files.get('/index.html') as WebFile;
  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
    send(reply, index),
  );
  for (const [path, f] of files) {
    if (path === '/index.html') continue;
    app.get(path, { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
      send(reply, f),
    );
  }
}
