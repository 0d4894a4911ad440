import { Type, type Static } from '@sinclair/typebox';
import { Id, Tier } from './common.ts';

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f/\\\\]+$' });
const Nullable = <T extends ReturnType<typeof Type.Number | typeof Type.String>>(t: T) =>
  Type.Union([t, Type.Null()]);

export const DatasetCreate = Type.Object(
  {
    name: Name,
    path_uri: Type.String({ minLength: 1, maxLength: 4096, description: 'file:// URI inside a location' }),
    size_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
    object_count: Type.Optional(Type.Integer({ minimum: 0 })),
    current_tier: Type.Optional(Tier),
    latency_slo_ms: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0 }))),
    owner: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  },
  { additionalProperties: false },
);
export type DatasetCreate = Static<typeof DatasetCreate>;

/** path_uri is not patchable: a dataset moves only through a verified migration. */
export const DatasetPatch = Type.Object(
  {
    name: Type.Optional(Name),
    current_tier: Type.Optional(Tier),
    latency_slo_ms: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0 }))),
    owner: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    size_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
    object_count: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type DatasetPatch = Static<typeof DatasetPatch>;

export const Replica = Type.Object({
  id: Type.Integer(),
  location: Type.String(),
  uri: Type.String(),
  role: Type.Union([Type.Literal('primary'), Type.Literal('secondary'), Type.Literal('retired')]),
  storage_class: Type.Union([Type.String(), Type.Null()]),
  tier: Type.Union([Tier, Type.Null()]),
  updated_at: Type.String(),
});
export type Replica = Static<typeof Replica>;

export const Dataset = Type.Object(
  {
    id: Id,
    name: Type.String(),
    path_uri: Type.String(),
    location: Type.String({ description: 'Id of the location holding the primary copy' }),
    current_tier: Tier,
    storage_class: Type.Union([Type.String(), Type.Null()]),
    latency_slo_ms: Type.Union([Type.Number(), Type.Null()]),
    size_bytes: Type.Integer(),
    object_count: Type.Integer(),
    owner: Type.Union([Type.String(), Type.Null()]),
    last_access_ts: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  {},
);
export type Dataset = Static<typeof Dataset>;

export const DatasetDetail = Type.Intersect([Dataset, Type.Object({ replicas: Type.Array(Replica) })]);
export type DatasetDetail = Static<typeof DatasetDetail>;

export const DatasetListQuery = Type.Object(
  {
    location: Type.Optional(Type.String()),
    tier: Type.Optional(Tier),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);
export type DatasetListQuery = Static<typeof DatasetListQuery>;
