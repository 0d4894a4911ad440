import { Type, type Static } from '@sinclair/typebox';
import { ByteCount, Count, Id, LatencyMs, Offset, SafeText, Tier, UriText } from './common.ts';

/** A dataset name: shown everywhere, used as a folder name by `target_location: <location id>`. */
const Name = SafeText({ minLength: 1, maxLength: 200, extraForbidden: '/\\\\' });
const Owner = SafeText({ maxLength: 200 });
const SloMs = LatencyMs('First-byte latency the dataset must get, in ms');
const Nullable = <T extends ReturnType<typeof Type.Number | typeof Type.String>>(t: T) =>
  Type.Union([t, Type.Null()]);

export const DatasetCreate = Type.Object(
  {
    name: Name,
    path_uri: UriText({ maxLength: 4096, description: 'URI of a folder or prefix inside a location' }),
    size_bytes: Type.Optional(ByteCount()),
    object_count: Type.Optional(Count()),
    current_tier: Type.Optional(Tier),
    latency_slo_ms: Type.Optional(Nullable(SloMs)),
    owner: Type.Optional(Nullable(Owner)),
  },
  { additionalProperties: false },
);
export type DatasetCreate = Static<typeof DatasetCreate>;

/** path_uri is not patchable: a dataset moves only through a verified migration. */
export const DatasetPatch = Type.Object(
  {
    name: Type.Optional(Name),
    current_tier: Type.Optional(Tier),
    latency_slo_ms: Type.Optional(Nullable(SloMs)),
    owner: Type.Optional(Nullable(Owner)),
    size_bytes: Type.Optional(ByteCount()),
    object_count: Type.Optional(Count()),
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
    location: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$' })),
    tier: Type.Optional(Tier),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
    offset: Type.Optional(Offset),
  },
  { additionalProperties: false },
);
export type DatasetListQuery = Static<typeof DatasetListQuery>;
