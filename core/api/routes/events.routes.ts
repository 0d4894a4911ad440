import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Core } from '../../create-core.ts';
import type { CoreEvent } from '../../contracts/events.ts';
import { ERRORS } from '../schemas.ts';

/** Keeps proxies and idle timers from closing a quiet stream, and reveals dead clients. */
export const HEARTBEAT_MS = 15_000;
/** A client that stops reading is dropped once this much is queued for it; it reconnects. */
const MAX_BUFFERED = 8 * 1024 * 1024;

export const frame = (event: CoreEvent): string => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

/** GET /events: every bus event as Server-Sent Events, `event: <type>` + `data: <json>`. */
export function eventRoutes(app: FastifyInstance, core: Core): void {
  const clients = new Set<ServerResponse>();
  const gauge = () =>
    core.metrics.set('datamotion_sse_clients', 'Connected event-stream clients', clients.size);
  gauge();
  // Open streams would keep app.close() waiting forever: end them first.
  app.addHook('preClose', async () => {
    for (const res of clients) res.end();
  });

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary:
          'Server-Sent Events: job.updated, job.progress, dataset.updated, dataset.deleted, recommendation.created, telemetry.ingested',
        produces: ['text/event-stream'],
        response: {
          200: Type.String({
            description: 'text/event-stream; each event is `event: <type>` and `data: <json>`',
          }),
          ...ERRORS,
        },
      },
    },
    (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-content-type-options': 'nosniff',
        // Stops reverse proxies (nginx) from buffering the stream.
        'x-accel-buffering': 'no',
      });
      res.write('retry: 3000\n: connected\n\n');
      clients.add(res);
      gauge();
      const write = (chunk: string) => {
        if (res.writableLength > MAX_BUFFERED) {
          req.log.warn('event-stream client is not reading; dropping it');
          res.destroy();
          return;
        }
        res.write(chunk);
      };
      const unsubscribe = core.bus.onAny((event) => write(frame(event)));
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      res.on('close', () => {
        unsubscribe();
        clearInterval(heartbeat);
        clients.delete(res);
        gauge();
      });
    },
  );
}
