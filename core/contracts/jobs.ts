import { Type, type Static } from '@sinclair/typebox';
import { Id, SafeText, Tier, UriText } from './common.ts';

export const JOB_STATUSES = [
  'queued',
  'copying',
  'verifying',
  'switching',
  'completed',
  'failed',
  'canceled',
  'enqueue_failed',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const JobStatusSchema = Type.Union(JOB_STATUSES.map((s) => Type.Literal(s)));
export const OPEN_STATUSES: readonly JobStatus[] = ['queued', 'copying', 'verifying', 'switching'];
export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'canceled', 'enqueue_failed'];

export const PlanMigration = Type.Object(
  {
    dataset_id: Id,
    target_location: UriText({
      maxLength: 4096,
      description:
        'Destination URI inside a configured location, or a location id (dest = <root>/<dataset name>)',
    }),
    storage_class: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    tier: Type.Optional(Tier),
    job_key: Type.Optional(SafeText({ minLength: 1, maxLength: 200 })),
    retire_source: Type.Optional(Type.Boolean({ default: false })),
    confirm: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Required (true) for a move that retires the source, pays an early-deletion charge or is larger ' +
          'than the configured limit; without it such a plan is a 409 carrying the estimate',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PlanMigration = Static<typeof PlanMigration>;

export const JobProgress = Type.Object({
  fraction: Type.Number({ minimum: 0, maximum: 1 }),
  throughput_bps: Type.Union([Type.Number(), Type.Null()]),
  eta_s: Type.Union([Type.Number(), Type.Null()]),
});

export const Job = Type.Object(
  {
    job_id: Type.String({ format: 'uuid' }),
    job_key: Type.String(),
    dataset_id: Id,
    source_uri: Type.String(),
    dest_uri: Type.String(),
    dest_location: Type.String(),
    dest_storage_class: Type.String(),
    dest_tier: Tier,
    retire_source: Type.Boolean(),
    status: JobStatusSchema,
    error: Type.Union([Type.String(), Type.Null()]),
    attempts: Type.Integer(),
    bytes_total: Type.Integer(),
    bytes_copied: Type.Integer(),
    objects_total: Type.Integer(),
    objects_done: Type.Integer(),
    progress: JobProgress,
    submitted_at: Type.String(),
    started_at: Type.Union([Type.String(), Type.Null()]),
    finished_at: Type.Union([Type.String(), Type.Null()]),
    updated_at: Type.String(),
  },
  {},
);
export type Job = Static<typeof Job>;

export const JobEvent = Type.Object({
  status: Type.String(),
  message: Type.Union([Type.String(), Type.Null()]),
  at: Type.String(),
});
export type JobEvent = Static<typeof JobEvent>;

export const JobDetail = Type.Intersect([Job, Type.Object({ history: Type.Array(JobEvent) })]);
export type JobDetail = Static<typeof JobDetail>;

export const PlanResult = Type.Intersect([
  Job,
  Type.Object({ created: Type.Boolean({ description: 'false when the job_key already had a job' }) }),
]);
export type PlanResult = Static<typeof PlanResult>;

export const JobListQuery = Type.Object(
  {
    status: Type.Optional(JobStatusSchema),
    dataset_id: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 500 })),
  },
  { additionalProperties: false },
);
export type JobListQuery = Static<typeof JobListQuery>;

export const JobIdParams = Type.Object(
  { job_id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

/** States of one object in a job's manifest (job_objects.state). */
export const OBJECT_STATES = ['pending', 'copied', 'verified', 'mismatch'] as const;
export type ObjectState = (typeof OBJECT_STATES)[number];

export const JobObjectsQuery = Type.Object(
  {
    state: Type.Optional(Type.Union(OBJECT_STATES.map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })),
  },
  { additionalProperties: false },
);
export type JobObjectsQuery = Static<typeof JobObjectsQuery>;

/** One object of a job: what was copied, and whether its checksums matched. */
export const JobObject = Type.Object({
  rel_path: Type.String({ description: 'Path under the dataset root' }),
  size_bytes: Type.Integer(),
  state: Type.Union(OBJECT_STATES.map((s) => Type.Literal(s))),
  src_crc32c: Type.Union([Type.String(), Type.Null()]),
  dst_crc32c: Type.Union([Type.String(), Type.Null()]),
  copy_count: Type.Integer({ description: 'How many times it was copied (more than 1: retried)' }),
});
export type JobObject = Static<typeof JobObject>;

export const JobObjectsPage = Type.Object({
  job_id: Type.String({ format: 'uuid' }),
  total: Type.Integer({ description: 'Objects matching the state filter' }),
  counts: Type.Object(
    {
      pending: Type.Integer(),
      copied: Type.Integer(),
      verified: Type.Integer(),
      mismatch: Type.Integer(),
    },
    { description: 'Objects of the job by state (ignores the filter)' },
  ),
  items: Type.Array(JobObject),
});
export type JobObjectsPage = Static<typeof JobObjectsPage>;
