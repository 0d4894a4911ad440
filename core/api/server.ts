import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import type { AddressInfo } from 'node:net';
import type { TSchema } from '@sinclair/typebox';
import type { Core } from '../create-core.ts';
import { registerSecret } from '../logger.ts';
import { compile } from '../contracts/validate.ts';
import { AccessEventsBody } from '../contracts/telemetry.ts';
import { DatasetPatch } from '../contracts/datasets.ts';
import { installErrorHandlers } from './error-handler.ts';
import { HttpMetrics, installRequestMetrics } from './http-metrics.ts';
import { assertBindAllowed, securityHook } from './security.ts';
import { webRoutes } from './web.ts';
import { datasetRoutes } from './routes/datasets.routes.ts';
import { telemetryRoutes, INGEST_BODY_LIMIT } from './routes/telemetry.routes.ts';
import { placementRoutes } from './routes/placement.routes.ts';
import { jobRoutes } from './routes/jobs.routes.ts';
import { estimateRoutes } from './routes/estimate.routes.ts';
import { locationRoutes } from './routes/locations.routes.ts';
import { eventRoutes } from './routes/events.routes.ts';
import { systemRoutes } from './routes/system.routes.ts';
import { policyDocumentRoutes } from './routes/policy-document.routes.ts';
import { auditRoutes } from './routes/audit.routes.ts';
import { requestActor, type NamedKey } from './api-keys.ts';
import { runAs } from '../audit/actor.ts';

export interface ServerOptions {
  /** Address to bind; default 127.0.0.1. A non-loopback address requires apiKey. */
  host?: string;
  /** Port to bind; 0 picks a free one. Also the port the Host check expects before listen(). */
  port?: number;
  /** Required on every route but /health and the UI files when set. */
  apiKey?: string;
  /** Named keys: the audit trail records which one a request used (`api_key:<name>`). */
  apiKeys?: NamedKey[];
  /** Extra names accepted in the Host header (a reverse proxy's, a LAN name). */
  allowedHosts?: string[];
  /** The renderer bundle served at `/` (default: dist/renderer beside the sources). */
  webDir?: string;
  /** Body limit of every route but POST /access-events. */
  bodyLimit?: number;
  /** Body limit of POST /access-events (large batches). */
  ingestBodyLimit?: number;
  /** A request whose headers and body have not arrived within this is cut off (ms; default 60 s). */
  requestTimeoutMs?: number;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** Long enough for a full ingest batch over a slow link; a client that trickles its body forever is cut off. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/**
 * Bodies whose service validates them itself with the same schema: the ingest checks a
 * 200k-event batch in slices that yield to the event loop (one ajv pass would stall every other
 * request), and the dataset patch explains why path_uri is refused. Both name the same fields.
 */
const SERVICE_VALIDATED = new Set<unknown>([AccessEventsBody, DatasetPatch]);

/** The REST app, not listening: tests drive it with app.inject(), startServer() binds it. */
export async function buildServer(core: Core, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const host = opts.host ?? DEFAULT_HOST;
  const anyKey = opts.apiKey ?? opts.apiKeys?.[0]?.secret;
  assertBindAllowed(host, anyKey);
  registerSecret(opts.apiKey);
  for (const k of opts.apiKeys ?? []) registerSecret(k.secret);
  const timeout = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = Fastify({
    loggerInstance: core.logger,
    // One line per request from our onResponse hook instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Ids are generated here; a client-supplied request id is not trusted into the logs.
    requestIdHeader: false,
    requestTimeout: timeout,
    // Errors the router raises before any route runs (a malformed or overlong path) get the
    // API's own error shape, without echoing the path back.
    frameworkErrors: (err, _req, reply: FastifyReply) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void reply.code(tooLong ? 414 : 400).send({
        error: 'invalid_input',
        message: tooLong
          ? 'url: a path segment is longer than any id this API uses'
          : 'url: the path is not valid (bad percent-encoding?); encode it as UTF-8',
        field: 'url',
      });
    },
    // Also given to http.createServer: Node 20 ignores a requestTimeout set after construction
    // (Fastify's way), and looks for expired requests every 30 s unless told otherwise.
    http: {
      requestTimeout: timeout,
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, timeout / 4)),
    },
  }) as unknown as FastifyInstance;

  // Bodies strict (no coercion, unknown fields rejected); query strings and params arrive as text.
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (httpPart === 'body' && SERVICE_VALIDATED.has(schema)) return () => true;
    return compile(schema as TSchema, httpPart !== 'body');
  });
  // JSON only: without this a text/plain body would reach validation as a string.
  app.removeContentTypeParser(['text/plain']);

  installErrorHandlers(app);
  const metrics = new HttpMetrics(core);
  installRequestMetrics(app, metrics);
  app.addHook(
    'onRequest',
    securityHook({
      host,
      port: () => (app.server.listening ? (app.server.address() as AddressInfo).port : opts.port),
      allowedHosts: opts.allowedHosts ?? [],
      apiKey: opts.apiKey,
      apiKeys: opts.apiKeys,
    }),
  );
  // Every handler runs as its request's actor: the audit trail names the key, never the secret.
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, req, reply) {
      return runAs(requestActor(req), () => handler.call(this, req, reply));
    };
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  await app.register(swagger, {
    openapi: {
      // 3.1: its schemas are JSON Schema 2020-12, which is what TypeBox emits (numeric
      // exclusiveMinimum, type 'null' in unions); under 3.0 the document was invalid.
      // test/api/fuzz.test.ts checks it with openapi-spec-validator.
      openapi: '3.1.0',
      info: {
        title: 'DataMotion',
        version: '0.1.0',
        description: 'Decides where data should live from how it is accessed, and moves it there safely.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: anyKey ? [{ apiKey: [] }, { bearer: [] }] : [],
    },
  });

  systemRoutes(app, metrics, () => core.kafka?.health());
  datasetRoutes(app, core);
  telemetryRoutes(app, core, opts.ingestBodyLimit ?? INGEST_BODY_LIMIT);
  placementRoutes(app, core);
  jobRoutes(app, core);
  estimateRoutes(app, core);
  locationRoutes(app, core);
  eventRoutes(app, core);
  policyDocumentRoutes(app, core);
  auditRoutes(app, core);
  webRoutes(app, opts.webDir);
  await app.ready();
  return app;
}

export interface RunningServer {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:8080 (the real port when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

export async function startServer(core: Core, opts: ServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? DEFAULT_HOST;
  const app = await buildServer(core, { ...opts, host });
  await app.listen({ host, port: opts.port ?? DEFAULT_PORT });
  const { port } = app.server.address() as AddressInfo;
  // A wildcard bind answers on loopback too; "0.0.0.0" itself is not a name a browser should use.
  const name = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const shown = name.includes(':') ? `[${name}]` : name;
  return { app, url: `http://${shown}:${port}`, close: () => app.close() };
}
