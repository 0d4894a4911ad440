import { TIERS, type Tier } from '../../contracts/common.ts';
import { DAYS_PER_MONTH } from '../cost-model.ts';
import {
  autoTierPrice,
  billedGbFast,
  egressPerGb,
  oneTimeMoveCost,
  storageCost,
  type MoveSides,
  type PlacementSide,
  type UnitPrices,
} from '../unit-prices.ts';
import { SPELL_GAP_MS, type AccessStates } from './access-states.ts';

const GB_BYTES = 2 ** 30;

/** Bump when the decision arithmetic changes: every stored recommendation names it. */
export const ENGINE_VERSION = 'cost-v5';

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

/**
 * A placement's first-byte latency for SLO checks: a class that tiers itself (Intelligent-
 * Tiering, Autoclass) may hold an object in its coldest step, so it is as slow as the cold
 * tier whatever tier names it.
 */
export function placementLatency(
  tierLatencyMs: Record<Tier, number>,
  tier: Tier,
  prices: UnitPrices,
): number {
  return tierLatencyMs[prices.auto_tiers ? 'cold' : tier];
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
    list.forEach((o, i) => {
      const key = `${o.location_id}\u0000${o.tier}`;
      if (!this.byLocationTier.has(key)) this.byLocationTier.set(key, i);
    });
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
  /** …and a moved dataset must have been in its class this long (a policy-forced move ignores both). */
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
  /** When the engine's last move of it completed (ms), null if never moved: the dwell time runs from it. */
  moved_at: number | null;
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
  /** The tiers the policy document allows it (null or absent: any). */
  allowed_tiers?: ReadonlySet<Tier> | null;
  /** The locations its residency rules allow (null or absent: any). */
  allowed_locations?: ReadonlySet<string> | null;
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
  autoTiering: 'auto_tiering',
  cheapestAlready: 'cheapest_already',
  hysteresisHold: 'hysteresis_hold',
  minDwellHold: 'min_dwell_hold',
  recentReadHold: 'recent_read_hold',
  sloFloor: 'slo_floor',
  pinned: 'pinned',
  policy: 'policy',
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

/** What the policy document allows, apart from pins and SLOs. */
function policyAllows(o: PlacementOption, d: DatasetFacts): boolean {
  return (
    (!d.allowed_tiers || d.allowed_tiers.has(o.tier)) &&
    (!d.allowed_locations || d.allowed_locations.has(o.location_id))
  );
}

function feasible(o: PlacementOption, d: DatasetFacts): boolean {
  if (!policyAllows(o, d)) return false;
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
/** Scratch of the decision being made (decidePlacement is not re-entrant). */
const ev = {
  states: null as unknown as AccessStates,
  slot: 0,
  d: null as unknown as DatasetFacts,
  list: [] as readonly PlacementOption[],
  moves: [] as MoveSides[][],
  active: false,
  never: false,
  bytesPerRead: 0,
  hDays: 0,
  h: 0,
  idleForP: 0,
  idleD: -1,
  ageDays: 0,
  p: 0,
  reads: 0,
  writes: 0,
  returnReads: 0,
  home: -1,
  now: 0,
  /** Read since it entered its current class. */
  readSince: false,
};

/** Cost of one read (request and retrieval) and one write at a class. */
const perRead = (o: PlacementOption) =>
  o.prices.read_per_1000 / 1000 + (ev.bytesPerRead / GB_BYTES) * o.prices.retrieval_per_gb;
const perWrite = (o: PlacementOption) => o.prices.write_per_1000 / 1000;
const storagePerDay = (o: PlacementOption) => storageCost(o.prices, ev.d.bytes, ev.d.objects, 1);

/**
 * Feasible, and for data read within the hot window no colder class than where it is (a
 * class that tiers itself excepted: its objects go back to its first tier on access anyway).
 * Data read there in a colder class is not forced hot by that read: whether serving its
 * reads there costs more than moving it is the cost model's call. Forced, a 1.8 TB dataset
 * in Glacier IR read once within a minute of a refresh went to Standard (retrieval and
 * early deletion of all of it) and back an hour later, ten times a year.
 */
function allowed(i: number): boolean {
  const o = ev.list[i] as PlacementOption;
  if (!feasible(o, ev.d)) return false;
  const cur = ev.list[ev.d.current] as PlacementOption;
  if (!ev.active || i === ev.d.current || o.prices.auto_tiers || !feasible(cur, ev.d)) return true;
  return o.prices.storage_per_gb_month >= cur.prices.storage_per_gb_month;
}

/** A move there, and back, or a read there, would cost money (what a first read can make costly). */
function risky(to: number): boolean {
  const cur = ev.d.current;
  return (
    to !== cur &&
    moveCostOf(cur, to, ev.ageDays) + moveCostOf(to, cur, 0) + perRead(ev.list[to] as PlacementOption) > 0
  );
}

/**
 * Where a first read, however hard, costs no more than where the data is, and which the data
 * can leave at any time without an early-deletion fee (Intelligent-Tiering or Autoclass from
 * Standard): a move a first read cannot make costly. Or a move that costs nothing at all.
 */
function safeInto(i: number): boolean {
  if (i === ev.d.current) return true;
  const o = (ev.list[i] as PlacementOption).prices;
  const c = (ev.list[ev.d.current] as PlacementOption).prices;
  return (
    (o.min_storage_days === 0 &&
      o.retrieval_per_gb <= c.retrieval_per_gb &&
      o.read_per_1000 <= c.read_per_1000) ||
    !risky(i)
  );
}

function moveCostOf(from: number, to: number, ageD: number): number {
  return from === to ? 0 : oneTimeMoveCost(ev.moves[from]?.[to] as MoveSides, ev.d.bytes, ev.d.objects, ageD);
}

/**
 * Expected storage (and per-object fee) over the horizon in a class that tiers itself: each
 * day at the price of the days idle by then if no read came yet, at the first tier's if one
 * did (5-day steps). The idle clock starts at entry, or runs on where the data already is.
 */
function autoStorage(o: PlacementOption, i: number): number {
  const p = o.prices;
  let idle0 = 0;
  if (i === ev.d.current) {
    const anyAccess = Math.max(ev.states.lastAny[ev.slot] || 0, ev.d.last_access ?? 0);
    idle0 = Math.max(0, ev.now - Math.max(ev.d.since, anyAccess)) / DAY_MS;
  }
  const first = storageCost(p, ev.d.bytes, ev.d.objects, 1);
  const fee = first - billedGbFast(ev.d.bytes, ev.d.objects, p) * (p.storage_per_gb_month / DAYS_PER_MONTH);
  const gbDay = billedGbFast(ev.d.bytes, ev.d.objects, p) / DAYS_PER_MONTH;
  let total = 0;
  const step = 5;
  for (let day = 0; day < ev.hDays; day += step) {
    const span = Math.min(step, ev.hDays - day);
    const quiet = 1 - ev.states.returnProbability(ev.slot, ev.idleForP, (day + span / 2) * DAY_MS);
    const idlePrice = autoTierPrice(p, idle0 + day + span / 2, ev.d.bytes, ev.d.objects);
    total += span * (fee + gbDay * (quiet * idlePrice + (1 - quiet) * p.storage_per_gb_month));
  }
  return total;
}

/**
 * Expected cost over the horizon of putting the data at option i now, the same formula
 * whichever option it is in (so staying and leaving are weighed alike, no flapping).
 * Colder than home: storage saved until the data returns, then the reads of the reaction
 * window served cold and a move back home (early deletion included).
 */
function costOf(i: number): number {
  const o = ev.list[i] as PlacementOption;
  const hm = ev.list[ev.home] as PlacementOption;
  const toHere = moveCostOf(ev.d.current, i, ev.ageDays);
  if (o.prices.auto_tiers)
    return toHere + autoStorage(o, i) + ev.reads * perRead(o) + ev.writes * perWrite(o);
  if (i === ev.home || storagePerDay(o) >= storagePerDay(hm)) {
    return toHere + storagePerDay(o) * ev.hDays + ev.reads * perRead(o) + ev.writes * perWrite(o);
  }
  if (ev.idleD < 0) ev.idleD = ev.states.expectedIdleWithin(ev.slot, ev.idleForP, ev.h) / DAY_MS;
  const idleD = ev.idleD;
  const onReturn = ev.never ? ev.returnReads : Math.min(ev.returnReads, ev.reads);
  const here = storagePerDay(o);
  const readHere = perRead(o);
  // When the data returns the engine either moves it back home (paying the move, the
  // reads of its reaction window served here) or, when the return is light, serves every
  // read from here: the cheaper of the two, as it will decide then.
  const moveBack =
    here * idleD +
    storagePerDay(hm) * (ev.hDays - idleD) +
    ev.p * moveCostOf(i, ev.home, idleD) +
    ev.p * onReturn * readHere +
    Math.max(0, ev.reads - ev.p * onReturn) * perRead(hm);
  const stay = here * ev.hDays + Math.max(ev.reads, ev.p * ev.returnReads) * readHere;
  // Where the data is, once it has been read there the return the move back waited for has
  // come: staying is serving the reads here (else staying, priced as "move back later",
  // ties with moving now and hysteresis holds a busy dataset in a cold class for good).
  if (i === ev.d.current && ev.readSince) return stay + ev.writes * perWrite(o);
  return toHere + Math.min(moveBack, stay) + ev.writes * perWrite(o);
}

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
  // One horizon for every option, long enough to cover the longest minimum duration.
  let hDays = cfg.horizonDays;
  for (const o of list) hDays = Math.max(hDays, o.prices.min_storage_days);
  const h = hDays * DAY_MS;
  // Not created yet at the time of the decision (a replayed dataset is decided at the start
  // of the tick its first event falls in): nothing to price, nothing to move. Never read,
  // watched for less than a horizon, and no return and no finished busy spell seen anywhere
  // in the fleet yet: nothing says how hard a first read will hit (a burst of reads served
  // from a cold class), so no move that a first read could make costly. (With a short
  // reaction time returns are seen within hours, long before any spell has ended.)
  const blind = never && now < d.created;
  // Never read: a return is priced as the fleet's returns go (reads of one object each), or
  // as one read of the whole dataset before any return was seen anywhere.
  const fleet = never ? states.fleetReadsOnReturn() : NaN;
  const spellPrior = never ? states.fleetReadsPerSpell() : NaN;
  const unknown = never && now - d.created < h && (Number.isNaN(fleet) || Number.isNaN(spellPrior));

  const readRate = states.readRate(slot);
  const writeRate = states.writeRate(slot);
  // With no history the prior alone decides: idle since the dataset was created.
  const idleForP = idle ?? Math.max(0, now - d.created);
  // Expected reads and writes over the horizon if the dataset keeps its habits, P(any read).
  const p = states.returnProbability(slot, idleForP, h);
  const forecastReads = forecast ? forecast(h) : null;
  const usedForecast = forecastReads !== null;

  // Module-level scratch (no closures: this runs a million times a refresh).
  ev.states = states;
  ev.slot = slot;
  ev.now = now;
  ev.d = d;
  ev.list = list;
  ev.moves = options.moves;
  ev.active = active;
  ev.bytesPerRead = never
    ? Number.isNaN(fleet)
      ? d.bytes
      : d.bytes / Math.max(1, d.objects)
    : states.bytesPerRead(slot);
  ev.never = never;
  ev.readSince = !never && last > d.since;
  ev.hDays = hDays;
  ev.h = h;
  ev.idleForP = idleForP;
  ev.idleD = -1;
  ev.ageDays = ageDays;
  ev.p = p;
  // Reads over the horizon if the dataset keeps its habits (its rate, or a decline carried
  // on where its reads were thinning out), and at least what a busy spell of it brings (a
  // return after a long gap starts with its rate decayed to nothing: the engine once moved
  // bursty data cold on the first reads of a new burst).
  // Never read: what a busy spell brings across the fleet.
  const spell = never ? spellPrior : states.readsPerSpell(slot);
  const habit = states.expectedReads(slot, h);
  ev.reads = usedForecast ? forecastReads : p * (spell > habit ? spell : habit);
  ev.writes = p * writeRate * h;
  // Reads of a return: what past returns did (the fleet's prior for a dataset never read).
  ev.returnReads = never ? (Number.isNaN(fleet) ? 1 : Math.max(1, fleet)) : states.readsOnReturn(slot, now);

  const curFeasible = allowed(d.current);
  // Home: where the data is cheapest while in use; where the engine moves it back when it returns.
  let home = -1;
  let homeCost = Infinity;
  const activeReads = Math.max(readRate * h, ev.returnReads);
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
  ev.home = home;

  let best = d.current;
  let bestCost = Infinity;
  let bestOneTime = 0;
  const stayCost = home >= 0 ? costOf(d.current) : 0;
  // Never read and nothing known of first reads (unknown, above): the cheapest of the moves a
  // first read cannot make costly, staying among them. Held where it was instead, data never
  // read sat in Standard for the three months before the fleet's first busy spell ended (a
  // third of the CloudPhysics year), where Intelligent-Tiering prices idle data down itself.
  const guarded = unknown && !blind && curFeasible;
  let unguarded = d.current;
  if (home >= 0) {
    let unguardedCost = Infinity;
    for (let i = 0; i < list.length; i++) {
      if (!allowed(i)) continue;
      const c = i === d.current ? stayCost : costOf(i);
      // What it would be without the guard: only to say whether the guard held a move back.
      if (guarded && c < unguardedCost) {
        unguarded = i;
        unguardedCost = c;
      }
      if (c < bestCost && (!guarded || safeInto(i))) {
        best = i;
        bestCost = c;
      }
    }
    bestOneTime = moveCostOf(d.current, best, ageDays);
  }
  const stayPerDay = stayCost / hDays;
  const bestPerDay = best === d.current ? stayPerDay : bestCost / hDays;

  let target = best;
  // Said where the guard changed the outcome (a move a first read could make costly).
  const heldBack = guarded && unguarded !== best;
  if (heldBack) codes.push(ReasonCode.noHistory);
  else if (blind && curFeasible) {
    target = d.current;
    codes.push(ReasonCode.noHistory);
  }
  // Read within the last day, in a busy spell that may not be over: the reads it may still
  // bring (what a spell of it brings, less those seen) priced in the colder class, against
  // a day of the storage the move saves. Where they cost more, the move waits until a day
  // has passed without reads (a class that tiers itself serves reads from its first tier
  // and is not held): bursty data went to Standard-IA in the lull of a burst's first day
  // and was forced back by the next morning's reads. Data read a little every day, where a
  // read costs little in the colder class, still moves.
  // Where the engine would move it (held by none of the rules below yet).
  const toOpt = list[target] as PlacementOption;
  if (
    target !== d.current &&
    curFeasible &&
    idle !== null &&
    idle < SPELL_GAP_MS &&
    !toOpt.prices.auto_tiers &&
    storagePerDay(toOpt) < storagePerDay(cur) &&
    (spell - (states.spellReads[slot] as number)) * perRead(toOpt) > storagePerDay(cur) - storagePerDay(toOpt)
  ) {
    target = d.current;
    codes.push(ReasonCode.recentReadHold);
  }
  if (target !== d.current && curFeasible) {
    // A move into a class that tiers itself, from one that costs at least its first tier,
    // needs no margin, only to be cheaper: what it saves comes after its idle clock, which
    // starts at entry, has run, so a margin that held it today holds it tomorrow with the
    // same numbers (bursty data waited a month in Standard, then spent another in IT's
    // frequent tier). Nothing to flap back to: reads do not move data out of it.
    const margin =
      toOpt.prices.auto_tiers &&
      !cur.prices.auto_tiers &&
      toOpt.prices.storage_per_gb_month <= cur.prices.storage_per_gb_month
        ? 0
        : cfg.hysteresis;
    if (stayPerDay - bestPerDay <= margin * stayPerDay) {
      target = d.current;
      codes.push(ReasonCode.hysteresisHold);
    } else if (d.moved_at !== null && now - d.moved_at < cfg.minDwellMs) {
      target = d.current;
      codes.push(ReasonCode.minDwellHold);
    }
  }
  const restricted = list.some((o) => !policyAllows(o, d));
  if (!curFeasible && target !== d.current) {
    // Why it may not stay (being read never makes a class infeasible: see allowed()).
    const why = !policyAllows(cur, d)
      ? ReasonCode.policy
      : d.pin !== null
        ? ReasonCode.pinned
        : ReasonCode.sloFloor;
    if (!codes.includes(why)) codes.push(why);
  } else if (d.pin !== null) codes.push(ReasonCode.pinned);
  else if (restricted) codes.push(ReasonCode.policy);
  else if ((d.min_tier !== null || d.slo_ms !== null) && list.some((o) => !feasible(o, d))) {
    codes.push(ReasonCode.sloFloor);
  }

  const to = list[target] as PlacementOption;
  if (!never && !active) codes.push(p < 0.5 ? ReasonCode.idleReturnUnlikely : ReasonCode.returnLikely);
  if (target !== d.current) {
    codes.push(
      to.prices.auto_tiers
        ? ReasonCode.autoTiering
        : to.prices.storage_per_gb_month < cur.prices.storage_per_gb_month
          ? ReasonCode.storageSaving
          : ReasonCode.accessCostHigh,
    );
  } else if (best === d.current && !heldBack) codes.push(ReasonCode.cheapestAlready);
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
    p_return: p,
    idle_ms: idle,
    codes,
  };
}
