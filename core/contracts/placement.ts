import { Type, type Static } from '@sinclair/typebox';
import { Id, LatencyMs, SafeText, Tier } from './common.ts';

export const Recommendation = Type.Object(
  {
    id: Type.Integer(),
    dataset_id: Id,
    current_tier: Tier,
    recommended_tier: Tier,
    reasons: Type.Array(Type.String()),
    model_version: Type.String(),
    ts: Type.String(),
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
