import { Type, type Static } from '@sinclair/typebox';
import { ByteCount, Count, Id, Tier, UriText } from './common.ts';
import { LocationKind } from './locations.ts';

/**
 * Node refuses a request line and headers above 16 KiB (431) before any route runs, and a
 * percent-encoded character takes up to 12 bytes: 1024 characters always fit in a query.
 */
export const ESTIMATE_TARGET_MAX = 1024;

/** GET /estimate: the same target fields as POST /plan-migration. */
export const EstimateQuery = Type.Object(
  {
    dataset_id: Id,
    target_location: UriText({
      maxLength: ESTIMATE_TARGET_MAX,
      description:
        'Destination URI inside a configured location, or a location id (dest = <root>/<dataset name>); ' +
        `at most ${ESTIMATE_TARGET_MAX} characters in a query string (a longer one: estimate by location id)`,
    }),
    storage_class: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    tier: Type.Optional(Tier),
    retire_source: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type EstimateQuery = Static<typeof EstimateQuery>;

const Usd = (description: string) => Type.Number({ minimum: 0, description });

export const EstimateSide = Type.Object({
  location: Type.String(),
  kind: LocationKind,
  uri: Type.String(),
  storage_class: Type.Union([Type.String(), Type.Null()]),
  tier: Tier,
  price_per_gb_month: Type.Number({ minimum: 0, description: 'From the location tier map' }),
});
export type EstimateSide = Static<typeof EstimateSide>;

export const MonthlyLine = Type.Object({
  side: Type.Union([Type.Literal('source'), Type.Literal('target')]),
  amount_usd: Usd('A month of storage, rounded to cents'),
  price_used: Type.Number({ minimum: 0, description: 'USD per GB-month' }),
  billed_gb: Type.Number({ minimum: 0 }),
  basis: Type.String(),
});

export const OneTimeLine = Type.Object({
  kind: Type.Union([
    Type.Literal('egress'),
    Type.Literal('retrieval'),
    Type.Literal('early_deletion'),
    Type.Literal('requests'),
  ]),
  amount_usd: Usd('Rounded to cents'),
  price_used: Type.Number({ minimum: 0 }),
  unit: Type.Union([Type.Literal('USD/GB'), Type.Literal('USD/GB-month'), Type.Literal('USD/1000 requests')]),
  quantity: Type.Number({ minimum: 0, description: 'GB or requests the price applied to' }),
  basis: Type.String({ description: 'How the amount was found, for an operator' }),
  price_source: Type.Union([Type.String(), Type.Null()], { description: 'The public price page' }),
  as_of: Type.Union([Type.String(), Type.Null()], { description: 'When that price was believed valid' }),
});
export type OneTimeLine = Static<typeof OneTimeLine>;

export const ConfirmReason = Type.Object({
  code: Type.Union([
    Type.Literal('retire_source'),
    Type.Literal('early_deletion'),
    Type.Literal('size_limit'),
  ]),
  message: Type.String(),
});
export type ConfirmReason = Static<typeof ConfirmReason>;

/** What a move will cost and take; POST /plan-migration's 409 for "confirm" carries it too. */
export const Estimate = Type.Object({
  dataset_id: Id,
  bytes: ByteCount('From the catalog (the copy lists the source again)'),
  objects: Count(),
  source: EstimateSide,
  target: EstimateSide,
  transition: Type.Boolean({ description: 'Same URI, new storage class: rewritten in place' }),
  retire_source: Type.Boolean(),
  duration_s: Type.Number({ minimum: 0 }),
  throughput_bps: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], {
    description: 'Bytes per second assumed; null when no bytes move',
  }),
  duration_basis: Type.String({ description: 'Measured (median of past jobs) or a default, and which' }),
  monthly_before_usd: Usd('Storage a month now'),
  monthly_after_usd: Usd('Storage a month after the move (both copies unless the source is retired)'),
  monthly_before: Type.Array(MonthlyLine),
  monthly_after: Type.Array(MonthlyLine),
  one_time: Type.Array(OneTimeLine),
  one_time_total_usd: Usd('Sum of one_time, rounded after summing'),
  payback_months: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
    description: 'One-time cost over the monthly saving; null when the move saves nothing a month',
  }),
  warnings: Type.Array(Type.String()),
  needs_confirm: Type.Boolean({ description: 'POST /plan-migration needs "confirm": true' }),
  confirm_reasons: Type.Array(ConfirmReason),
});
export type Estimate = Static<typeof Estimate>;
