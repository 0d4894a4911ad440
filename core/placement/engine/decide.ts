import { TIERS, type Tier } from '../../contracts/common.ts';
import {
  egressPerGb,
  oneTimeMoveCost,
  storageCost,
  type MoveSides,
  type PlacementSide,
  type UnitPrices,
} from '../unit-prices.ts';
import type { AccessStates } from './access-states.ts';

const GB_BYTES = 2 ** 30;

/** Bump when the decision arithmetic changes: every stored recommendation names it. */
export const ENGINE_VERSION = 'cost-v1';

const DAY_MS = 86_400_000;

/** A place a dataset can be: a location's storage class, with its prices and typical latency. */
export interface PlacementOption {
  location_id: string;
  /** The location's root: same root, other class = an in-place transition. */
  root: string;
  side: PlacementSide;
  tier: Tier;
  storage_class: string;
  prices: UnitPrices;
  latency_ms: number;
}

/** The options and the cost of moving between each pair, computed once per refresh. */
export class PlacementOptions {
  readonly moves: MoveSides[][];
  readonly byLocationTier = new Map<string, number>();

  constructor(readonly list: readonly PlacementOption[]) {
    this.moves = list.map((from) =>
      list.map((to) => ({
        from: from.prices,
        to: to.prices,
        transition: from.root === to.root,
        egress_per_gb: from.root === to.root ? 0 : egressPerGb(from.side, to.side),
      })),
    );
    list.forEach((o, i) => this.byLocationTier.set(`${o.location_id}\u0000${o.tier}`, i));
  }

  index(locationId: string, tier: Tier): number | undefined {
    return this.byLocationTier.get(`${locationId}\u0000${tier}`);
  }
}

export interface EngineConfig {
  /** Expected costs are compared over this many days (longer for a class with a longer minimum). */
  horizonDays: number;
  /** A move must save at least this share of the current expected cost a day… */
  hysteresis: number;
  /** …and the dataset must have been in its class this long (a policy-forced move ignores both). */
  minDwellMs: number;
  /** Accessed this recently = in use now: kept at the hot tier (the recency rule's hot window). */
  activeWindowMs: number;
  /**
   * How soon after data returns the engine can move it back (its refresh interval): the
   * reads of that window are served from the colder class, the rest from where it moves.
   */
  reactionMs: number;
}

/** What the engine needs to know of one dataset besides its access history. */
export interface DatasetFacts {
  bytes: number;
  objects: number;
  /** Index into the options. */
  current: number;
  /** When the dataset entered its current class (ms): its age there, for minimum durations. */
  since: number;
  /** When the dataset was created (ms): how long a never-accessed dataset has been idle. */
  created: number;
  /**
   * The catalog's last access (any op), fresher than the folded aggregates (the current
   * bucket is folded once complete); null when not known.
   */
  last_access: number | null;
  /** The first-byte latency the dataset must get, ms; null = none. */
  slo_ms: number | null;
  /** A tier the operator pinned the dataset to. */
  pin: Tier | null;
  /** A floor from an SLO policy: this tier or hotter. */
  min_tier: Tier | null;
}

/** Expected reads over a horizon from a trained forecast, when one is in use. */
export type ForecastFn = (horizonMs: number) => number | null;

export const ReasonCode = {
  active: 'active',
  neverAccessed: 'never_accessed',
  noHistory: 'no_history',
  idleReturnUnlikely: 'idle_return_unlikely',
  returnLikely: 'return_likely',
  accessCostHigh: 'access_cost_high',
  storageSaving: 'storage_saving',
  cheapestAlready: 'cheapest_already',
  hysteresisHold: 'hysteresis_hold',
  minDwellHold: 'min_dwell_hold',
  sloFloor: 'slo_floor',
  pinned: 'pinned',
  forecastUsed: 'forecast_used',
  recencyHeuristicUsed: 'recency_heuristic_used',
} as const;
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];

export interface EngineDecision {
  target: number;
  /** Expected cost a month where the dataset is, and where the engine would put it. */
  monthly_now: number;
  monthly_after: number;
  one_time: number;
  /** Months until the saving pays the one-time cost; null when the move saves nothing a month. */
  payback_months: number | null;
  /** 0..1: how much history stands behind the prediction, and how clear the margin is. */
  confidence: number;
  /** P(access within the horizon). */
  p_return: number;
  idle_ms: number | null;
  codes: ReasonCode[];
}

const rank = (t: Tier) => TIERS.indexOf(t);

function feasible(o: PlacementOption, d: DatasetFacts): boolean {
  if (d.pin !== null) return o.tier === d.pin;
  if (d.min_tier !== null && rank(o.tier) > rank(d.min_tier)) return false;
  if (d.slo_ms !== null && o.latency_ms > d.slo_ms) return false;
  return true;
}

/**
 * The placement that minimises expected cost over the horizon (storage, requests,
 * retrieval, and for a move its one-time cost plus, for a colder class, the expected cost
 * of coming back if the data returns), among those the policies allow. Hysteresis: a move
 * must beat staying by a margin and the dataset must have sat in its class a while.
 */
export function decidePlacement(
  states: AccessStates,
  slot: number,
  d: DatasetFacts,
  now: number,
  options: PlacementOptions,
  cfg: EngineConfig,
  forecast?: ForecastFn,
): EngineDecision {
  const codes: ReasonCode[] = [];
  const list = options.list;
  const cur = list[d.current] as PlacementOption;
  const folded = states.last[slot] as number;
  const last = d.last_access !== null && !(d.last_access <= folded) ? d.last_access : folded;
  const never = Number.isNaN(last);
  const idle = never ? null : Math.max(0, now - last);
  const age = Math.max(0, now - d.since);
  const ageDays = age / DAY_MS;
  const active = idle !== null && idle <= cfg.activeWindowMs;
  if (never) codes.push(ReasonCode.neverAccessed);
  else if (active) codes.push(ReasonCode.active);
  // Nothing seen yet, and not for long: no rate to price accesses by, so no reason to move.
  const blind = never && now - d.created < cfg.minDwellMs;
  if (blind) codes.push(ReasonCode.noHistory);

  const readRate = states.readRate(slot);
  const writeRate = states.writeRate(slot);
  // Never read: a return is priced as one read of the whole dataset (the least it may do).
  const bytesPerRead = never ? d.bytes : states.bytesPerRead(slot);
  // With no history the prior alone decides: idle since the dataset was created.
  const idleForP = idle ?? Math.max(0, now - d.created);
  let usedForecast = false;

  /** Expected reads and writes over h ms if the dataset keeps its habits, and P(any access). */
  const expect = (h: number) => {
    const p = states.returnProbability(slot, idleForP, h);
    const f = forecast?.(h) ?? null;
    if (f !== null) {
      usedForecast = true;
      return { p, reads: f, writes: p * writeRate * h };
    }
    return { p, reads: p * readRate * h, writes: p * writeRate * h };
  };
  /** Cost of one read (request and retrieval) and one write at a class. */
  const perRead = (o: PlacementOption) =>
    o.prices.read_per_1000 / 1000 + (bytesPerRead / GB_BYTES) * o.prices.retrieval_per_gb;
  const perWrite = (o: PlacementOption) => o.prices.write_per_1000 / 1000;
  const storagePerDay = (o: PlacementOption) => storageCost(o.prices, d.bytes, d.objects, 1);

  // One horizon for every option, long enough to cover the longest minimum duration.
  let hDays = cfg.horizonDays;
  for (const o of list) hDays = Math.max(hDays, o.prices.min_storage_days);
  const h = hDays * DAY_MS;
  const e = expect(h);
  const curFeasible = feasible(cur, d) && !(active && cur.tier !== 'hot' && d.pin === null);
  const allowed = (i: number) => {
    const o = list[i] as PlacementOption;
    return feasible(o, d) && !(active && o.tier !== 'hot' && d.pin === null);
  };
  const moveCost = (from: number, to: number, ageD: number) =>
    from === to ? 0 : oneTimeMoveCost(options.moves[from]?.[to] as MoveSides, d.bytes, d.objects, ageD);

  // Home: where the data is cheapest while in use; where the engine moves it back when it returns.
  let home = -1;
  let homeCost = Infinity;
  // Reads of a return: what past returns did (one whole read for a dataset never read).
  const returnReads = never ? 1 : states.readsOnReturn(slot, now);
  const activeReads = Math.max(readRate * h, returnReads);
  const activeWrites = writeRate * h;
  for (let i = 0; i < list.length; i++) {
    if (!allowed(i)) continue;
    const o = list[i] as PlacementOption;
    const c = storagePerDay(o) * hDays + activeReads * perRead(o) + activeWrites * perWrite(o);
    if (c < homeCost) {
      home = i;
      homeCost = c;
    }
  }

  /**
   * Expected cost over the horizon of putting the data at option i now, the same formula
   * whichever option it is in (so staying and leaving are weighed alike, no flapping).
   * Colder than home: storage saved until the data returns, then the reads of the
   * reaction window served cold and a move back home (early deletion included).
   */
  const costOf = (i: number): number => {
    const o = list[i] as PlacementOption;
    const hm = list[home] as PlacementOption;
    const toHere = moveCost(d.current, i, ageDays);
    if (i === home || storagePerDay(o) >= storagePerDay(hm)) {
      return toHere + storagePerDay(o) * hDays + e.reads * perRead(o) + e.writes * perWrite(o);
    }
    const idleD = states.expectedIdleWithin(slot, idleForP, h) / DAY_MS;
    const onReturn = never ? 1 : Math.min(returnReads, e.reads);
    return (
      toHere +
      storagePerDay(o) * idleD +
      storagePerDay(hm) * (hDays - idleD) +
      e.p * moveCost(i, home, idleD) +
      e.p * onReturn * perRead(o) +
      Math.max(0, e.reads - e.p * onReturn) * perRead(hm) +
      e.writes * perWrite(o)
    );
  };

  let best = d.current;
  let bestCost = Infinity;
  let bestOneTime = 0;
  const stayCost = home >= 0 ? costOf(d.current) : 0;
  if (home >= 0) {
    for (let i = 0; i < list.length; i++) {
      if (!allowed(i)) continue;
      const c = i === d.current ? stayCost : costOf(i);
      if (c < bestCost) {
        best = i;
        bestCost = c;
      }
    }
    bestOneTime = moveCost(d.current, best, ageDays);
  }
  const stayPerDay = stayCost / hDays;
  const bestPerDay = best === d.current ? stayPerDay : bestCost / hDays;

  let target = best;
  if (blind && curFeasible) target = d.current;
  if (target !== d.current && curFeasible) {
    if (stayPerDay - bestPerDay <= cfg.hysteresis * stayPerDay) {
      target = d.current;
      codes.push(ReasonCode.hysteresisHold);
    } else if (age < cfg.minDwellMs) {
      target = d.current;
      codes.push(ReasonCode.minDwellHold);
    }
  }
  if (!curFeasible && target !== d.current) {
    codes.push(d.pin !== null ? ReasonCode.pinned : active ? ReasonCode.active : ReasonCode.sloFloor);
  } else if (d.pin !== null) codes.push(ReasonCode.pinned);
  else if ((d.min_tier !== null || d.slo_ms !== null) && list.some((o) => !feasible(o, d))) {
    codes.push(ReasonCode.sloFloor);
  }

  const to = list[target] as PlacementOption;
  if (!never && !active) codes.push(e.p < 0.5 ? ReasonCode.idleReturnUnlikely : ReasonCode.returnLikely);
  if (target !== d.current) {
    codes.push(
      to.prices.storage_per_gb_month < cur.prices.storage_per_gb_month
        ? ReasonCode.storageSaving
        : ReasonCode.accessCostHigh,
    );
  } else if (best === d.current) codes.push(ReasonCode.cheapestAlready);
  codes.push(usedForecast ? ReasonCode.forecastUsed : ReasonCode.recencyHeuristicUsed);

  const monthlyNow = stayPerDay * 30;
  const monthlyAfter = target === d.current ? monthlyNow : ((bestCost - bestOneTime) / hDays) * 30;
  const oneTime = target === d.current ? 0 : bestOneTime;
  const saving = monthlyNow - monthlyAfter;
  const evidence = states.evidence(slot);
  const margin = stayPerDay > 0 ? Math.min(1, Math.abs(stayPerDay - bestPerDay) / stayPerDay) : 0;
  return {
    target,
    monthly_now: monthlyNow,
    monthly_after: monthlyAfter,
    one_time: oneTime,
    payback_months: target !== d.current && saving > 0 ? oneTime / saving : null,
    confidence: (evidence / (evidence + 5)) * 0.7 + margin * 0.3,
    p_return: e.p,
    idle_ms: idle,
    codes,
  };
}
