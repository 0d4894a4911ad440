import { TIERS, type Tier } from '../contracts/common.ts';
import type { Location } from '../contracts/locations.ts';
import type { PolicyProblem, SourcePosition } from '../contracts/policy-document.ts';
import type { PolicyDocument, PolicyRules, PolicySpec, SelectableDataset } from './document.ts';
import { matches, mayOverlap } from './selectors.ts';

export type TierLatency = Record<Tier, number>;

/** What the policies that select one dataset allow, together. */
export interface Constraints {
  policies: PolicySpec[];
  allowedTiers: Tier[];
  pin: Tier | undefined;
  /** Location ids allowed (undefined: any). */
  locations: string[] | undefined;
  /** Regions allowed (undefined: any). */
  regions: string[] | undefined;
  neverRetireSource: boolean;
  replicas: number | undefined;
}

/** The tiers one policy's rules allow: its allowed_tiers, its pin, and those meeting its SLO. */
export function tiersOf(rules: PolicyRules, latency: TierLatency): Tier[] {
  return TIERS.filter(
    (t) =>
      (!rules.allowedTiers || rules.allowedTiers.includes(t)) &&
      (!rules.pin || rules.pin === t) &&
      (rules.latencySloMs === undefined || latency[t] <= rules.latencySloMs),
  );
}

const meet = (a: string[] | undefined, b: string[] | undefined): string[] | undefined =>
  a && b ? a.filter((x) => b.includes(x)) : (a ?? b);

/** Every policy selecting the dataset, their rules combined (intersections; never-retire wins). */
export function constraintsFor(
  doc: PolicyDocument,
  ds: SelectableDataset,
  latency: TierLatency,
): Constraints | undefined {
  const policies = doc.policies.filter((p) => matches(p.select, ds));
  if (!policies.length) return undefined;
  let allowed: Tier[] = [...TIERS];
  let locations: string[] | undefined;
  let regions: string[] | undefined;
  let pin: Tier | undefined;
  let replicas: number | undefined;
  for (const p of policies) {
    const own = tiersOf(p.rules, latency);
    allowed = allowed.filter((t) => own.includes(t));
    pin ??= p.rules.pin;
    locations = meet(locations, p.rules.residency?.locations);
    regions = meet(regions, p.rules.residency?.regions);
    if (p.rules.replicas !== undefined) replicas = Math.max(replicas ?? 0, p.rules.replicas);
  }
  return {
    policies,
    allowedTiers: allowed,
    pin,
    locations,
    regions,
    neverRetireSource: policies.some((p) => p.rules.neverRetireSource === true),
    replicas,
  };
}

/** Whether a location satisfies the residency part of the constraints. */
export const locationAllowed = (c: Pick<Constraints, 'locations' | 'regions'>, loc: Location): boolean =>
  (!c.locations || c.locations.includes(loc.id)) &&
  (!c.regions || (loc.region !== null && c.regions.includes(loc.region)));

const ruleAt = (p: PolicySpec, rule: keyof PolicyRules): SourcePosition =>
  p.ruleAt[rule] ?? { ...p.at, field: `${p.at.field}.rules` };

function conflict(
  a: PolicySpec,
  ar: keyof PolicyRules,
  b: PolicySpec,
  br: keyof PolicyRules,
  why: string,
): PolicyProblem {
  const here = ruleAt(a, ar);
  const there = ruleAt(b, br);
  const where = a === b ? 'in the same policy' : `policy "${b.id}"`;
  return {
    ...here,
    message: `line ${here.line}, ${here.field}: conflicts with ${there.field} at line ${there.line} (${where}): ${why}`,
    other: there,
  };
}

/** The first rule of a policy that limits its tiers, for pointing at it. */
function tierRule(p: PolicySpec): keyof PolicyRules {
  if (p.rules.pin) return 'pin';
  if (p.rules.allowedTiers) return 'allowedTiers';
  return 'latencySloMs';
}

/**
 * Rules that cannot all hold for a dataset two policies (or one) may both select: no tier
 * left, two different pins, residency with no location or region in common. Each conflict
 * names both places.
 */
export function findConflicts(doc: PolicyDocument, latency: TierLatency): PolicyProblem[] {
  const out: PolicyProblem[] = [];
  for (const p of doc.policies) {
    if (tiersOf(p.rules, latency).length === 0) {
      const { pin, allowedTiers, latencySloMs } = p.rules;
      if (pin && allowedTiers && !allowedTiers.includes(pin)) {
        out.push(
          conflict(
            p,
            'pin',
            p,
            'allowedTiers',
            `pin ${pin} is not among allowed_tiers [${allowedTiers.join(', ')}]`,
          ),
        );
      } else if (pin && latencySloMs !== undefined) {
        out.push(
          conflict(
            p,
            'pin',
            p,
            'latencySloMs',
            `tier ${pin} answers in ~${latency[pin]} ms, above the ${latencySloMs} ms SLO`,
          ),
        );
      } else {
        out.push(
          conflict(
            p,
            'allowedTiers',
            p,
            'latencySloMs',
            `no tier in allowed_tiers meets the ${latencySloMs} ms SLO`,
          ),
        );
      }
    }
  }
  for (let i = 0; i < doc.policies.length; i++) {
    for (let j = i + 1; j < doc.policies.length; j++) {
      const a = doc.policies[i]!;
      const b = doc.policies[j]!;
      if (!mayOverlap(a.select, b.select)) continue;
      const why = `a dataset both may select${overlapHint(a, b)}`;
      if (a.rules.pin && b.rules.pin && a.rules.pin !== b.rules.pin) {
        out.push(
          conflict(b, 'pin', a, 'pin', `${why} cannot be pinned to ${b.rules.pin} and ${a.rules.pin}`),
        );
        continue;
      }
      const ta = tiersOf(a.rules, latency);
      const tb = tiersOf(b.rules, latency);
      if (ta.length && tb.length && !ta.some((t) => tb.includes(t))) {
        out.push(
          conflict(
            b,
            tierRule(b),
            a,
            tierRule(a),
            `${why} may only be [${tb.join(', ')}] here and [${ta.join(', ')}] there`,
          ),
        );
      }
      const ra = a.rules.residency;
      const rb = b.rules.residency;
      if (ra?.locations && rb?.locations && !ra.locations.some((l) => rb.locations!.includes(l))) {
        out.push(conflict(b, 'residency', a, 'residency', `${why} has no location both residencies allow`));
      } else if (ra?.regions && rb?.regions && !ra.regions.some((r) => rb.regions!.includes(r))) {
        out.push(conflict(b, 'residency', a, 'residency', `${why} has no region both residencies allow`));
      }
    }
  }
  return out;
}

function overlapHint(a: PolicySpec, b: PolicySpec): string {
  const name = a.select.name?.[0] ?? b.select.name?.[0];
  return name ? ` (a name like "${name}")` : '';
}
