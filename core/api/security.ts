import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataMotionError } from '../errors.ts';
import { setKeyName, type NamedKey } from './api-keys.ts';

/**
 * Three gates in front of every route, in this order:
 *  - Host: a web page that rebinds its own DNS name to 127.0.0.1 (DNS rebinding) still sends
 *    its own name as Host, so only loopback names, the bound address and configured names pass.
 *  - Origin: a page on another site can POST to 127.0.0.1 with a simple request; browsers always
 *    send Origin then, so any Origin that is not this server's own is refused.
 *  - API key: required off loopback; optional on loopback, where every local user of the
 *    machine can reach the port: set one on shared machines (the desktop always does).
 */
export interface SecurityOptions {
  /** The address the server binds (or will bind). */
  host: string;
  /** Returns the bound port, or undefined when not listening (app.inject in tests). */
  port: () => number | undefined;
  /** Extra Host names accepted, e.g. "datamotion.internal" or "datamotion.internal:8080". */
  allowedHosts: string[];
  apiKey: string | undefined;
  /** Named keys (the audit trail records the name); apiKey counts as the one named "default". */
  apiKeys?: NamedKey[];
}

/** apiKey and apiKeys together; an empty list means no key is required. */
export function allKeys(opts: Pick<SecurityOptions, 'apiKey' | 'apiKeys'>): NamedKey[] {
  const keys = [...(opts.apiKeys ?? [])];
  if (opts.apiKey !== undefined && !keys.some((k) => k.secret === opts.apiKey)) {
    keys.unshift({
      name: keys.some((k) => k.name === 'default') ? 'api-key' : 'default',
      secret: opts.apiKey,
    });
  }
  return keys;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return LOOPBACK_NAMES.has(h) || (isIP(h) === 4 && h.startsWith('127.'));
}

/** Splits "name:port", "[::1]:port" or "name" (port 80 implied, as browsers do for http). */
export function splitHost(value: string): { name: string; port: number } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) return undefined;
  const name = (m[1] as string).replace(/^\[|\]$/g, '').toLowerCase();
  return { name, port: m[2] === undefined ? 80 : Number(m[2]) };
}

function hostAllowed(value: string, opts: SecurityOptions): boolean {
  const parsed = splitHost(value);
  if (!parsed) return false;
  const bound = opts.port();
  const portOk = bound === undefined || parsed.port === bound;
  const boundAddr = opts.host.replace(/^\[|\]$/g, '').toLowerCase();
  // A wildcard bind ("0.0.0.0", "::") names no host; its real names must be configured.
  const boundName = boundAddr === '0.0.0.0' || boundAddr === '::' ? undefined : boundAddr;
  if (portOk && (isLoopback(parsed.name) || parsed.name === boundName)) return true;
  return opts.allowedHosts.some((entry) => {
    const e = splitHost(entry);
    if (!e) return false;
    const explicitPort = /:\d+$/.test(entry);
    return e.name === parsed.name && (explicitPort ? e.port === parsed.port : portOk);
  });
}

/** Compares digests so that neither the length nor a common prefix of the key leaks through timing. */
export function keysMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function presentedKey(req: FastifyRequest): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization;
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return m?.[1];
}

/** An onRequest hook; routes with `config: { public: true }` skip only the API key check. */
export function securityHook(opts: SecurityOptions) {
  const keys = allKeys(opts);
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    assertSingleHeaders(req);
    const host = req.headers.host;
    if (!host || !hostAllowed(host, opts)) {
      throw new DataMotionError(
        'forbidden',
        `Host "${host ?? ''}" is not accepted: use http://127.0.0.1:<port>, or start the server with --allowed-host NAME`,
        'headers.host',
      );
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, opts)) {
      throw new DataMotionError(
        'forbidden',
        `cross-site request from Origin "${origin}" refused: the API only accepts requests from its own pages`,
        'headers.origin',
      );
    }
    if (keys.length === 0) return;
    const config = req.routeOptions.config as { public?: boolean } | undefined;
    if (config?.public) return;
    const key = presentedKey(req);
    // Every key is compared, so the time taken does not tell which one (or whether any) matched.
    let matched: string | undefined;
    if (key !== undefined) for (const k of keys) if (keysMatch(key, k.secret)) matched ??= k.name;
    if (matched !== undefined) setKeyName(req, matched);
    if (key === undefined || matched === undefined) {
      throw new DataMotionError(
        'unauthorized',
        key === undefined
          ? `an API key is required: send it as "x-api-key: <key>" or "Authorization: Bearer <key>"${
              KEY_IN_QUERY.test(req.url)
                ? ' (keys in the URL are refused: URLs end up in logs and histories)'
                : ''
            }`
          : 'the API key is not valid',
        'headers.x-api-key',
      );
    }
  };
}

/** A query parameter that looks like a credential: never accepted, but worth a hint. */
const KEY_IN_QUERY = /[?&](api[_-]?key|key|token|access[_-]?token|auth|authorization)=/i;

/**
 * Headers the gates decide on must appear once. Node keeps the first Host and drops the
 * rest, so `Host: 127.0.0.1` + `Host: evil.example` would be judged by one and maybe
 * served by a proxy on the other: refuse rather than guess.
 */
const SINGLE = new Set(['host', 'origin', 'authorization', 'x-api-key', 'content-length', 'content-type']);

function assertSingleHeaders(req: FastifyRequest): void {
  const raw = req.raw.rawHeaders;
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (!SINGLE.has(name)) continue;
    if (seen.has(name)) {
      throw new DataMotionError(
        'invalid_input',
        `headers.${name}: sent more than once; send it once`,
        `headers.${name}`,
      );
    }
    seen.add(name);
  }
}

function originAllowed(origin: string, opts: SecurityOptions): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes "null" (sandboxed frames, file:// pages)
  }
  return url.protocol === 'http:' && url.pathname === '/' && hostAllowed(url.host, opts);
}

/** Refuses a non-loopback bind without an API key: anyone on the network could otherwise move data. */
export function assertBindAllowed(host: string, apiKey: string | undefined): void {
  if (!isLoopback(host) && !apiKey) {
    throw new DataMotionError(
      'invalid_input',
      `refusing to listen on ${host} without an API key: anyone who can reach it could move or delete data. ` +
        'Pass --api-key KEY (or set DATAMOTION_API_KEY), or bind to 127.0.0.1',
      'host',
    );
  }
}
