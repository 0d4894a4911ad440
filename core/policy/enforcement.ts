import type { Db } from '../db/database.ts';
import { TIERS, type Tier } from '../contracts/common.ts';
import type { Location } from '../contracts/locations.ts';
import type { PlanMigration } from '../contracts/jobs.ts';
import { OPEN_STATUSES } from '../contracts/jobs.ts';
import type { CostCeilingCheck, DryRunItem, DryRunResult } from '../contracts/policy-document.ts';
import type { EstimateService } from '../migration/estimate-service.ts';
import type { DatasetRow } from '../catalog/dataset-service.ts';
import { DataMotionError } from '../errors.ts';
import { PLAN_ACTIONS, type AuditLog } from '../audit/audit-log.ts';
import type { PolicyDocument, PolicySpec, SelectableDataset } from './document.ts';
import { constraintsFor, locationAllowed, type Constraints, type TierLatency } from './constraints.ts';
import { matches } from './selectors.ts';
import { utcDayStart } from './units.ts';

export interface EnforcementDeps {
  db: Db;
  audit: Pick<AuditLog, 'bytesPlannedSince'>;
  locations: () => Location[];
  estimates: Pick<EstimateService, 'estimate'>;
  tags: () => Map<number, Record<string, string>>;
  latency: TierLatency;
  now: () => number;
}

/** One move the plan makes, with the body POST /plan-migration gets for it. */
export interface EnforcementMove {
  item: DryRunItem;
  plan: PlanMigration;
}

const GB = 2 ** 30;
const round = (usd: number): number => Math.round(usd * 1e6) / 1e6;
const OPEN_SQL = OPEN_STATUSES.map((s) => `'${s}'`).join(',');

export const selectable = (ds: DatasetRow, tags: Record<string, string> | undefined): SelectableDataset => ({
  name: ds.name,
  owner: ds.owner,
  location: ds.location_id,
  tags: tags ?? {},
  size_bytes: ds.size_bytes,
});

/** What a dataset costs a month where it is, from its location's tier price. */
export function monthlyCost(
  ds: Pick<DatasetRow, 'size_bytes' | 'current_tier'>,
  loc: Location | undefined,
): number {
  const price = loc?.tiers[ds.current_tier]?.price_per_gb_month ?? 0;
  return round((ds.size_bytes / GB) * price);
}

/**
 * The tier a dataset goes to when its own is not allowed: the recommended one if allowed,
 * else the allowed tier nearest to where it is (the warmer of two equally near: an SLO is
 * the likelier reason).
 */
export function pickTier(allowed: Tier[], current: Tier, recommended: Tier | undefined): Tier | undefined {
  if (allowed.includes(current)) return current;
  if (recommended && allowed.includes(recommended)) return recommended;
  const at = TIERS.indexOf(current);
  return [...allowed].sort(
    (a, b) =>
      Math.abs(TIERS.indexOf(a) - at) - Math.abs(TIERS.indexOf(b) - at) ||
      TIERS.indexOf(a) - TIERS.indexOf(b),
  )[0];
}

/** Where a dataset may go: its own location if allowed and offering the tier, else the cheapest allowed one. */
export function pickLocation(
  c: Constraints,
  current: Location | undefined,
  tier: Tier,
  all: Location[],
): Location | undefined {
  if (current && locationAllowed(c, current) && current.tiers[tier]) return current;
  return all
    .filter((l) => locationAllowed(c, l) && l.tiers[tier])
    .sort(
      (a, b) =>
        a.tiers[tier]!.price_per_gb_month - b.tiers[tier]!.price_per_gb_month || a.id.localeCompare(b.id),
    )[0];
}

/**
 * The moves a policy document requires now: every selected dataset whose tier or location
 * breaks its rules, where it would go, and what that costs. The dry run shows it; applying
 * the document plans exactly its `plan` items (test/policy/dry-run.test.ts holds them equal).
 */
export function enforcementPlan(
  doc: PolicyDocument,
  deps: EnforcementDeps,
  opts: { confirm: boolean },
): { result: DryRunResult; moves: EnforcementMove[] } {
  const locs = deps.locations();
  const byId = new Map(locs.map((l) => [l.id, l]));
  const tags = deps.tags();
  const rows = deps.db.prepare('SELECT * FROM datasets ORDER BY id').all() as DatasetRow[];
  const members = new Map<PolicySpec, Set<number>>(doc.policies.map((p) => [p, new Set<number>()]));
  const recommended = latestRecommendedTiers(deps.db);
  const open = new Map(
    (
      deps.db
        .prepare(`SELECT dataset_id, job_id FROM migration_jobs WHERE status IN (${OPEN_SQL})`)
        .all() as {
        dataset_id: number;
        job_id: string;
      }[]
    ).map((r) => [r.dataset_id, r.job_id]),
  );
  const budget = new BytesBudget(deps.audit, utcDayStart(deps.now()));
  const items: DryRunItem[] = [];
  const moves: EnforcementMove[] = [];
  const monthlyAfter = new Map<number, number>();
  let selected = 0;

  for (const ds of rows) {
    const sel = selectable(ds, tags.get(ds.id));
    for (const p of doc.policies) if (matches(p.select, sel)) members.get(p)!.add(ds.id);
    const c = constraintsFor(doc, sel, deps.latency);
    const loc = byId.get(ds.location_id);
    monthlyAfter.set(ds.id, monthlyCost(ds, loc));
    if (!c) continue;
    selected++;
    const tierOk = c.allowedTiers.includes(ds.current_tier);
    const locOk = loc !== undefined && locationAllowed(c, loc);
    if (tierOk && locOk) continue;
    const reasons: string[] = [];
    if (!tierOk) reasons.push(tierReason(c, ds.current_tier));
    if (!locOk) reasons.push(`location ${ds.location_id} is outside the residency of ${residencyText(c)}`);
    const from = { location: ds.location_id, storage_class: ds.storage_class, tier: ds.current_tier };
    const base = {
      dataset_id: ds.id,
      name: ds.name,
      from,
      reasons,
      policies: c.policies.map((p) => p.id),
      bytes: ds.size_bytes,
      monthly_cost_before_usd: monthlyCost(ds, loc),
    };
    const tier = pickTier(c.allowedTiers, ds.current_tier, recommended.get(ds.id));
    const target = tier && pickLocation(c, loc, tier, locs);
    const blocked = (why: string): void => {
      items.push({
        ...base,
        to: from,
        action: 'blocked',
        reasons: [...reasons, why],
        monthly_cost_after_usd: base.monthly_cost_before_usd,
        one_time_cost_usd: 0,
      });
    };
    if (!tier) {
      blocked('no tier satisfies every policy that selects it');
      continue;
    }
    if (!target) {
      blocked(`no location allowed by ${residencyText(c)} offers the ${tier} tier`);
      continue;
    }
    const openJob = open.get(ds.id);
    if (openJob) {
      blocked(`it has an open migration, job ${openJob}; wait for it or cancel it`);
      continue;
    }
    const storageClass = target.tiers[tier]!.storage_class;
    const plan: PlanMigration = {
      dataset_id: ds.id,
      target_location: target.id === ds.location_id ? ds.path_uri : target.id,
      storage_class: storageClass,
      tier,
      retire_source: false,
    };
    const to = { location: target.id, storage_class: storageClass, tier };
    let estimate;
    try {
      estimate = deps.estimates.estimate({ ...plan });
    } catch (e) {
      blocked(e instanceof DataMotionError ? e.message : String(e));
      continue;
    }
    const item: DryRunItem = {
      ...base,
      to,
      action: 'plan',
      monthly_cost_after_usd: round(estimate.monthly_after_usd),
      one_time_cost_usd: round(estimate.one_time_total_usd),
    };
    const over = budget.over(c.policies, members, ds.size_bytes);
    if (over) {
      item.action = 'deferred';
      item.reasons.push(over);
    } else if (estimate.needs_confirm && !opts.confirm) {
      item.action = 'needs_confirm';
      item.reasons.push(
        `its estimate asks for confirmation: ${estimate.confirm_reasons.map((r) => r.message).join('; ')}`,
      );
    } else {
      budget.take(c.policies, ds.size_bytes);
      monthlyAfter.set(ds.id, item.monthly_cost_after_usd);
      moves.push({ item, plan: opts.confirm && estimate.needs_confirm ? { ...plan, confirm: true } : plan });
    }
    items.push(item);
  }

  const planned = items.filter((i) => i.action === 'plan');
  const sum = (f: (i: DryRunItem) => number) => round(planned.reduce((a, i) => a + f(i), 0));
  const before = sum((i) => i.monthly_cost_before_usd);
  const after = sum((i) => i.monthly_cost_after_usd);
  return {
    result: {
      datasets_selected: selected,
      items,
      totals: {
        moves: planned.length,
        bytes: planned.reduce((a, i) => a + i.bytes, 0),
        monthly_cost_before_usd: before,
        monthly_cost_after_usd: after,
        monthly_saving_usd: round(before - after),
        one_time_cost_usd: sum((i) => i.one_time_cost_usd),
      },
      cost_ceilings: ceilings(doc, members, monthlyAfter),
      warnings: [],
    },
    moves,
  };
}

function latestRecommendedTiers(db: Db): Map<number, Tier> {
  const rows = db
    .prepare(
      `SELECT dataset_id, recommended_tier FROM recommendations
       WHERE id IN (SELECT max(id) FROM recommendations GROUP BY dataset_id)`,
    )
    .all() as { dataset_id: number; recommended_tier: Tier }[];
  return new Map(rows.map((r) => [r.dataset_id, r.recommended_tier]));
}

function tierReason(c: Constraints, tier: Tier): string {
  const by = c.policies.filter(
    (p) => p.rules.pin || p.rules.allowedTiers || p.rules.latencySloMs !== undefined,
  );
  const where = by.map((p) => `"${p.id}" (line ${p.at.line})`).join(', ');
  return c.pin
    ? `it is ${tier}, pinned to ${c.pin} by ${where}`
    : `tier ${tier} is not allowed by ${where}: allowed ${c.allowedTiers.join(', ') || 'none'}`;
}

function residencyText(c: Constraints): string {
  const by = c.policies.filter((p) => p.rules.residency).map((p) => `"${p.id}" (line ${p.at.line})`);
  const parts = [
    c.locations ? `locations ${c.locations.join(', ') || '(none in common)'}` : '',
    c.regions ? `regions ${c.regions.join(', ') || '(none in common)'}` : '',
  ].filter(Boolean);
  return `${by.join(', ')}: ${parts.join('; ')}`;
}

/** Each policy's max_bytes_moved_per_day: what its datasets moved today, plus this run's moves. */
class BytesBudget {
  private readonly taken = new Map<PolicySpec, number>();
  private readonly today = new Map<PolicySpec, number>();

  constructor(
    private readonly audit: Pick<AuditLog, 'bytesPlannedSince'>,
    private readonly dayStart: number,
  ) {}

  private movedToday(p: PolicySpec, members: Map<PolicySpec, Set<number>>): number {
    let v = this.today.get(p);
    if (v === undefined) {
      v = this.audit.bytesPlannedSince(PLAN_ACTIONS, this.dayStart, members.get(p));
      this.today.set(p, v);
    }
    return v;
  }

  over(policies: PolicySpec[], members: Map<PolicySpec, Set<number>>, bytes: number): string | undefined {
    for (const p of policies) {
      const limit = p.rules.maxBytesMovedPerDay;
      if (limit === undefined) continue;
      const used = this.movedToday(p, members) + (this.taken.get(p) ?? 0);
      if (used + bytes > limit) {
        return `"${p.id}" allows ${limit} bytes moved a day (line ${p.ruleAt.maxBytesMovedPerDay?.line ?? p.at.line}); ${used} are moved or planned today`;
      }
    }
    return undefined;
  }

  take(policies: PolicySpec[], bytes: number): void {
    for (const p of policies)
      if (p.rules.maxBytesMovedPerDay !== undefined) this.taken.set(p, (this.taken.get(p) ?? 0) + bytes);
  }
}

function ceilings(
  doc: PolicyDocument,
  members: Map<PolicySpec, Set<number>>,
  monthly: Map<number, number>,
): CostCeilingCheck[] {
  return doc.policies
    .filter((p) => p.rules.monthlyCostCeilingUsd !== undefined)
    .map((p) => {
      const total = round([...members.get(p)!].reduce((a, id) => a + (monthly.get(id) ?? 0), 0));
      const ceiling = p.rules.monthlyCostCeilingUsd!;
      return {
        policy: p.id,
        line: p.ruleAt.monthlyCostCeilingUsd?.line ?? p.at.line,
        ceiling_usd: ceiling,
        monthly_usd: total,
        exceeded: total > ceiling,
      };
    });
}
