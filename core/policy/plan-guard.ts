import type { DatasetRow } from '../catalog/dataset-service.ts';
import type { Target } from '../migration/plan-target.ts';
import { conflict } from '../errors.ts';
import type { PolicyDocument, PolicySpec } from './document.ts';
import { constraintsFor, locationAllowed, type TierLatency } from './constraints.ts';
import { selectable } from './enforcement.ts';
import { matches } from './selectors.ts';
import { utcDayStart } from './units.ts';

const where = (ps: PolicySpec[]): string => ps.map((p) => `"${p.id}" (line ${p.at.line})`).join(', ');

export interface GuardDeps {
  document: () => { version: number; doc: PolicyDocument };
  tagsOf: (datasetId: number) => Record<string, string>;
  /**
   * Every dataset with its tags, for a policy's members (its cost ceiling and bytes-per-day
   * limit), and what it costs a month where it is now (its location's tier price).
   */
  catalog: () => CatalogEntry[];
  /** Bytes planned since a time by the given datasets (the audit trail's plan entries). */
  plannedSince: (since: number, datasetIds: Set<number>) => number;
  latency: TierLatency;
  now: () => number;
}

export type CatalogEntry = ReturnType<typeof selectable> & { id: number; monthly_usd: number };

/**
 * What may never happen, whoever plans it: a move off a pinned or allowed tier, out of
 * the residency, over a policy's monthly cost ceiling (a move that raises the bill past it)
 * or its bytes per day, or retiring a source a policy keeps. A 409
 * names the policy and its line; change the policy document (which is audited) to allow it.
 */
export function policyPlanGuard(deps: GuardDeps) {
  const { document, tagsOf, latency } = deps;
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
    // The catalog is read once per plan, and only when a limit asks; a policy's members once.
    let catalog: CatalogEntry[] | undefined;
    const members = new Map<PolicySpec, CatalogEntry[]>();
    const membersOf = (p: PolicySpec): CatalogEntry[] => {
      let m = members.get(p);
      if (!m) {
        catalog ??= deps.catalog();
        m = catalog.filter((d) => matches(p.select, d));
        members.set(p, m);
      }
      return m;
    };
    for (const p of c.policies) {
      const ceiling = p.rules.monthlyCostCeilingUsd;
      if (ceiling === undefined) continue;
      const inPolicy = membersOf(p);
      const before = inPolicy.reduce((sum, d) => sum + d.monthly_usd, 0);
      const now = inPolicy.find((d) => d.id === ds.id)?.monthly_usd ?? 0;
      const price = target.location.tiers[target.tier]?.price_per_gb_month ?? 0;
      const after = before - now + (ds.size_bytes / 2 ** 30) * price;
      // A move that lowers the bill is always allowed, even over the ceiling: it is the way down.
      if (after > before && after > ceiling) {
        throw conflict(
          `body.target_location: "${p.id}" (line ${p.ruleAt.monthlyCostCeilingUsd?.line ?? p.at.line}) of ${v} caps ` +
            `its datasets at $${ceiling} a month; this move takes them from $${before.toFixed(2)} to $${after.toFixed(2)}. ` +
            'Choose a cheaper target or raise the ceiling',
          'body.target_location',
        );
      }
    }
    for (const p of c.policies) {
      const limit = p.rules.maxBytesMovedPerDay;
      if (limit === undefined) continue;
      const members = new Set(membersOf(p).map((d) => d.id));
      const used = deps.plannedSince(utcDayStart(deps.now()), members);
      if (used + ds.size_bytes > limit) {
        throw conflict(
          `body.dataset_id: "${p.id}" (line ${p.ruleAt.maxBytesMovedPerDay?.line ?? p.at.line}) of ${v} moves at most ` +
            `${limit} bytes a day for its datasets; ${used} are planned today and this move is ${ds.size_bytes}. ` +
            'Plan it tomorrow (00:00 UTC) or raise the limit',
          'body.dataset_id',
        );
      }
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
