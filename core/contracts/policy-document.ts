import { Type, type Static } from '@sinclair/typebox';
import { ErrorBody, Id, SafeText, Tier } from './common.ts';

/** 256 KiB of policy text: thousands of policies, far below the body limit. */
export const MAX_POLICY_SOURCE = 256 * 1024;

export const PolicyFormat = Type.Union([Type.Literal('yaml'), Type.Literal('json')], {
  description: 'Default: json when the text starts with "{", else yaml',
});
export type PolicyFormat = Static<typeof PolicyFormat>;

const Source = Type.String({
  maxLength: MAX_POLICY_SOURCE,
  description: 'The policy document, YAML or JSON (see the README for its fields)',
});

export const PolicyDocumentDryRunBody = Type.Object(
  { source: Source, format: Type.Optional(PolicyFormat) },
  { additionalProperties: false },
);
export type PolicyDocumentDryRunBody = Static<typeof PolicyDocumentDryRunBody>;

export const PolicyDocumentPut = Type.Object(
  {
    source: Source,
    format: Type.Optional(PolicyFormat),
    comment: Type.Optional(SafeText({ maxLength: 500 })),
    apply: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Also plan the moves its dry run lists (the answer carries them as `applied`)',
      }),
    ),
    confirm: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'With apply: plan moves whose estimate asks for confirmation too',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PolicyDocumentPut = Static<typeof PolicyDocumentPut>;

/** Where in the text: 1-based line and column, and the field's path (policies[0].rules.pin). */
export const SourcePosition = Type.Object({
  line: Type.Integer({ minimum: 1 }),
  column: Type.Integer({ minimum: 1 }),
  field: Type.String(),
});
export type SourcePosition = Static<typeof SourcePosition>;

export const PolicyProblem = Type.Object({
  line: Type.Integer({ minimum: 1 }),
  column: Type.Integer({ minimum: 1 }),
  field: Type.String(),
  message: Type.String(),
  /** A conflict's other side. */
  other: Type.Optional(SourcePosition),
});
export type PolicyProblem = Static<typeof PolicyProblem>;

/** The 400 of PUT and dry-run: every problem of the document, each at its line. */
export const PolicyDocumentError = Type.Intersect([
  ErrorBody,
  // Only a document's own problems carry it; a malformed body gets the usual field and message.
  Type.Object({ problems: Type.Optional(Type.Array(PolicyProblem)) }),
]);

export const PolicyDocumentVersion = Type.Object({
  version: Type.Integer({ minimum: 0, description: '0: no document saved yet' }),
  format: PolicyFormat,
  source: Type.String(),
  author: Type.String({ description: 'The actor who saved it' }),
  comment: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.Union([Type.String(), Type.Null()]),
  policy_ids: Type.Array(Type.String()),
  auto_apply: Type.Boolean({ description: 'Whether this version switches auto-apply on' }),
});
export type PolicyDocumentVersion = Static<typeof PolicyDocumentVersion>;

export const PolicyDocumentVersionsQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 200,
        default: 20,
        description: 'each carries its source (up to 256 KiB)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PolicyDocumentVersionsQuery = Static<typeof PolicyDocumentVersionsQuery>;

export const PolicyVersionParams = Type.Object({ version: Id }, { additionalProperties: false });

const Placement = Type.Object({
  location: Type.String(),
  storage_class: Type.Union([Type.String(), Type.Null()]),
  tier: Tier,
});

export const DryRunItem = Type.Object({
  dataset_id: Id,
  name: Type.String(),
  from: Placement,
  to: Placement,
  action: Type.Union(
    [
      Type.Literal('plan'),
      Type.Literal('deferred'),
      Type.Literal('needs_confirm'),
      Type.Literal('blocked'),
      Type.Literal('failed'),
    ],
    {
      description:
        'plan: applying plans this move; deferred: over a bytes-per-day limit today; needs_confirm: its ' +
        'estimate asks for confirm; blocked: no allowed placement exists; failed: planning it was refused',
    },
  ),
  reasons: Type.Array(Type.String()),
  policies: Type.Array(Type.String({ description: 'ids of the policies that require the move' })),
  bytes: Type.Integer(),
  monthly_cost_before_usd: Type.Number(),
  monthly_cost_after_usd: Type.Number(),
  one_time_cost_usd: Type.Number(),
  job_id: Type.Optional(Type.String()),
});
export type DryRunItem = Static<typeof DryRunItem>;

export const CostCeilingCheck = Type.Object({
  policy: Type.String(),
  line: Type.Integer(),
  ceiling_usd: Type.Number(),
  monthly_usd: Type.Number({ description: 'its datasets a month, after the planned moves' }),
  exceeded: Type.Boolean(),
});
export type CostCeilingCheck = Static<typeof CostCeilingCheck>;

export const DryRunResult = Type.Object({
  /** Datasets any policy selects, and those whose placement the document changes. */
  datasets_selected: Type.Integer(),
  items: Type.Array(DryRunItem),
  totals: Type.Object({
    moves: Type.Integer(),
    bytes: Type.Integer(),
    monthly_cost_before_usd: Type.Number(),
    monthly_cost_after_usd: Type.Number(),
    monthly_saving_usd: Type.Number({ description: 'negative: the moves cost more a month' }),
    one_time_cost_usd: Type.Number(),
  }),
  cost_ceilings: Type.Array(CostCeilingCheck),
  warnings: Type.Array(PolicyProblem),
});
export type DryRunResult = Static<typeof DryRunResult>;

export const PolicyDocumentPutResult = Type.Object({
  document: PolicyDocumentVersion,
  applied: Type.Union([DryRunResult, Type.Null()], { description: 'With apply: what was planned' }),
});
export type PolicyDocumentPutResult = Static<typeof PolicyDocumentPutResult>;

const TAG_KEY = '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,62}$';
/** Tag name → value; spelled as patternProperties so ajv checks every key and value. */
const TagMap = Type.Unsafe<Record<string, string>>(
  Type.Object(
    {},
    {
      patternProperties: { [TAG_KEY]: SafeText({ minLength: 1, maxLength: 200 }) },
      additionalProperties: false,
      maxProperties: 64,
      description: "All of the dataset's tags (replaces the ones it had); names: letters, digits, _ . : / -",
    },
  ),
);

export const DatasetTagsBody = Type.Object({ tags: TagMap }, { additionalProperties: false });
export type DatasetTagsBody = Static<typeof DatasetTagsBody>;

export const DatasetTags = Type.Object({
  dataset_id: Id,
  tags: Type.Record(Type.String(), Type.String()),
});
export type DatasetTags = Static<typeof DatasetTags>;

export const AutoApplyStatus = Type.Object({
  enabled: Type.Boolean(),
  document_version: Type.Integer({ minimum: 0 }),
  window: Type.Union([Type.String({ description: 'HH:MM-HH:MM, UTC' }), Type.Null()]),
  in_window: Type.Boolean({ description: 'whether now is inside the window' }),
  daily_bytes: Type.Integer(),
  planned_today_bytes: Type.Integer({ description: 'planned by auto-apply since 00:00 UTC' }),
  allow: Type.Array(Type.String()),
  retire_source: Type.Boolean(),
  last_run: Type.Union([
    Type.Object({
      at: Type.String(),
      idle: Type.Union([Type.String(), Type.Null()]),
      planned: Type.Integer(),
      skipped: Type.Array(Type.Object({ dataset_id: Id, reason: Type.String() })),
    }),
    Type.Null(),
  ]),
});
export type AutoApplyStatus = Static<typeof AutoApplyStatus>;
