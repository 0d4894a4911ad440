import type { FastifyInstance } from 'fastify';
import type { Core } from '../../create-core.ts';
import { AccessEventsBody, IngestResult, MAX_EVENTS_PER_REQUEST } from '../../contracts/telemetry.ts';
import { responses } from '../schemas.ts';

/** Large enough for a full batch of MAX_EVENTS_PER_REQUEST events (~150 bytes each). */
export const INGEST_BODY_LIMIT = 64 * 1024 * 1024;

export function telemetryRoutes(app: FastifyInstance, core: Core, bodyLimit = INGEST_BODY_LIMIT): void {
  app.post(
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
}
