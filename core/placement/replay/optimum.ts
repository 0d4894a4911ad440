import { accessCost, oneTimeMoveCost, storageCost, type MoveSides } from '../unit-prices.ts';
import type { PlacementOption, PlacementOptions } from '../engine/decide.ts';
import {
  DAY_MS,
  runLifecycle,
  tickPrices,
  type CostBreakdown,
  type SimClock,
  type SimDataset,
} from './simulate.ts';

/**
 * The clairvoyant optimum of one dataset: dynamic programming over ticks with the whole
 * future known. A state is (class, ticks spent in it), the age capped where the class's
 * minimum duration ends, because the early-deletion charge of leaving depends on it. At
 * each tick boundary the dataset may stay or move; the tick is then billed at its class.
 * A dataset with a latency SLO never sits in a class slower than it (the policy the engine
 * obeys: a read could come at any time), so the optimum is the cheapest SLO-abiding schedule.
 *
 * The schedule found is replayed through runLifecycle, the bookkeeping every policy is
 * billed by, and the two totals must agree: the optimum is a policy like the others.
 */
export function optimum(ds: SimDataset, clock: SimClock, world: PlacementOptions): CostBreakdown {
  const { schedule, cost } = optimumSchedule(ds, clock, world);
  const result = runLifecycle(ds, clock, world, { choose: (k) => schedule[k] as number });
  if (Math.abs(result.total - cost) > 1e-9 * Math.max(1, cost)) {
    throw new Error(`optimum of ${ds.name}: replayed ${result.total} ≠ dynamic programme ${cost}`);
  }
  return result;
}

/** The optimum's class at every tick (from the dataset's first), and its cost by the dynamic programme. */
export function optimumSchedule(
  ds: SimDataset,
  clock: SimClock,
  world: PlacementOptions,
): { schedule: Int32Array; cost: number } {
  const tickDays = clock.tick_ms / DAY_MS;
  const list = world.list;
  const C = list.length;
  // An auto-tiering class's age is its idle time (its price steps with it), reset by an access.
  const isAuto = list.map((o) => o.prices.auto_tiers !== undefined);
  const cap = list.map((o) =>
    o.prices.auto_tiers
      ? Math.ceil(Math.max(...o.prices.auto_tiers.map((t) => t.after_days)) / tickDays - 1e-9)
      : Math.ceil(o.prices.min_storage_days / tickDays - 1e-9),
  );
  const offset: number[] = [];
  let S = 0;
  for (let c = 0; c < C; c++) {
    offset.push(S);
    S += (cap[c] as number) + 1;
  }
  const classOf = new Int32Array(S);
  const ageOf = new Int32Array(S);
  for (let c = 0; c < C; c++) {
    for (let a = 0; a <= (cap[c] as number); a++) {
      classOf[(offset[c] as number) + a] = c;
      ageOf[(offset[c] as number) + a] = a;
    }
  }
  // Move cost out of each state into each class.
  const moveOut = new Float64Array(S * C);
  for (let s = 0; s < S; s++) {
    const c = classOf[s] as number;
    for (let c2 = 0; c2 < C; c2++) {
      moveOut[s * C + c2] =
        c2 === c
          ? Infinity
          : oneTimeMoveCost(
              world.moves[c]?.[c2] as MoveSides,
              ds.bytes,
              ds.objects,
              (ageOf[s] as number) * tickDays,
            );
    }
  }
  // Storage of a tick per state (the same at every age but for an auto-tiering class).
  const storagePerTick = new Float64Array(S);
  for (let st = 0; st < S; st++) {
    const o = list[classOf[st] as number] as PlacementOption;
    storagePerTick[st] = storageCost(
      tickPrices(o.prices, ageOf[st] as number, tickDays, ds),
      ds.bytes,
      ds.objects,
      tickDays,
    );
  }
  const pred = new Int32Array(clock.ticks * S);
  let V = new Float64Array(S).fill(Infinity);
  let NV = new Float64Array(S);
  V[(offset[0] as number) + (cap[0] as number)] = 0;
  const bestIn = new Float64Array(C);
  const bestFrom = new Int32Array(C);
  const tick = new Float64Array(C);
  for (let k = ds.first_tick; k < clock.ticks; k++) {
    const r = ds.reads[k] as number;
    const accessed = r + (ds.writes[k] as number) > 0;
    for (let c = 0; c < C; c++) {
      const o = list[c] as PlacementOption;
      // Requests and retrieval of the tick; storage is added per state.
      tick[c] =
        ds.slo_ms !== null && o.latency_ms > ds.slo_ms
          ? Infinity
          : accessCost(o.prices, r, ds.writes[k] as number, ds.bytes_read[k] as number);
    }
    const nextAge = (c: number, a: number) => (isAuto[c] && accessed ? 0 : Math.min(a + 1, cap[c] as number));
    bestIn.fill(Infinity);
    for (let s = 0; s < S; s++) {
      const v = V[s] as number;
      if (v === Infinity) continue;
      for (let c2 = 0; c2 < C; c2++) {
        const m = v + (moveOut[s * C + c2] as number);
        if (m < (bestIn[c2] as number)) {
          bestIn[c2] = m;
          bestFrom[c2] = s;
        }
      }
    }
    NV.fill(Infinity);
    const p = k * S;
    for (let s = 0; s < S; s++) {
      const v = V[s] as number;
      if (v === Infinity) continue;
      const c = classOf[s] as number;
      const ns = (offset[c] as number) + nextAge(c, ageOf[s] as number);
      const val = v + (tick[c] as number) + (storagePerTick[s] as number);
      if (val < (NV[ns] as number)) {
        NV[ns] = val;
        pred[p + ns] = s;
      }
    }
    for (let c2 = 0; c2 < C; c2++) {
      if (bestIn[c2] === Infinity) continue;
      const ns = (offset[c2] as number) + nextAge(c2, 0);
      const val =
        (bestIn[c2] as number) + (tick[c2] as number) + (storagePerTick[offset[c2] as number] as number);
      if (val < (NV[ns] as number)) {
        NV[ns] = val;
        pred[p + ns] = bestFrom[c2] as number;
      }
    }
    [V, NV] = [NV, V];
  }
  let end = 0;
  for (let s = 1; s < S; s++) if ((V[s] as number) < (V[end] as number)) end = s;
  const dp = V[end] as number;
  // Walk back: the class of the state after tick k is the class held during tick k.
  const schedule = new Int32Array(clock.ticks);
  let s = end;
  for (let k = clock.ticks - 1; k >= ds.first_tick; k--) {
    schedule[k] = classOf[s] as number;
    s = pred[k * S + s] as number;
  }
  return { schedule, cost: dp };
}
