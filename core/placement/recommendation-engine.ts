import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Db } from '../db/database.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { Metrics } from '../metrics.ts';
import type { CoreConfig } from '../config.ts';
import type { Tier } from '../contracts/common.ts';
import type { TierMap, LocationKind } from '../contracts/locations.ts';
import type { Recommendation } from '../contracts/placement.ts';
import { AccessStates } from './engine/access-states.ts';
import {
  ENGINE_VERSION,
  PlacementOptions,
  ReasonCode,
  decidePlacement,
  placementLatency,
  type EngineConfig,
  type ForecastFn,
  type PlacementOption,
} from './engine/decide.ts';
import { explain } from './engine/explain.ts';
import { unitPrices } from './unit-prices.ts';
import type { PlacementConfig } from './placement-config.ts';

const DAY_MS = 86_400_000;
/** Datasets decided between two yields to the event loop. */
const DECIDE_CHUNK = 5_000;
/** Changed decisions stored per transaction (each insert builds its JSON). */
const STORE_CHUNK = 1_000;
/** A slice that stores decisions yields after this long. */
const SLICE_MS = 25;
/** Datasets read per page when the state is built (a page of 5,000 took 81 ms at 1M). */
const FACTS_PAGE = 2_000;
/** Datasets whose history is read per query when the state is built. */
const ID_WINDOW = 2_000;
/** At most this many recommendation events per refresh reach the bus. */
const MAX_EVENTS = 1000;

export type EngineSettings = Pick<CoreConfig, 'bucketSeconds' | 'recency' | 'tierLatencyMs'> & {
  placement: PlacementConfig;
};

/** Per-dataset forecasts, when trained (forecast-service.ts). */
export interface ForecastSource {
  forecastFor(datasetId: number, now: number): { fn: ForecastFn; note: string; version: string } | null;
  heuristicNote(datasetId: number): string | undefined;
}

/** What a policy document allows one dataset (core/policy/placement-constraints.ts implements it). */
export interface PlacementConstraint {
  tiers: ReadonlySet<Tier> | null;
  locations: ReadonlySet<string> | null;
  /** The policies behind it, for the reason: `policy "eu-only" (line 4)`. */
  label: string;
}

export interface ConstraintSource {
  /** Brings the constraints up to date at the start of a refresh; yields between slices. */
  update(): Generator<void, void, void>;
  forDataset(id: number): PlacementConstraint | undefined;
}

interface Policies {
  pins: Map<number | null, { name: string; tier: Tier }>;
  floors: Map<number | null, { name: string; min_tier: Tier; max_latency_ms: number }>;
}

type FactRow = [number, string, Tier, number, number, number | null, number | null, number, number | null];

export interface RefreshResult {
  evaluated: number;
  stored: number;
  ms: number;
}

/**
 * Production side of the decision engine: keeps every dataset's access state and facts in
 * memory, folds in only what changed since its last pass (new aggregate buckets, datasets
 * updated or accessed since), decides all datasets in slices that yield to the event loop,
 * and stores the decisions that changed. GET /recommendations reads what it stored.
 */
export class RecommendationEngine {
  private readonly states: AccessStates;
  /**
   * Slot of each dataset id, -1 for none: ids are SQLite rowids, dense enough for an array,
   * and a Map of a million entries stalls the loop each time it rehashes.
   */
  private slotById = new Int32Array(0).fill(-1);
  private ids: number[] = [];
  private current = new Int16Array(0);
  private bytes = new Float64Array(0);
  private objects = new Float64Array(0);
  private slo = new Float64Array(0);
  private created = new Float64Array(0);
  private since = new Float64Array(0);
  private lastAccess = new Float64Array(0);
  private alive = new Uint8Array(0);
  private recTarget = new Int16Array(0);
  private recCurrent = new Int16Array(0);
  private recModel: string[] = [];
  /** The stored decision's reason codes as a bit set: new reasons are stored too. */
  private recCodes = new Int32Array(0);
  private loaded = false;
  private optionsKey = '';
  private options = new PlacementOptions([]);
  /** Aggregate buckets before this (epoch s) are folded into the states. */
  private watermark = 0;
  private factsAt = 0;
  private maxId = 0;
  private running: Promise<RefreshResult> | null = null;
  readonly engine: EngineConfig;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly metrics: Metrics,
    private readonly settings: EngineSettings,
    private forecasts: ForecastSource | null = null,
    private constraints: ConstraintSource | null = null,
  ) {
    const p = settings.placement;
    this.engine = {
      horizonDays: p.horizonDays,
      hysteresis: p.hysteresis,
      minDwellMs: p.minDwellDays * DAY_MS,
      activeWindowMs: settings.recency.hot_max_age_s * 1000,
      // Returning data is seen at the next refresh (and the next minute bucket).
      reactionMs: Math.max(p.refreshIntervalMs, settings.bucketSeconds * 1000),
    };
    this.states = new AccessStates({
      rateWindowMs: p.horizonDays * DAY_MS,
      minGapMs: settings.bucketSeconds * 1000,
      reactionMs: this.engine.reactionMs,
    });
    bus.on('dataset.deleted', (e) => {
      const slot = this.slotOfId(e.dataset_id);
      if (slot !== undefined) this.alive[slot] = 0;
    });
  }

  setForecasts(f: ForecastSource | null): void {
    this.forecasts = f;
  }

  /** The policy document's limits: recommendations never target a placement it rules out. */
  setConstraints(c: ConstraintSource | null): void {
    this.constraints = c;
  }

  get modelVersion(): string {
    const p = this.settings.placement;
    return `${ENGINE_VERSION}(h${p.horizonDays}d,hyst${p.hysteresis})`;
  }

  /** Refreshes off the request path: slices yield to the event loop; one refresh at a time. */
  refresh(opts: { now?: number; datasetId?: number } = {}): Promise<RefreshResult> {
    const run = async (): Promise<RefreshResult> => {
      const it = this.steps(opts.now ?? Date.now(), opts.datasetId);
      for (let r = it.next(); ; r = it.next()) {
        if (r.done) return r.value;
        await yieldToLoop();
      }
    };
    // A refresh asked for while one runs waits for it, then runs (it may see newer data).
    const next = (this.running ?? Promise.resolve()).then(run, run);
    this.running = next.finally(() => {
      if (this.running === next) this.running = null;
    }) as Promise<RefreshResult>;
    return next;
  }

  /** The same refresh without yielding: for one dataset, tests and small catalogues. */
  refreshSync(opts: { now?: number; datasetId?: number } = {}): RefreshResult {
    const it = this.steps(opts.now ?? Date.now(), opts.datasetId);
    for (;;) {
      const r = it.next();
      if (r.done) return r.value;
    }
  }

  private *steps(now: number, datasetId?: number): Generator<void, RefreshResult, void> {
    const started = performance.now();
    this.loadOptions();
    if (!this.loaded) {
      yield* this.loadAll(now);
      this.loaded = true;
    } else {
      yield* this.loadChanged(now);
    }
    const policies = this.policies();
    if (this.constraints) yield* this.constraints.update();
    let pending: Recommendation[] = [];
    let stored = 0;
    let evaluated = 0;
    const one = datasetId === undefined ? undefined : this.slotOfId(datasetId);
    const from = one ?? 0;
    const to = one === undefined ? (datasetId === undefined ? this.ids.length : 0) : one + 1;
    const model = this.modelVersion;
    let sliceStart = performance.now();
    for (let slot = from; slot < to; slot++) {
      if (this.alive[slot] !== 1 || (this.current[slot] as number) < 0) continue;
      const rec = this.decide(slot, now, policies, model);
      evaluated++;
      if (rec) pending.push(rec);
      // A slice ends after DECIDE_CHUNK datasets, or sooner when its decisions changed and
      // building and storing them takes time (checked every 256 datasets).
      if (
        evaluated % DECIDE_CHUNK === 0 ||
        pending.length >= STORE_CHUNK ||
        ((evaluated & 255) === 0 && pending.length > 0 && performance.now() - sliceStart > SLICE_MS)
      ) {
        // Stored slice by slice: a first refresh of a million datasets never holds them all.
        this.store(pending, now, stored);
        stored += pending.length;
        pending = [];
        yield;
        sliceStart = performance.now();
      }
    }
    this.store(pending, now, stored);
    stored += pending.length;
    const ms = performance.now() - started;
    this.metrics.inc(
      'datamotion_recommendations_total',
      'Recommendations stored (changed decisions)',
      stored,
    );
    return { evaluated, stored, ms };
  }

  /** One dataset's decision, as a recommendation when it differs from the stored one. */
  private decide(slot: number, now: number, policies: Policies, model: string): Recommendation | null {
    const id = this.ids[slot] as number;
    const pin = policies.pins.get(id) ?? policies.pins.get(null) ?? null;
    const sloMs = this.slo[slot] as number;
    const floor = policies.floors.get(id) ?? policies.floors.get(null) ?? null;
    const floorApplies = floor !== null && !Number.isNaN(sloMs) && sloMs <= floor.max_latency_ms;
    const fc = this.forecasts?.forecastFor(id, now) ?? null;
    const last = this.lastAccess[slot] as number;
    const limits = this.constraints?.forDataset(id);
    const dec = decidePlacement(
      this.states,
      slot,
      {
        bytes: this.bytes[slot] as number,
        objects: this.objects[slot] as number,
        current: this.current[slot] as number,
        since: this.since[slot] as number,
        created: this.created[slot] as number,
        moved_at:
          (this.since[slot] as number) > (this.created[slot] as number) ? (this.since[slot] as number) : null,
        slo_ms: Number.isNaN(sloMs) ? null : sloMs,
        pin: pin?.tier ?? null,
        min_tier: floorApplies ? floor.min_tier : null,
        last_access: Number.isNaN(last) ? null : last,
        allowed_tiers: limits?.tiers ?? null,
        allowed_locations: limits?.locations ?? null,
      },
      now,
      this.options,
      this.engine,
      fc?.fn,
    );
    const version = fc ? `${model}+${fc.version}` : model;
    let codes = 0;
    for (const c of dec.codes) codes |= 1 << CODE_BITS.indexOf(c);
    if (
      this.recTarget[slot] === dec.target &&
      this.recCurrent[slot] === this.current[slot] &&
      this.recModel[slot] === version &&
      this.recCodes[slot] === codes
    ) {
      return null;
    }
    this.recCodes[slot] = codes;
    this.recTarget[slot] = dec.target;
    this.recCurrent[slot] = this.current[slot] as number;
    this.recModel[slot] = version;
    const fromOpt = this.options.list[this.current[slot] as number] as PlacementOption;
    const toOpt = this.options.list[dec.target] as PlacementOption;
    const policyNote = pin
      ? `pinned to ${pin.tier} by policy "${pin.name}"`
      : limits && dec.codes.includes(ReasonCode.policy)
        ? `${limits.label} allows ${describeLimits(limits)} only`
        : floorApplies
          ? `policy "${floor.name}": SLO ≤ ${floor.max_latency_ms} ms keeps data at ${floor.min_tier} or hotter`
          : Number.isNaN(sloMs)
            ? undefined
            : `latency SLO ${sloMs} ms rules out classes slower than it`;
    const words = explain(dec, fromOpt, toOpt, {
      horizonDays: this.engine.horizonDays,
      forecastNote: fc?.note ?? this.forecasts?.heuristicNote(id),
      policyNote,
    });
    return {
      id: 0,
      dataset_id: id,
      current_tier: fromOpt.tier,
      recommended_tier: toOpt.tier,
      reasons: words.reasons,
      model_version: version,
      ts: new Date(now).toISOString(),
      target: { location_id: toOpt.location_id, storage_class: toOpt.storage_class, tier: toOpt.tier },
      monthly_cost_now_usd: round(dec.monthly_now),
      monthly_cost_after_usd: round(dec.monthly_after),
      one_time_cost_usd: round(dec.one_time),
      payback_months: dec.payback_months === null ? null : round(dec.payback_months),
      confidence: Math.round(dec.confidence * 100) / 100,
      reason_codes: words.reason_codes,
      explanation: words.explanation,
      predictor: fc ? 'forecast' : 'recency_heuristic',
    };
  }

  /** Stores one slice in one transaction; the first MAX_EVENTS of a refresh reach the bus. */
  private store(recs: Recommendation[], now: number, before: number): void {
    if (recs.length === 0) return;
    const insert = this.db.prepare(
      `INSERT INTO recommendations (dataset_id, current_tier, recommended_tier, reasons_json, model_version,
         created_at, target_location_id, target_storage_class, details_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const r of recs) {
        const {
          id: _id,
          dataset_id,
          current_tier,
          recommended_tier,
          reasons,
          model_version,
          ts: _ts,
          target,
          ...details
        } = r;
        r.id = Number(
          insert.run(
            dataset_id,
            current_tier,
            recommended_tier,
            JSON.stringify(reasons),
            model_version,
            now,
            target?.location_id ?? null,
            target?.storage_class ?? null,
            JSON.stringify(details),
          ).lastInsertRowid,
        );
      }
    })();
    for (const recommendation of recs.slice(0, Math.max(0, MAX_EVENTS - before))) {
      this.bus.publish({ type: 'recommendation.created', recommendation });
    }
  }

  /** Options: every tier of every location, priced from its tier map and the list prices. */
  private loadOptions(): void {
    const rows = this.db
      .prepare('SELECT id, uri, kind, endpoint, region, tiers_json FROM locations ORDER BY id')
      .all() as {
      id: string;
      uri: string;
      kind: LocationKind;
      endpoint: string | null;
      region: string | null;
      tiers_json: string;
    }[];
    const key = JSON.stringify(rows);
    if (key === this.optionsKey) return;
    const list: PlacementOption[] = [];
    for (const r of rows) {
      const tiers = JSON.parse(r.tiers_json) as TierMap;
      const side = { kind: r.kind, endpoint: r.endpoint, region: r.region };
      for (const tier of ['hot', 'warm', 'cold'] as const) {
        const spec = tiers[tier];
        if (!spec) continue;
        const prices = unitPrices(side, spec.storage_class, spec.price_per_gb_month);
        list.push({
          location_id: r.id,
          root: r.uri,
          side,
          tier,
          storage_class: spec.storage_class,
          prices,
          latency_ms: placementLatency(this.settings.tierLatencyMs, tier, prices),
        });
      }
    }
    this.options = new PlacementOptions(list);
    // Option indexes changed: every dataset's current placement is looked up again.
    if (this.optionsKey !== '') this.factsAt = 0;
    this.optionsKey = key;
  }

  private slotOfId(id: number): number | undefined {
    const s = id < this.slotById.length ? (this.slotById[id] as number) : -1;
    return s < 0 ? undefined : s;
  }

  private slot(id: number): number {
    let s = this.slotOfId(id);
    if (s === undefined) {
      s = this.states.add();
      if (id >= this.slotById.length) {
        const next = new Int32Array(Math.max(1024, id * 2)).fill(-1);
        next.set(this.slotById);
        this.slotById = next;
      }
      this.slotById[id] = s;
      this.ids[s] = id;
      if (s >= this.current.length) this.grow(Math.max(1024, this.current.length * 2));
      this.current[s] = -1;
      this.recTarget[s] = -1;
      this.recCurrent[s] = -1;
      this.lastAccess[s] = NaN;
    }
    return s;
  }

  private grow(n: number): void {
    const f = <T extends Float64Array | Int16Array | Int32Array | Uint8Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.current = f(this.current, (k) => new Int16Array(k));
    this.recTarget = f(this.recTarget, (k) => new Int16Array(k));
    this.recCurrent = f(this.recCurrent, (k) => new Int16Array(k));
    this.recCodes = f(this.recCodes, (k) => new Int32Array(k));
    this.alive = f(this.alive, (k) => new Uint8Array(k));
    for (const name of ['bytes', 'objects', 'slo', 'created', 'since', 'lastAccess'] as const) {
      this[name] = f(this[name], (k) => new Float64Array(k));
    }
  }

  private factsSql(where: string): string {
    return `SELECT d.id, d.location_id, d.current_tier, d.size_bytes, d.object_count, d.latency_slo_ms,
              d.last_access_ts, d.created_at,
              (SELECT max(finished_at) FROM migration_jobs j WHERE j.dataset_id = d.id AND j.status = 'completed')
            FROM datasets d ${where}`;
  }

  private applyFacts(rows: FactRow[]): void {
    for (const [id, loc, tier, size, objects, slo, last, created, moved] of rows) {
      const s = this.slot(id);
      this.alive[s] = 1;
      this.current[s] = this.options.index(loc, tier) ?? -1;
      this.bytes[s] = size;
      this.objects[s] = Math.max(1, objects);
      this.slo[s] = slo ?? NaN;
      this.lastAccess[s] = last ?? NaN;
      this.created[s] = created;
      this.since[s] = Math.max(created, moved ?? 0);
      if (id > this.maxId) this.maxId = id;
    }
  }

  private *loadAll(now: number): Generator<void, void, void> {
    this.factsAt = now;
    // Sized once up front: growing columns of a million datasets copies hundreds of MB.
    const { n, top } = this.db
      .prepare('SELECT count(*) AS n, coalesce(max(id), 0) AS top FROM datasets')
      .get() as {
      n: number;
      top: number;
    };
    this.states.reserve(n);
    if (n > this.current.length) this.grow(n);
    if (top >= this.slotById.length) {
      const next = new Int32Array(top + 1024).fill(-1);
      next.set(this.slotById);
      this.slotById = next;
    }
    const facts = this.db.prepare(this.factsSql('WHERE d.id > ? ORDER BY d.id LIMIT ?')).raw();
    for (let after = 0; ;) {
      const rows = facts.all(after, FACTS_PAGE) as FactRow[];
      if (rows.length === 0) break;
      this.applyFacts(rows);
      after = (rows[rows.length - 1] as FactRow)[0];
      yield;
    }
    // The latest stored decision of each dataset: an unchanged decision is not stored again.
    const latest = this.db
      .prepare(
        `SELECT r.dataset_id, r.current_tier, r.recommended_tier, r.model_version,
                coalesce(r.target_location_id, d.location_id)
         FROM recommendations r JOIN datasets d ON d.id = r.dataset_id
         WHERE r.id IN (SELECT max(id) FROM recommendations GROUP BY dataset_id)`,
      )
      .raw()
      .all() as [number, Tier, Tier, string, string][];
    for (const [id, cur, rec, model, loc] of latest) {
      const s = this.slotOfId(id);
      if (s === undefined) continue;
      const curLoc = this.options.list[this.current[s] as number]?.location_id ?? loc;
      this.recCurrent[s] = this.options.index(curLoc, cur) ?? -1;
      this.recTarget[s] = this.options.index(loc, rec) ?? -1;
      this.recModel[s] = model;
    }
    yield;
    // History: day rollups, then hour rollups, then minute buckets (their ranges do not overlap).
    for (const g of [86_400, 3_600]) {
      yield* this.fold(
        `SELECT dataset_id, last_access_ts, read_count, write_count, bytes_read FROM access_rollups
         WHERE granularity = ${g} AND dataset_id > ? AND dataset_id <= ? ORDER BY dataset_id, bucket_start`,
        [],
      );
    }
    this.watermark = this.completeBefore(now);
    yield* this.fold(
      `SELECT dataset_id, last_access_ts, read_count, write_count, bytes_read FROM access_aggregates
       WHERE bucket_start < ? AND dataset_id > ? AND dataset_id <= ? ORDER BY dataset_id, bucket_start`,
      [this.watermark],
    );
  }

  /** Folds rows a window of dataset ids at a time (whole datasets, each in time order). */
  private *fold(sql: string, args: number[]): Generator<void, void, void> {
    const stmt = this.db.prepare(sql).raw();
    for (let lo = 0; lo < this.maxId; lo += ID_WINDOW) {
      for (const [id, t, r, w, b] of stmt.iterate(...args, lo, lo + ID_WINDOW) as Iterable<
        [number, number, number, number, number]
      >) {
        const s = this.slotOfId(id);
        if (s !== undefined) this.states.observe(s, t, r, w, b);
      }
      yield;
    }
  }

  /** The start of the current (incomplete) aggregate bucket, epoch seconds. */
  private completeBefore(now: number): number {
    const w = this.settings.bucketSeconds;
    return Math.floor(now / 1000 / w) * w;
  }

  private *loadChanged(now: number): Generator<void, void, void> {
    // Datasets created or updated (moved, resized, SLO edited) since the last pass.
    const since = this.factsAt;
    this.factsAt = now;
    if (since === 0) {
      this.applyFacts(this.db.prepare(this.factsSql('')).raw().all() as FactRow[]);
    } else {
      // Two queries, each on its index (an OR would scan every dataset).
      const maxId = this.maxId;
      this.applyFacts(
        this.db
          .prepare(this.factsSql('WHERE d.updated_at >= ?'))
          .raw()
          .all(since - 1000) as FactRow[],
      );
      this.applyFacts(this.db.prepare(this.factsSql('WHERE d.id > ?')).raw().all(maxId) as FactRow[]);
    }
    // Accessed since (the catalog's last_access_ts is written by every ingest).
    for (const [id, last] of this.db
      .prepare('SELECT id, last_access_ts FROM datasets WHERE last_access_ts >= ?')
      .raw()
      .iterate(since - 1000) as Iterable<[number, number]>) {
      const s = this.slotOfId(id);
      if (s !== undefined) this.lastAccess[s] = last;
    }
    yield;
    const until = this.completeBefore(now);
    if (until > this.watermark) {
      const rows = this.db
        .prepare(
          `SELECT dataset_id, last_access_ts, read_count, write_count, bytes_read FROM access_aggregates
           WHERE bucket_start >= ? AND bucket_start < ? ORDER BY dataset_id, bucket_start`,
        )
        .raw()
        .all(this.watermark, until) as [number, number, number, number, number][];
      for (const [id, t, r, w, b] of rows) {
        const s = this.slotOfId(id);
        if (s !== undefined) this.states.observe(s, t, r, w, b);
      }
      this.watermark = until;
    }
  }

  private policies(): Policies {
    const pins: Policies['pins'] = new Map();
    const floors: Policies['floors'] = new Map();
    for (const r of this.db
      .prepare(`SELECT name, kind, dataset_id, params_json FROM policies WHERE enabled = 1 ORDER BY id`)
      .all() as { name: string; kind: string; dataset_id: number | null; params_json: string }[]) {
      const p = JSON.parse(r.params_json) as { tier?: Tier; min_tier?: Tier; max_latency_ms?: number };
      if (r.kind === 'pin' && p.tier && !pins.has(r.dataset_id))
        pins.set(r.dataset_id, { name: r.name, tier: p.tier });
      if (r.kind === 'slo' && p.min_tier && p.max_latency_ms !== undefined && !floors.has(r.dataset_id)) {
        floors.set(r.dataset_id, { name: r.name, min_tier: p.min_tier, max_latency_ms: p.max_latency_ms });
      }
    }
    return { pins, floors };
  }

  /** Drops the in-memory state: the next refresh rebuilds it from the database (after a rollup or training). */
  invalidate(): void {
    for (let s = 0; s < this.ids.length; s++) this.states.reset(s);
    this.loaded = false;
  }
}

const CODE_BITS: readonly string[] = Object.values(ReasonCode);

function describeLimits(c: PlacementConstraint): string {
  const parts: string[] = [];
  if (c.tiers) parts.push(`tier ${[...c.tiers].join(' or ')}`);
  if (c.locations)
    parts.push(c.locations.size ? `location ${[...c.locations].join(', ')}` : 'no configured location');
  return parts.join(' at ');
}
const round = (n: number) => Math.round(n * 1e6) / 1e6;
