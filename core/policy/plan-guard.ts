import type { DatasetRow } from '../catalog/dataset-service.ts';
import type { Target } from '../migration/plan-target.ts';
import { conflict } from '../errors.ts';
import type { PolicyDocument, PolicySpec } from './document.ts';
import { constraintsFor, locationAllowed, type TierLatency } from './constraints.ts';
import { selectable } from './enforcement.ts';

const where = (ps: PolicySpec[]): string => ps.map((p) => `"${p.id}" (line ${p.at.line})`).join(', ');

/**
 * What may never happen, whoever plans it: a move off a pinned or allowed tier, out of
 * the residency, or retiring a source a policy keeps. A 409 names the policy and its line;
 * change the policy document (which is audited) to allow it.
 */
export function policyPlanGuard(
  document: () => { version: number; doc: PolicyDocument },
  tagsOf: (datasetId: number) => Record<string, string>,
  latency: TierLatency,
) {
  return (ds: DatasetRow, target: Target, _storageClass: string, retire: boolean): void => {
    const { version, doc } = document();
    if (!doc.policies.length) return;
    const c = constraintsFor(doc, selectable(ds, tagsOf(ds.id)), latency);
    if (!c) return;
    const v = `policy document v${version}`;
    if (!c.allowedTiers.includes(target.tier)) {
      const by = c.policies.filter(
        (p) => p.rules.pin || p.rules.allowedTiers || p.rules.latencySloMs !== undefined,
      );
      throw conflict(
        `body.storage_class: dataset ${ds.id} may only be ${c.allowedTiers.join(', ') || 'nowhere'} under ${where(by)} of ${v}; ` +
          `a ${target.tier} target is refused. Change the policy document to allow it`,
        'body.storage_class',
      );
    }
    if (!locationAllowed(c, target.location)) {
      throw conflict(
        `body.target_location: location ${target.location.id} (region ${target.location.region ?? 'none'}) is outside the ` +
          `residency of ${where(c.policies.filter((p) => p.rules.residency))} of ${v}`,
        'body.target_location',
      );
    }
    if (retire && c.neverRetireSource) {
      throw conflict(
        `body.retire_source: ${where(c.policies.filter((p) => p.rules.neverRetireSource))} of ${v} never retires ` +
          "this dataset's source; plan without retire_source",
        'body.retire_source',
      );
    }
  };
}
