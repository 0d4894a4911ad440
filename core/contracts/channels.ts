import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Id } from './common.ts';
import { Dataset, DatasetCreate, DatasetDetail, DatasetListQuery, DatasetPatch } from './datasets.ts';
import { Estimate, EstimateQuery } from './estimate.ts';
import type { CoreEvent } from './events.ts';
import {
  Job,
  JobDetail,
  JobListQuery,
  JobObjectsPage,
  JobObjectsQuery,
  PlanMigration,
  PlanResult,
} from './jobs.ts';
import { Location, LocationCreate, LocationId, LocationPatch, LocationProbe } from './locations.ts';
import { Policy, PolicyCreate, Recommendation, RecommendationsQuery } from './placement.ts';
import { Health } from './system.ts';
import { AuditPage, AuditQuery } from './audit.ts';
import {
  AutoApplyStatus,
  DryRunResult,
  PolicyDocumentDryRunBody,
  PolicyDocumentPut,
  PolicyDocumentPutResult,
  PolicyDocumentVersion,
  PolicyDocumentVersionsQuery,
} from './policy-document.ts';
import { UsageBucket, UsageQuery } from './telemetry.ts';

/**
 * The one table of operations the UI can call. The renderer's HTTP client
 * (renderer/client/http-client.ts), the preload's IPC bridge (electron/preload.ts) and
 * main's IPC handlers (electron/ipc.ts) are all derived from it, so a new operation is
 * one entry here (plus its core call in ipc.ts, which the compiler asks for).
 *
 * An operation's arguments, in this order, each optional in the table:
 *  - `param`: one path parameter, passed as a bare value (`datasets/get`(7)); its name is
 *    the `{name}` in `path` and the field named by a validation error;
 *  - `query`: an object sent as the query string (a GET's filters);
 *  - `body`: an object sent as the JSON body.
 * A channel has a query or a body, never both. `result` is the success answer's schema.
 */
export interface ChannelSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  param?: { name: string; schema: TSchema };
  query?: TSchema;
  body?: TSchema;
  result: TSchema;
}

const JobIdArg = Type.String({ format: 'uuid' });
const NoContent = Type.Null({ description: 'No content' });

export const CHANNELS = {
  health: { method: 'GET', path: '/health', result: Health },

  'locations/list': { method: 'GET', path: '/locations', result: Type.Array(Location) },
  'locations/create': { method: 'POST', path: '/locations', body: LocationCreate, result: Location },
  'locations/patch': {
    method: 'PATCH',
    path: '/locations/{id}',
    param: { name: 'id', schema: LocationId },
    body: LocationPatch,
    result: Location,
  },
  'locations/test': {
    method: 'POST',
    path: '/locations/{id}/test',
    param: { name: 'id', schema: LocationId },
    result: LocationProbe,
  },

  'datasets/list': { method: 'GET', path: '/datasets', query: DatasetListQuery, result: Type.Array(Dataset) },
  'datasets/create': { method: 'POST', path: '/datasets', body: DatasetCreate, result: DatasetDetail },
  'datasets/get': {
    method: 'GET',
    path: '/datasets/{id}',
    param: { name: 'id', schema: Id },
    result: DatasetDetail,
  },
  'datasets/patch': {
    method: 'PATCH',
    path: '/datasets/{id}',
    param: { name: 'id', schema: Id },
    body: DatasetPatch,
    result: DatasetDetail,
  },
  'datasets/usage': {
    method: 'GET',
    path: '/datasets/{id}/usage',
    param: { name: 'id', schema: Id },
    query: UsageQuery,
    result: Type.Array(UsageBucket),
  },

  'recommendations/list': {
    method: 'GET',
    path: '/recommendations',
    query: RecommendationsQuery,
    result: Type.Array(Recommendation),
  },
  'migrations/estimate': { method: 'GET', path: '/estimate', query: EstimateQuery, result: Estimate },
  'jobs/plan': { method: 'POST', path: '/plan-migration', body: PlanMigration, result: PlanResult },
  'jobs/list': { method: 'GET', path: '/jobs', query: JobListQuery, result: Type.Array(Job) },
  'jobs/get': {
    method: 'GET',
    path: '/jobs/{job_id}',
    param: { name: 'job_id', schema: JobIdArg },
    result: JobDetail,
  },
  'jobs/cancel': {
    method: 'POST',
    path: '/jobs/{job_id}/cancel',
    param: { name: 'job_id', schema: JobIdArg },
    result: Job,
  },
  'jobs/retry': {
    method: 'POST',
    path: '/jobs/retry/{job_id}',
    param: { name: 'job_id', schema: JobIdArg },
    result: Job,
  },
  'jobs/objects': {
    method: 'GET',
    path: '/jobs/{job_id}/objects',
    param: { name: 'job_id', schema: JobIdArg },
    query: JobObjectsQuery,
    result: JobObjectsPage,
  },

  'policies/list': { method: 'GET', path: '/policies', result: Type.Array(Policy) },
  'policies/create': { method: 'POST', path: '/policies', body: PolicyCreate, result: Policy },
  'policies/delete': {
    method: 'DELETE',
    path: '/policies/{id}',
    param: { name: 'id', schema: Id },
    result: NoContent,
  },

  'policy-document/get': { method: 'GET', path: '/policy-document', result: PolicyDocumentVersion },
  'policy-document/put': {
    method: 'PUT',
    path: '/policy-document',
    body: PolicyDocumentPut,
    result: PolicyDocumentPutResult,
  },
  'policy-document/versions': {
    method: 'GET',
    path: '/policy-document/versions',
    query: PolicyDocumentVersionsQuery,
    result: Type.Array(PolicyDocumentVersion),
  },
  'policy-document/dry-run': {
    method: 'POST',
    path: '/policy-document/dry-run',
    body: PolicyDocumentDryRunBody,
    result: DryRunResult,
  },
  'audit/list': { method: 'GET', path: '/audit', query: AuditQuery, result: AuditPage },
  'auto-apply/status': { method: 'GET', path: '/auto-apply', result: AutoApplyStatus },
} as const satisfies Record<string, ChannelSpec>;

export type Channels = typeof CHANNELS;
export type ChannelName = keyof Channels;
export const CHANNEL_NAMES = Object.keys(CHANNELS) as ChannelName[];

type ParamArg<S> = S extends { param: { schema: infer P extends TSchema } } ? [Static<P>] : [];
/** A query is optional (every filter has a default); a body is required. */
type RestArg<S> = S extends { body: infer B extends TSchema }
  ? [body: Static<B>]
  : S extends { query: infer Q extends TSchema }
    ? [query?: Static<Q>]
    : [];

/** The positional arguments of a channel: [param?, query | body?]. */
export type ChannelArgs<K extends ChannelName> = [...ParamArg<Channels[K]>, ...RestArg<Channels[K]>];
export type ChannelResult<K extends ChannelName> = Static<Channels[K]['result']>;

/** Every channel as an async function: the shape of both clients. */
export type ChannelClient = {
  [K in ChannelName]: (...args: ChannelArgs<K>) => Promise<ChannelResult<K>>;
};

/** Splits positional arguments into the spec's parts (used by both transports and main). */
export function argParts(
  spec: ChannelSpec,
  args: readonly unknown[],
): { param: unknown; query: unknown; body: unknown } {
  let i = 0;
  const param = spec.param ? args[i++] : undefined;
  const rest = args[i];
  return {
    param,
    query: spec.query ? rest : undefined,
    body: spec.body ? rest : undefined,
  };
}

/** How many positional arguments a channel takes at most (IPC refuses more). */
export const argCount = (spec: ChannelSpec): number =>
  (spec.param ? 1 : 0) + (spec.query || spec.body ? 1 : 0);

/** IPC: what main answers for every call (errors as plain data, see ApiError). */
export type IpcResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: { error: string; message: string; field?: string; [k: string]: unknown } };

/** The preload's bridge: every channel answering an IpcResult, and the event feed. */
export type IpcBridge = {
  [K in ChannelName]: (...args: ChannelArgs<K>) => Promise<IpcResult<ChannelResult<K>>>;
} & {
  onEvent(listener: (event: CoreEvent) => void): () => void;
};
export const IPC_EVENT_CHANNEL = 'core/event';
