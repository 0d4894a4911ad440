import { Type, type Static } from '@sinclair/typebox';
import { Id, LatencyMs, SafeText, Tier } from './common.ts';

/** A machine-readable reason: a stable code and the numbers behind it. */
export const ReasonItem = Type.Object({
  code: Type.String({
    description:
      'active | never_accessed | no_history | idle_return_unlikely | return_likely | access_cost_high | ' +
      'storage_saving | auto_tiering | cheapest_already | hysteresis_hold | min_dwell_hold | recent_read_hold | slo_floor | pinned | ' +
      'forecast_used | recency_heuristic_used | forecast_drift',
  }),
  detail: Type.String(),
});
export type ReasonItem = Static<typeof ReasonItem>;

export const PlacementTarget = Type.Object({
  location_id: Type.String(),
  storage_class: Type.String(),
  tier: Tier,
});
export type PlacementTarget = Static<typeof PlacementTarget>;

export const Recommendation = Type.Object(
  {
    id: Type.Integer(),
    dataset_id: Id,
    current_tier: Tier,
    recommended_tier: Tier,
    reasons: Type.Array(Type.String()),
    model_version: Type.String(),
    ts: Type.String(),
    // Added by the cost engine; absent on recommendations stored before it.
    target: Type.Optional(PlacementTarget),
    monthly_cost_now_usd: Type.Optional(Type.Number({ description: 'expected cost a month where it is' })),
    monthly_cost_after_usd: Type.Optional(
      Type.Number({ description: 'expected cost a month at the target' }),
    ),
    one_time_cost_usd: Type.Optional(
      Type.Number({ description: 'egress, retrieval, early deletion and requests of the move' }),
    ),
    payback_months: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    reason_codes: Type.Optional(Type.Array(ReasonItem)),
    explanation: Type.Optional(Type.String({ description: 'the reasons as one sentence' })),
    predictor: Type.Optional(
      Type.Union([Type.Literal('forecast'), Type.Literal('recency_heuristic')], {
        description: 'what predicted the accesses: a trained forecast or the recency heuristic',
      }),
    ),
  },
  {},
);
export type Recommendation = Static<typeof Recommendation>;

export const RecommendationsQuery = Type.Object(
  { dataset_id: Type.Optional(Id), refresh: Type.Optional(Type.Boolean({ default: true })) },
  { additionalProperties: false },
);
export type RecommendationsQuery = Static<typeof RecommendationsQuery>;

export const PolicyCreate = Type.Object(
  {
    name: SafeText({ minLength: 1, maxLength: 200 }),
    kind: Type.Union([Type.Literal('slo'), Type.Literal('pin')]),
    dataset_id: Type.Optional(Type.Union([Id, Type.Null()])),
    params: Type.Union([
      Type.Object({ tier: Tier }, { additionalProperties: false }),
      Type.Object({ max_latency_ms: LatencyMs(), min_tier: Tier }, { additionalProperties: false }),
    ]),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type PolicyCreate = Static<typeof PolicyCreate>;

export const Policy = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  kind: Type.String(),
  dataset_id: Type.Union([Type.Integer(), Type.Null()]),
  params: Type.Record(Type.String(), Type.Unknown()),
  enabled: Type.Boolean(),
  created_at: Type.String(),
});
export type Policy = Static<typeof Policy>;

export const TrainResult = Type.Object({
  model_version: Type.String(),
  trained: Type.Integer({ description: 'datasets with enough history to fit' }),
  using_forecast: Type.Integer({
    description: 'datasets whose forecast beat the recency heuristic in backtest',
  }),
  skipped: Type.Integer({ description: 'datasets with too little history (the heuristic is used)' }),
  forecast_mae: Type.Union([Type.Number(), Type.Null()]),
  heuristic_mae: Type.Union([Type.Number(), Type.Null()]),
  trained_at: Type.String(),
});
export type TrainResult = Static<typeof TrainResult>;

/**
 * How a move's payback reads to an operator, one phrase wherever it is shown: nothing to
 * pay back when the move is free, "within days" under a tenth of a month, else in months.
 * Empty when the move saves nothing a month (payback null).
 */
export function paybackPhrase(paybackMonths: number | null | undefined, oneTimeUsd: number): string {
  if (paybackMonths === null || paybackMonths === undefined) return '';
  if (!(oneTimeUsd > 0)) return 'nothing to pay back';
  if (paybackMonths < 0.1) return 'pays back within days';
  return `pays back in ${paybackMonths.toFixed(1)} months`;
}
