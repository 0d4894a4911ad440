import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../create-core.ts';
import { AccessEventsBody, IngestResult, MAX_EVENTS_PER_REQUEST } from '../../contracts/telemetry.ts';
import { readJsonBatch } from '../json-batch.ts';
import { responses } from '../schemas.ts';

/** Bytes an access event may take on the wire, pretty-printed: the largest real one is ~130 compact. */
const EVENT_BYTES = 200;
/** A full batch of MAX_EVENTS_PER_REQUEST events, and no more (38 MiB). */
export const INGEST_BODY_LIMIT = MAX_EVENTS_PER_REQUEST * EVENT_BYTES;
/** One event, however it is spelled, fits in this; a bigger item is refused while it arrives. */
const MAX_EVENT_BYTES = 16 * 1024;

export function telemetryRoutes(app: FastifyInstance, core: Core, bodyLimit = INGEST_BODY_LIMIT): void {
  // Its own scope: only this route reads JSON with the streaming batch reader, which
  // enforces the byte, item-count and item-size limits while the body arrives.
  void app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', async (req: FastifyRequest, payload: Readable) => {
      const declared = Number(req.headers['content-length']);
      return readJsonBatch(
        payload,
        { maxBytes: bodyLimit, maxItems: MAX_EVENTS_PER_REQUEST, maxItemBytes: MAX_EVENT_BYTES },
        Number.isFinite(declared) ? declared : undefined,
      );
    });
    scope.post(
      '/access-events',
      {
        bodyLimit,
        schema: {
          tags: ['telemetry'],
          summary: `Ingest one access event or an array of up to ${MAX_EVENTS_PER_REQUEST}; all or nothing`,
          body: AccessEventsBody,
          response: responses({ 200: IngestResult }),
        },
      },
      async (req) => core.telemetry.ingest(req.body),
    );
  });
}
