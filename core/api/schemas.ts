import { Type, type TSchema } from '@sinclair/typebox';
import { ErrorBody } from '../contracts/common.ts';

/** Shapes that exist only at the HTTP edge; the domain shapes live in core/contracts. */

export const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptime_s: Type.Number(),
});

export const UsageQuery = Type.Object(
  {
    since: Type.Optional(
      Type.String({ format: 'date-time', description: 'Only buckets starting at or after this time' }),
    ),
  },
  { additionalProperties: false },
);

/** POST /jobs/retry/{id}: the seed's path names the job id `id`. */
export const RetryParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

/** Error responses every route can give; documented once, used by the serializer too. */
export const ERRORS = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

/** A route's response map: its success shape(s) plus the shared errors. */
export const responses = (ok: Record<number, TSchema>): Record<string, TSchema> => ({ ...ok, ...ERRORS });

export const NoContent = Type.Null({ description: 'No content' });
