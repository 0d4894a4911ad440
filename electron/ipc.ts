import type { Core } from '../core/create-core.ts';
import { parse } from '../core/contracts/validate.ts';
import {
  CHANNELS,
  CHANNEL_NAMES,
  argCount,
  argParts,
  type ChannelArgs,
  type ChannelName,
  type ChannelResult,
  type ChannelSpec,
} from '../core/contracts/channels.ts';
import { testLocation, updateLocation } from '../core/catalog/location-actions.ts';
import { DataMotionError } from '../core/errors.ts';
import { VERSION } from '../core/version.ts';
import { OPERATOR, runAs } from '../core/audit/actor.ts';
import { LegacyPolicies } from '../core/policy/legacy-policies.ts';

const startedAt = Date.now();

/**
 * What each channel calls in the core, with arguments already validated. Typed by the
 * channel map: a channel added there and missing here does not compile.
 */
type Impl = {
  [K in ChannelName]: (core: Core, ...args: ChannelArgs<K>) => ChannelResult<K> | Promise<ChannelResult<K>>;
};

const IMPL: Impl = {
  health: () => ({
    status: 'ok',
    version: VERSION,
    uptime_s: Math.round((Date.now() - startedAt) / 1000),
  }),
  'locations/list': (core) => core.locations.list(),
  'locations/create': (core, body) => core.locations.create(body),
  'locations/patch': (core, id, body) => updateLocation(core, id, body),
  'locations/test': (core, id) => testLocation(core.locations, core.storage, id),
  'datasets/list': (core, q) => core.datasets.list(q),
  'datasets/create': (core, body) => core.datasets.create(body),
  'datasets/get': (core, id) => core.datasets.get(id),
  'datasets/patch': (core, id, body) => core.datasets.patch(id, body),
  'datasets/usage': (core, id, q) => core.telemetry.usage(id, q?.since ? Date.parse(q.since) : 0),
  'recommendations/list': (core, q) =>
    q?.refresh === false
      ? core.placement.latest(q.dataset_id)
      : core.placement.recommend({ datasetId: q?.dataset_id }),
  'migrations/estimate': (core, q) => core.estimates.estimate(q),
  'jobs/plan': (core, body) => core.jobs.plan(body),
  'jobs/list': (core, q) => core.jobs.list(q),
  'jobs/get': (core, id) => core.jobs.get(id),
  'jobs/cancel': (core, id) => core.jobs.cancel(id),
  'jobs/retry': (core, id) => core.jobs.retry(id),
  'jobs/objects': (core, id, q) => core.jobs.objects(id, q),
  'policies/list': (core) => core.placement.listPolicies(),
  'policies/create': (core, body) => new LegacyPolicies(core.placement, core.audit).create(body),
  'policies/delete': (core, id) => {
    new LegacyPolicies(core.placement, core.audit).delete(id);
    return null;
  },
  'policy-document/get': (core) => core.policyDocs.current(),
  'policy-document/put': (core, body) => core.policyDocs.put(body),
  'policy-document/versions': (core, q) => core.policyDocs.versions(q),
  'policy-document/dry-run': (core, body) => core.policyDocs.dryRun(body),
  'audit/list': (core, q) => core.audit.list(q),
  'auto-apply/status': (core) => core.autoApply.status(),
};

/**
 * Validates a call's positional arguments with the channel's own schemas (the same as
 * REST's; the renderer is untrusted input like any HTTP client). Errors name the field as
 * REST does: the path parameter by its name, `query.<x>`, `body.<x>`.
 */
function validate(name: ChannelName, spec: ChannelSpec, args: unknown[]): unknown[] {
  if (args.length > argCount(spec)) {
    throw new DataMotionError(
      'invalid_input',
      `${name}: takes at most ${argCount(spec)} argument(s), got ${args.length}`,
      'args',
    );
  }
  const { param, query, body } = argParts(spec, args);
  const out: unknown[] = [];
  if (spec.param) out.push(parse(spec.param.schema, param, spec.param.name));
  if (spec.query) out.push(parse(spec.query, query ?? {}, 'query'));
  if (spec.body) out.push(parse(spec.body, body, 'body'));
  return out;
}

export type IpcHandler = (...args: unknown[]) => unknown;

/**
 * One flat handler map, `domain/verb` → core service, derived from the channel map:
 * each handler validates its arguments, then makes one core call.
 */
export function ipcHandlers(core: Core): Record<ChannelName, IpcHandler> {
  // Arguments are checked against the channel's schemas first, so the typed IMPL may take them.
  const impl = IMPL as unknown as Record<ChannelName, (core: Core, ...args: unknown[]) => unknown>;
  return Object.fromEntries(
    CHANNEL_NAMES.map((name) => {
      const spec: ChannelSpec = CHANNELS[name];
      const call = impl[name];
      // Everything the UI does is the operator's, in the audit trail.
      return [name, (...args: unknown[]) => runAs(OPERATOR, () => call(core, ...validate(name, spec, args)))];
    }),
  ) as Record<ChannelName, IpcHandler>;
}

export { toIpcError } from './ipc-router.ts';
