import { Type, type Static } from '@sinclair/typebox';
import { SafeText, UriText } from './common.ts';

export const LocationKind = Type.Union([Type.Literal('file'), Type.Literal('s3'), Type.Literal('gs')]);
export type LocationKind = Static<typeof LocationKind>;

export const TierSpec = Type.Object(
  {
    storage_class: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    price_per_gb_month: Type.Number({ minimum: 0, maximum: 1000 }),
  },
  { additionalProperties: false },
);
export type TierSpec = Static<typeof TierSpec>;

export const TierMap = Type.Object(
  { hot: Type.Optional(TierSpec), warm: Type.Optional(TierSpec), cold: Type.Optional(TierSpec) },
  { additionalProperties: false, minProperties: 1 },
);
export type TierMap = Static<typeof TierMap>;

export const LocationCreate = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$' }),
    uri: UriText({ maxLength: 2048 }),
    endpoint: Type.Optional(UriText({ maxLength: 2048 })),
    region: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$' }),
    ),
    credentials_ref: Type.Optional(SafeText({ minLength: 1, maxLength: 1024 })),
    tiers: Type.Optional(TierMap),
  },
  { additionalProperties: false },
);
export type LocationCreate = Static<typeof LocationCreate>;

export const Location = Type.Object(
  {
    id: Type.String(),
    uri: Type.String(),
    kind: LocationKind,
    endpoint: Type.Union([Type.String(), Type.Null()]),
    region: Type.Union([Type.String(), Type.Null()]),
    credentials_ref: Type.Union([Type.String(), Type.Null()]),
    tiers: TierMap,
    created_at: Type.String(),
  },
  {},
);
export type Location = Static<typeof Location>;
