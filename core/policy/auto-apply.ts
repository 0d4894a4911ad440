import type { Db } from '../db/database.ts';
import type { Location } from '../contracts/locations.ts';
import type { Recommendation } from '../contracts/placement.ts';
import type { PlanResult } from '../contracts/jobs.ts';
import type { AutoApplyStatus } from '../contracts/policy-document.ts';
import { OPEN_STATUSES } from '../contracts/jobs.ts';
import type { DatasetRow } from '../catalog/dataset-service.ts';
import type { EstimateService } from '../migration/estimate-service.ts';
import { PLAN_ACTIONS, type AuditLog } from '../audit/audit-log.ts';
import { AUTO_APPLY, runAs } from '../audit/actor.ts';
import type { PolicyDocument, PolicySpec, TierMove } from './document.ts';
import { constraintsFor, locationAllowed, type TierLatency } from './constraints.ts';
import { matches } from './selectors.ts';
import { monthlyCost, selectable } from './enforcement.ts';
import { inWindow, utcDayStart } from './units.ts';

export interface AutoApplyDeps {
  db: Db;
  audit: AuditLog;
  document: () => { version: number; doc: PolicyDocument };
  recommendations: () => Recommendation[];
  locations: () => Location[];
  tags: () => Map<number, Record<string, string>>;
  estimates: Pick<EstimateService, 'estimate'>;
  jobs: { plan(input: unknown): PlanResult };
  latency: TierLatency;
  /** The clock; tests pass a simulated one. */
  now: () => number;
}

export interface AutoApplyOutcome {
  /** Why nothing ran at all (off, outside the window), else null. */
  idle: string | null;
  planned: { dataset_id: number; job_id: string; bytes: number; recommendation_id: number }[];
  skipped: { dataset_id: number; recommendation_id: number; reason: string }[];
}

const OPEN_SQL = OPEN_STATUSES.map((s) => `'${s}'`).join(',');

/**
 * Auto-apply (off unless the policy document switches it on): inside the maintenance
 * window, plans the recommendations whose tier move the document allows, within the daily
 * byte budget, never against a pin, an allowed-tier or residency rule, a cost ceiling or a
 * policy's bytes-per-day limit, and never retiring a source a policy keeps. Each plan is
 * audited as auto_apply.plan with its recommendation, reason and policy.
 */
export class AutoApply {
  private timer: NodeJS.Timeout | undefined;
  private last: { at: number; outcome: AutoApplyOutcome } | null = null;

  constructor(private readonly deps: AutoApplyDeps) {}

  start(intervalMs: number, onError: (e: unknown) => void): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (e) {
        onError(e);
      }
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(): AutoApplyOutcome {
    const outcome = this.run();
    this.last = { at: this.deps.now(), outcome };
    return outcome;
  }

  /** GET /auto-apply: its settings in force, today's bytes, and what its last run did. */
  status(): AutoApplyStatus {
    const { version, doc } = this.deps.document();
    const s = doc.autoApply;
    const now = this.deps.now();
    const hhmm = (m: number) =>
      `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    return {
      enabled: s.enabled,
      document_version: version,
      window: s.window ? `${hhmm(s.window.startMin)}-${hhmm(s.window.endMin)}` : null,
      in_window: inWindow(s.window, now),
      daily_bytes: s.dailyBytes,
      planned_today_bytes: this.deps.audit.bytesPlannedSince(['auto_apply.plan'], utcDayStart(now)),
      allow: s.allow,
      retire_source: s.retireSource,
      last_run: this.last && {
        at: new Date(this.last.at).toISOString(),
        idle: this.last.outcome.idle,
        planned: this.last.outcome.planned.length,
        skipped: this.last.outcome.skipped.map(({ dataset_id, reason }) => ({ dataset_id, reason })),
      },
    };
  }

  private run(): AutoApplyOutcome {
    const { version, doc } = this.deps.document();
    const out: AutoApplyOutcome = { idle: null, planned: [], skipped: [] };
    const s = doc.autoApply;
    if (!s.enabled) return { ...out, idle: 'auto_apply is off in the policy document' };
    const now = this.deps.now();
    if (!inWindow(s.window, now)) return { ...out, idle: 'outside the maintenance window' };
    const dayStart = utcDayStart(now);
    let remaining = s.dailyBytes - this.deps.audit.bytesPlannedSince(['auto_apply.plan'], dayStart);
    const ctx = this.context(doc, dayStart);
    const recs = this.deps
      .recommendations()
      .filter((r) => r.recommended_tier !== r.current_tier)
      .sort((a, b) => saving(b) - saving(a) || a.dataset_id - b.dataset_id);
    for (const rec of recs) {
      const ds = ctx.rows.get(rec.dataset_id);
      if (!ds) continue;
      const skip = (reason: string) =>
        out.skipped.push({ dataset_id: ds.id, recommendation_id: rec.id, reason });
      const checked = this.check(doc, ctx, ds, rec, remaining);
      if (typeof checked === 'string') {
        skip(checked);
        continue;
      }
      const { body, policies } = checked;
      const ids = policies.map((p) => p.id);
      const note = {
        action: 'auto_apply.plan' as const,
        policy: `v${version}${ids.length ? `/${ids.join(',')}` : ''}`,
        recommendationId: rec.id,
        reason:
          `recommendation ${rec.id}: ${rec.current_tier} → ${rec.recommended_tier}` +
          `${rec.explanation ? ` (${rec.explanation})` : rec.reasons.length ? ` (${rec.reasons.join('; ')})` : ''}` +
          `; allowed by auto_apply (line ${s.at.line})${ids.length ? ` and policies ${ids.join(', ')}` : ''}`,
        details: { window: s.window, daily_bytes: s.dailyBytes },
        at: now,
      };
      try {
        const job = runAs(AUTO_APPLY, () => this.deps.jobs.plan(body), note);
        remaining -= ds.size_bytes;
        ctx.take(policies, ds);
        out.planned.push({
          dataset_id: ds.id,
          job_id: job.job_id,
          bytes: ds.size_bytes,
          recommendation_id: rec.id,
        });
      } catch (e) {
        skip(e instanceof Error ? e.message : String(e));
      }
    }
    return out;
  }

  /** The plan body for one recommendation, or why auto-apply must not plan it. */
  private check(
    doc: PolicyDocument,
    ctx: TickContext,
    ds: DatasetRow,
    rec: Recommendation,
    remaining: number,
  ): string | { body: Record<string, unknown>; policies: PolicySpec[] } {
    const s = doc.autoApply;
    const move = `${ds.current_tier}->${rec.recommended_tier}` as TierMove;
    if (rec.current_tier !== ds.current_tier) return 'the recommendation is stale (the dataset moved since)';
    if (!s.allow.includes(move)) return `${move} is not a move auto_apply.allow permits`;
    if (ctx.open.has(ds.id)) return 'it already has an open migration';
    const tier = rec.recommended_tier;
    const current = ctx.locations.get(ds.location_id);
    const target = rec.target ? ctx.locations.get(rec.target.location_id) : current;
    const storageClass = rec.target?.storage_class ?? target?.tiers[tier]?.storage_class;
    if (!target || !storageClass)
      return `no storage class for ${tier} at ${rec.target?.location_id ?? ds.location_id}`;
    const c = constraintsFor(doc, selectable(ds, ctx.tags.get(ds.id)), this.deps.latency);
    if (c?.pin && c.pin !== tier)
      return `pinned to ${c.pin} by ${names(c.policies.filter((p) => p.rules.pin))}`;
    if (c && !c.allowedTiers.includes(tier)) return `${tier} is not allowed by ${names(c.policies)}`;
    if (c && !locationAllowed(c, target))
      return `${target.id} is outside the residency of ${names(c.policies.filter((p) => p.rules.residency))}`;
    if (ds.size_bytes > remaining)
      return `over the daily budget: ${ds.size_bytes} bytes, ${Math.max(0, remaining)} left today`;
    const moved = target.id !== ds.location_id;
    const retire = s.retireSource && moved && !c?.neverRetireSource;
    const body = {
      dataset_id: ds.id,
      target_location: moved ? target.id : ds.path_uri,
      storage_class: storageClass,
      tier,
      retire_source: retire,
    };
    let estimate;
    try {
      estimate = this.deps.estimates.estimate(body);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    const policies = c?.policies ?? [];
    for (const p of policies) {
      const limit = p.rules.maxBytesMovedPerDay;
      if (limit !== undefined && ctx.movedToday(p) + ds.size_bytes > limit) {
        return `over "${p.id}"'s max_bytes_moved_per_day (${limit} bytes)`;
      }
      const ceiling = p.rules.monthlyCostCeilingUsd;
      const after = ctx.monthly(p) - monthlyCost(ds, current) + estimate.monthly_after_usd;
      if (
        ceiling !== undefined &&
        after > ceiling &&
        estimate.monthly_after_usd > estimate.monthly_before_usd
      ) {
        return `would take "${p.id}" to $${after.toFixed(2)} a month, over its $${ceiling} ceiling`;
      }
    }
    if (estimate.needs_confirm) {
      const others = estimate.confirm_reasons.filter((r) => !(retire && r.code === 'retire_source'));
      if (others.length)
        return `its estimate asks for confirmation (${others.map((r) => r.message).join('; ')}); auto-apply never confirms that`;
    }
    return { body: estimate.needs_confirm ? { ...body, confirm: true } : body, policies };
  }

  private context(doc: PolicyDocument, dayStart: number): TickContext {
    const { db } = this.deps;
    const rows = new Map((db.prepare('SELECT * FROM datasets').all() as DatasetRow[]).map((r) => [r.id, r]));
    const tags = this.deps.tags();
    const locations = new Map(this.deps.locations().map((l) => [l.id, l]));
    const open = new Set(
      db
        .prepare(`SELECT dataset_id FROM migration_jobs WHERE status IN (${OPEN_SQL})`)
        .pluck()
        .all() as number[],
    );
    const members = new Map<PolicySpec, number[]>();
    for (const p of doc.policies) {
      members.set(
        p,
        [...rows.values()].filter((r) => matches(p.select, selectable(r, tags.get(r.id)))).map((r) => r.id),
      );
    }
    const extraBytes = new Map<PolicySpec, number>();
    return {
      rows,
      tags,
      locations,
      open,
      movedToday: (p) =>
        this.deps.audit.bytesPlannedSince(PLAN_ACTIONS, dayStart, new Set(members.get(p))) +
        (extraBytes.get(p) ?? 0),
      monthly: (p) =>
        (members.get(p) ?? []).reduce((a, id) => {
          const r = rows.get(id)!;
          return a + monthlyCost(r, locations.get(r.location_id));
        }, 0),
      take: (policies, ds) => {
        open.add(ds.id);
        for (const p of policies) extraBytes.set(p, (extraBytes.get(p) ?? 0) + ds.size_bytes);
      },
    };
  }
}

interface TickContext {
  rows: Map<number, DatasetRow>;
  tags: Map<number, Record<string, string>>;
  locations: Map<string, Location>;
  open: Set<number>;
  movedToday(p: PolicySpec): number;
  monthly(p: PolicySpec): number;
  take(policies: PolicySpec[], ds: DatasetRow): void;
}

const saving = (r: Recommendation): number => (r.monthly_cost_now_usd ?? 0) - (r.monthly_cost_after_usd ?? 0);
const names = (ps: PolicySpec[]): string => ps.map((p) => `"${p.id}" (line ${p.at.line})`).join(', ');
