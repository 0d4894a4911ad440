import { Type, type TSchema } from '@sinclair/typebox';
import { ErrorBody } from '../contracts/common.ts';

/** Shapes that exist only at the HTTP edge; the domain shapes live in core/contracts. */

// Health and UsageQuery type the UI's client too (core/contracts/channels.ts).
export { Health } from '../contracts/system.ts';
export { UsageQuery } from '../contracts/telemetry.ts';

/** POST /jobs/retry/{id}: the seed's path names the job id `id`. */
export const RetryParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

/**
 * Error responses every route can give; documented once, used by the serializer too. Spelled
 * with an explicit media type because errors are JSON on every route: without it a route's
 * `produces` (text/plain on /metrics, text/event-stream on /events) would relabel them too.
 */
const jsonError = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBody } },
});
export const ERRORS = {
  '4xx': jsonError('Refused: the body names the error code, the field at fault and what to do'),
  '5xx': jsonError('Failed on the server side; the server log has the details'),
} as const;

/** A route's response map: its success shape(s) plus the shared errors. */
export const responses = (ok: Record<number, TSchema>): Record<string, unknown> => ({ ...ok, ...ERRORS });

export const NoContent = Type.Null({ description: 'No content' });
