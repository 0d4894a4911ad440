import { Type, type Static } from '@sinclair/typebox';

export const Tier = Type.Union([Type.Literal('hot'), Type.Literal('warm'), Type.Literal('cold')], {
  description: 'Placement tier',
});
export type Tier = Static<typeof Tier>;
export const TIERS: readonly Tier[] = ['hot', 'warm', 'cold'];

/** ISO-8601 timestamp in responses. */
export const Timestamp = Type.String({ format: 'date-time' });

export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Machine-readable code, e.g. invalid_input, not_found' }),
    message: Type.String({ description: 'What failed and what to do, for an operator' }),
    field: Type.Optional(Type.String({ description: 'The input field at fault, e.g. body.dataset_id' })),
  },
  {},
);
export type ErrorBody = Static<typeof ErrorBody>;

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
