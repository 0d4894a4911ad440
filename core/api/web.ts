import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/**
 * The placeholder web UI (resources/web) until the desktop renderer ships. Scripts and styles
 * come only from this origin: the CSP forbids inline code, eval, frames and other hosts.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const WEB_DIR = new URL('../../resources/web/', import.meta.url);
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

export function webRoutes(app: FastifyInstance): void {
  for (const [path, { file, type }] of Object.entries(FILES)) {
    // Read once: three small files, and a missing one fails at start, not on first visit.
    const body = readFileSync(new URL(file, WEB_DIR));
    app.get(path, { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
      reply.type(type).header('content-security-policy', CSP).header('cache-control', 'no-cache').send(body),
    );
  }
}
