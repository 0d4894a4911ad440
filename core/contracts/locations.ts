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

/**
 * Tier-map classes of a GCS bucket with Autoclass on: the bucket, not the writer, sets each
 * object's class (Standard, then colder with idle days, back to Standard on access), so such
 * a location has one tier naming one of these: AUTOCLASS for the default terminal class
 * (Nearline), AUTOCLASS_ARCHIVE for a bucket whose terminal class is Archive.
 * https://cloud.google.com/storage/docs/autoclass
 */
export const AUTOCLASS_TERMINAL = { AUTOCLASS: 'NEARLINE', AUTOCLASS_ARCHIVE: 'ARCHIVE' } as const;
export type AutoclassName = keyof typeof AUTOCLASS_TERMINAL;

/** The Autoclass name a tier map's class stands for (any case, as GCS classes), or null. */
export function autoclassName(storageClass: string | null | undefined): AutoclassName | null {
  const up = storageClass?.toUpperCase();
  return up === 'AUTOCLASS' || up === 'AUTOCLASS_ARCHIVE' ? up : null;
}

export const TierMap = Type.Object(
  { hot: Type.Optional(TierSpec), warm: Type.Optional(TierSpec), cold: Type.Optional(TierSpec) },
  { additionalProperties: false, minProperties: 1 },
);
export type TierMap = Static<typeof TierMap>;

/** Access keys for an S3-compatible store; write-only: stored encrypted, never returned. */
export const S3Secret = Type.Object(
  {
    access_key_id: Type.String({ minLength: 1, maxLength: 256, pattern: '^[!-~]+$' }),
    secret_access_key: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[!-~]+$' }),
    session_token: Type.Optional(Type.String({ minLength: 1, maxLength: 8192, pattern: '^[!-~]+$' })),
  },
  { additionalProperties: false },
);
export type S3Secret = Static<typeof S3Secret>;

/** A Google service-account key (the JSON file's content); write-only like S3Secret. */
export const GcsSecret = Type.Object(
  {
    service_account: Type.Object(
      {
        type: Type.Literal('service_account'),
        client_email: Type.String({ minLength: 3, maxLength: 320 }),
        private_key: Type.String({ minLength: 1, maxLength: 16384 }),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: false },
);
export type GcsSecret = Static<typeof GcsSecret>;

export const LocationId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$' });
export const LocationIdParams = Type.Object({ id: LocationId }, { additionalProperties: false });

export const LocationCreate = Type.Object(
  {
    id: LocationId,
    uri: UriText({
      maxLength: 2048,
      description: 'file:///abs/path, s3://bucket[/prefix] or gs://bucket[/prefix]',
    }),
    endpoint: Type.Optional(
      UriText({ maxLength: 2048, description: 'S3-compatible endpoint (MinIO, moto) or GCS API endpoint' }),
    ),
    region: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$' }),
    ),
    project: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]*$',
        description: 'GCS project',
      }),
    ),
    credentials_ref: Type.Optional(
      SafeText({
        minLength: 1,
        maxLength: 1024,
        description: 'default | env:PREFIX | profile:NAME | file:/path/to/key.json',
      }),
    ),
    credentials: Type.Optional(
      Type.Union([S3Secret, GcsSecret], { description: 'Write-only; stored encrypted' }),
    ),
    tiers: Type.Optional(TierMap),
  },
  { additionalProperties: false },
);
export type LocationCreate = Static<typeof LocationCreate>;

/**
 * PATCH /locations/{id}: what may change without moving data — prices and classes per tier,
 * where and how to connect, and rotated credentials. The id, kind and root (uri) never
 * change: datasets and jobs point into them; a new root is a new location.
 */
export const LocationPatch = Type.Object(
  {
    endpoint: Type.Optional(Type.Union([UriText({ maxLength: 2048 }), Type.Null()])),
    region: Type.Optional(
      Type.Union([
        Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$' }),
        Type.Null(),
      ]),
    ),
    project: Type.Optional(
      Type.Union([
        Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]*$' }),
        Type.Null(),
      ]),
    ),
    credentials_ref: Type.Optional(Type.Union([SafeText({ minLength: 1, maxLength: 1024 }), Type.Null()])),
    credentials: Type.Optional(
      Type.Union([S3Secret, GcsSecret, Type.Null()], {
        description: 'Write-only; null forgets the stored secret',
      }),
    ),
    tiers: Type.Optional(TierMap),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type LocationPatch = Static<typeof LocationPatch>;

export const Location = Type.Object(
  {
    id: Type.String(),
    uri: Type.String(),
    kind: LocationKind,
    endpoint: Type.Union([Type.String(), Type.Null()]),
    region: Type.Union([Type.String(), Type.Null()]),
    project: Type.Union([Type.String(), Type.Null()]),
    credentials_ref: Type.Union([Type.String(), Type.Null()]),
    has_credentials: Type.Boolean({ description: 'true when secrets are stored (they are never returned)' }),
    tiers: TierMap,
    created_at: Type.String(),
  },
  {},
);
export type Location = Static<typeof Location>;

/** POST /locations/{id}/test: one step of the round trip. */
export const LocationProbeStep = Type.Object({
  op: Type.Union([Type.Literal('list'), Type.Literal('put'), Type.Literal('head'), Type.Literal('delete')]),
  ok: Type.Boolean(),
  ms: Type.Number(),
  error: Type.Optional(Type.String()),
});

export const LocationProbe = Type.Object({
  location: Type.String(),
  ok: Type.Boolean(),
  /** What is wrong, in words, for an operator; null when every step passed. */
  problem: Type.Union([Type.String(), Type.Null()]),
  /** Machine-readable cause: dns, connection_refused, timeout, bad_credentials, no_such_bucket, permission_denied, other. */
  cause: Type.Union([Type.String(), Type.Null()]),
  steps: Type.Array(LocationProbeStep),
});
export type LocationProbe = Static<typeof LocationProbe>;
