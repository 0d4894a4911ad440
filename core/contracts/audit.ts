import { Type, type Static } from '@sinclair/typebox';
import { Id, SafeText, Timestamp } from './common.ts';

export const AUDIT_ACTIONS = [
  'plan',
  'switch',
  'retire',
  'policy.update',
  'policy.apply',
  'auto_apply.plan',
  'cancel',
  'retry',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ description: 'When it was recorded (ISO-8601)' }),
  action: Type.String({ description: AUDIT_ACTIONS.join(' | ') }),
  actor: Type.String({
    description:
      'Who or what caused it: operator (the desktop UI), api_key:<name> (a REST key, by its name), ' +
      'api:loopback (REST without a key), auto_apply, policy:<id>, system',
  }),
  dataset_id: Type.Union([Type.Integer(), Type.Null()]),
  job_id: Type.Union([Type.String(), Type.Null()]),
  policy: Type.Union([Type.String(), Type.Null()], {
    description: 'The policy (document version and policy id) it came from or changed',
  }),
  recommendation_id: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditQuery = Type.Object(
  {
    dataset_id: Type.Optional(Id),
    actor: Type.Optional(
      SafeText({
        minLength: 1,
        maxLength: 200,
        description: 'An exact actor (api_key:ci) or a kind (api_key, operator, auto_apply, policy)',
      }),
    ),
    action: Type.Optional(Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a)))),
    since: Type.Optional(Timestamp),
    until: Type.Optional(Timestamp),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,15}$', description: 'next_cursor of the previous page' }),
    ),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditPage = Type.Object({
  items: Type.Array(AuditEntry, { description: 'Newest first' }),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
});
export type AuditPage = Static<typeof AuditPage>;
