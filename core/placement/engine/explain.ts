import { paybackPhrase, type ReasonItem } from '../../contracts/placement.ts';
import { formatAge } from '../rules.ts';
import { ReasonCode, type EngineDecision, type PlacementOption } from './decide.ts';

const usd = (n: number) => (Math.abs(n) >= 100 ? `$${n.toFixed(0)}` : `$${n.toFixed(2)}`);
/** A probability as a percentage; never "100%" or "0%" for what is only nearly certain. */
const pct = (p: number) =>
  p > 0.995 && p < 1 ? '>99%' : p < 0.005 && p > 0 ? '<1%' : `${Math.round(p * 100)}%`;
const where = (o: PlacementOption) => `${o.tier} (${o.location_id} ${o.storage_class})`;

export interface Explained {
  reasons: string[];
  reason_codes: ReasonItem[];
  explanation: string;
}

/** Turns a decision's codes into the reasons an operator reads, one per code, and a sentence. */
export function explain(
  dec: EngineDecision,
  from: PlacementOption,
  to: PlacementOption,
  ctx: { horizonDays: number; forecastNote?: string; policyNote?: string },
): Explained {
  const items: ReasonItem[] = [];
  const idle = dec.idle_ms === null ? null : formatAge(dec.idle_ms / 1000);
  for (const code of dec.codes) {
    let detail: string;
    switch (code) {
      case ReasonCode.active:
        detail = to.prices.auto_tiers
          ? `read ${idle} ago: in use, in its first tier (${to.storage_class} tiers itself)`
          : to.tier === 'hot'
            ? `read ${idle} ago: in use, kept hot`
            : `read ${idle} ago: in use, not moved to a colder class`;
        break;
      case ReasonCode.neverAccessed:
        detail = 'never read';
        break;
      case ReasonCode.noHistory:
        detail =
          to === from
            ? 'no access seen yet: no rate to price a move by, stays put'
            : `no read seen yet, here or across the fleet: moved only where a first read costs no more (${to.storage_class})`;
        break;
      case ReasonCode.idleReturnUnlikely:
        detail = `idle ${idle}; ${pct(dec.p_return)} chance of a read within the horizon`;
        break;
      case ReasonCode.returnLikely:
        detail = `last read ${idle} ago; ${pct(dec.p_return)} chance of a read within the horizon`;
        // Moving colder although reads will come: they cost less there than the storage saved.
        if (to !== from && to.prices.storage_per_gb_month < from.prices.storage_per_gb_month) {
          detail += `, served from ${to.storage_class} for less than the storage it saves`;
        }
        break;
      case ReasonCode.storageSaving:
        detail = `cheaper storage at ${where(to)}: ${usd(dec.monthly_now)} → ${usd(dec.monthly_after)} a month`;
        break;
      case ReasonCode.autoTiering:
        detail = `returns too uncertain to bet a move on: ${where(to)} tiers itself, no retrieval fees (${usd(dec.monthly_now)} → ${usd(dec.monthly_after)} a month expected)`;
        break;
      case ReasonCode.accessCostHigh:
        detail = `reads cost more at ${where(from)} than the storage ${where(to)} adds`;
        break;
      case ReasonCode.cheapestAlready:
        detail = `${where(from)} has the lowest expected cost over ${ctx.horizonDays} days`;
        break;
      case ReasonCode.hysteresisHold:
        detail = 'a move would save less than the hysteresis margin: stays';
        break;
      case ReasonCode.minDwellHold:
        detail = 'moved recently: stays until the minimum dwell time has passed';
        break;
      case ReasonCode.recentReadHold:
        detail = 'read within the last day: no colder class until a day passes without reads';
        break;
      case ReasonCode.sloFloor:
        detail = ctx.policyNote ?? 'the latency SLO rules out slower classes';
        break;
      case ReasonCode.pinned:
        detail = ctx.policyNote ?? `pinned to ${to.tier}`;
        break;
      case ReasonCode.policy:
        detail = ctx.policyNote ?? 'the policy document rules out other placements';
        break;
      case ReasonCode.forecastUsed:
        detail = ctx.forecastNote ?? 'accesses predicted by the trained forecast';
        break;
      case ReasonCode.recencyHeuristicUsed:
        detail = ctx.forecastNote ?? 'accesses predicted from recency and past idle gaps';
        break;
      default:
        detail = code;
    }
    items.push({ code, detail });
  }
  const move = to === from ? `stay ${where(from)}` : `move ${where(from)} → ${where(to)}`;
  const money =
    to === from
      ? `expected ${usd(dec.monthly_now)} a month`
      : `${usd(dec.monthly_now)} → ${usd(dec.monthly_after)} a month, one-time ${usd(dec.one_time)}` +
        (dec.payback_months === null ? '' : `, ${paybackPhrase(dec.payback_months, dec.one_time)}`);
  const why = items
    .filter((i) => i.code !== ReasonCode.recencyHeuristicUsed && i.code !== ReasonCode.forecastUsed)
    .map((i) => i.detail)
    .slice(0, 2)
    .join('; ');
  return {
    reasons: [
      ...items.map((i) => i.detail),
      to === from ? `stays ${to.tier}` : `move ${from.tier} → ${to.tier}`,
    ],
    reason_codes: items,
    explanation: `${move} (${money})${why ? `: ${why}` : ''}.`,
  };
}
