import type { LocationKind } from '../contracts/locations.ts';
import { PRICE_TABLE, classPrice, isCloudKind, type ClassPrice, type CloudKind } from './price-table.ts';

/**
 * What a move costs: pure functions over the price table and the two locations' tier
 * maps. Amounts are exact here (no rounding); the estimate rounds to cents for display.
 */

/** Both providers bill binary gigabytes. */
export const GB = 2 ** 30;
/** Early-deletion charges are pro-rated by day over a 30-day month, as both providers do. */
export const DAYS_PER_MONTH = 30;
/** The S3 and GCS drivers upload objects above this in parts (resumable chunks) of this size. */
export const PART_BYTES = 8 * 2 ** 20;
/** Objects per listing page on both providers. */
export const LIST_PAGE = 1000;

export interface CostSide {
  kind: LocationKind;
  endpoint: string | null;
  region: string | null;
  storage_class: string | null;
  /** The location's tier-map price for this class: what the operator says it pays. */
  price_per_gb_month: number;
}

export interface MoveCostInput {
  source: CostSide;
  target: CostSide;
  bytes: number;
  objects: number;
  /** Same URI, new class: every object is rewritten in place, nothing leaves the bucket. */
  transition: boolean;
  retire_source: boolean;
  /** Days since the source objects were written in their class (for the early-deletion charge). */
  source_age_days: number;
  /** How that age was found, quoted in the charge's basis. */
  source_age_basis: string;
}

export type OneTimeKind = 'egress' | 'retrieval' | 'early_deletion' | 'requests';

export interface OneTimeCost {
  kind: OneTimeKind;
  amount_usd: number;
  price_used: number;
  unit: 'USD/GB' | 'USD/GB-month' | 'USD/1000 requests';
  /** GB, or requests, the price was applied to. */
  quantity: number;
  basis: string;
  price_source: string | null;
  as_of: string | null;
}

export interface MonthlyCost {
  side: 'source' | 'target';
  amount_usd: number;
  price_used: number;
  billed_gb: number;
  basis: string;
}

export interface MoveCost {
  monthly_before_usd: number;
  monthly_after_usd: number;
  monthly_before: MonthlyCost[];
  monthly_after: MonthlyCost[];
  one_time: OneTimeCost[];
  one_time_total_usd: number;
  early_deletion_usd: number;
  /** one_time_total / monthly saving; null when the move saves nothing a month. */
  payback_months: number | null;
  /** What the numbers could not take into account, for an operator. */
  notes: string[];
}

const PROVIDER_NAME: Record<CloudKind, string> = { s3: 'S3', gs: 'GCS' };
const PROVIDER_HOST: Record<CloudKind, RegExp> = {
  s3: /(^|\.)amazonaws\.com$/i,
  gs: /(^|\.)googleapis\.com$/i,
};

const fmtGb = (gb: number) => `${+gb.toFixed(3)} GB`;
const fmtN = (n: number) => n.toLocaleString('en-US');

/** True when the side is the provider itself, not an S3-compatible store or an emulator. */
export function isListPriced(
  side: Pick<CostSide, 'kind' | 'endpoint'>,
): side is { kind: CloudKind } & CostSide {
  if (!isCloudKind(side.kind)) return false;
  if (!side.endpoint) return true;
  try {
    return PROVIDER_HOST[side.kind].test(new URL(side.endpoint).hostname);
  } catch {
    return false;
  }
}

/** The list price of the side's class, when it is a provider's class the table knows. */
export function listPrice(side: CostSide): ClassPrice | undefined {
  if (!isListPriced(side) || !side.storage_class) return undefined;
  return classPrice(side.kind, side.storage_class);
}

/** A region as the provider means it: S3 without one is us-east-1 (the SDK default). */
const regionOf = (side: CostSide): string =>
  (side.region ?? (side.kind === 's3' ? 'us-east-1' : '')).toLowerCase();

/** GB billed for storage: S3 IA and Glacier IR bill each small object as 128 KiB. */
export function billedGb(bytes: number, objects: number, price: ClassPrice | undefined): number {
  const min = price?.min_billable_object_bytes ?? 0;
  if (min > 0 && objects > 0 && bytes / objects < min) return (objects * min) / GB;
  return bytes / GB;
}

function billedBasis(bytes: number, objects: number, price: ClassPrice | undefined): string {
  const min = price?.min_billable_object_bytes ?? 0;
  if (min > 0 && objects > 0 && bytes / objects < min) {
    return `${fmtN(objects)} objects averaging under ${min / 1024} KiB are billed as ${min / 1024} KiB each (at least)`;
  }
  return `${fmtGb(bytes / GB)} stored`;
}

function monthly(side: CostSide, which: 'source' | 'target', bytes: number, objects: number): MonthlyCost {
  const price = listPrice(side);
  const gb = billedGb(bytes, objects, price);
  return {
    side: which,
    amount_usd: gb * side.price_per_gb_month,
    price_used: side.price_per_gb_month,
    billed_gb: gb,
    basis: `${billedBasis(bytes, objects, price)} × $${side.price_per_gb_month}/GB-month (${side.storage_class ?? 'no class'}, the location's tier map)`,
  };
}

function egress(input: MoveCostInput, notes: string[]): OneTimeCost | undefined {
  const { source: src, target: dst } = input;
  if (input.transition || !isCloudKind(src.kind)) return undefined;
  if (!isListPriced(src)) {
    notes.push(
      `egress from the S3-compatible store at ${src.endpoint} is not priced (not a list-priced provider)`,
    );
    return undefined;
  }
  const p = PRICE_TABLE[src.kind];
  const gb = input.bytes / GB;
  const name = PROVIDER_NAME[src.kind];
  const line = (price: number, basis: string): OneTimeCost => ({
    kind: 'egress',
    amount_usd: gb * price,
    price_used: price,
    unit: 'USD/GB',
    quantity: gb,
    basis,
    price_source: p.egress_source,
    as_of: p.as_of,
  });
  const sameProvider = dst.kind === src.kind && isListPriced(dst);
  if (sameProvider && regionOf(src) === regionOf(dst)) {
    return line(0, `${name} to ${name} in the same region (${regionOf(src) || 'unspecified'}): free`);
  }
  if (sameProvider) {
    return line(
      p.egress_inter_region_per_gb,
      `${fmtGb(gb)} from ${name} ${regionOf(src) || '(unspecified region)'} to ${regionOf(dst) || '(unspecified region)'} (inter-region transfer)`,
    );
  }
  const where =
    dst.kind === 'file'
      ? 'on-prem (file://)'
      : isListPriced(dst)
        ? PROVIDER_NAME[dst.kind as CloudKind]
        : `${dst.endpoint}`;
  return line(
    p.egress_internet_per_gb,
    `${fmtGb(gb)} out of ${name} to ${where} (internet egress, first band)`,
  );
}

function retrieval(input: MoveCostInput, notes: string[]): OneTimeCost | undefined {
  const price = listPrice(input.source);
  if (!price) return undefined;
  if (!price.instant_read) {
    notes.push(
      `${price.storage_class} objects must be restored before they can be read; the mover does not restore them`,
    );
  }
  if (price.retrieval_per_gb === 0) return undefined;
  const gb = input.bytes / GB;
  return {
    kind: 'retrieval',
    amount_usd: gb * price.retrieval_per_gb,
    price_used: price.retrieval_per_gb,
    unit: 'USD/GB',
    quantity: gb,
    basis: `${fmtGb(gb)} read from ${price.storage_class}${input.transition ? ' by the in-place rewrite' : ''}`,
    price_source: price.source,
    as_of: price.as_of,
  };
}

/**
 * Deleting an object (retiring the source) or rewriting it in another class (a
 * transition) before its class's minimum duration bills the days still owed.
 */
export function earlyDeletion(input: MoveCostInput): OneTimeCost | undefined {
  if (!input.retire_source && !input.transition) return undefined;
  const price = listPrice(input.source);
  if (!price || price.min_storage_days === 0) return undefined;
  const remaining = price.min_storage_days - Math.max(0, input.source_age_days);
  if (remaining <= 0) return undefined;
  const gb = billedGb(input.bytes, input.objects, price);
  const rate = input.source.price_per_gb_month;
  const why = input.transition ? 'rewritten in another class' : 'deleted when the source is retired';
  return {
    kind: 'early_deletion',
    amount_usd: gb * rate * (remaining / DAYS_PER_MONTH),
    price_used: rate,
    unit: 'USD/GB-month',
    quantity: gb,
    basis:
      `${price.storage_class} has a ${price.min_storage_days}-day minimum; ${why} after ` +
      `${+input.source_age_days.toFixed(1)} days (${input.source_age_basis}): the remaining ` +
      `${+remaining.toFixed(1)} days are billed (${+remaining.toFixed(1)}/${DAYS_PER_MONTH} × $${rate}/GB-month × ${fmtGb(gb)})`,
    price_source: price.source,
    as_of: price.as_of,
  };
}

function requestLine(price: ClassPrice, perThousand: number, count: number, basis: string): OneTimeCost {
  return {
    kind: 'requests',
    amount_usd: (count / 1000) * perThousand,
    price_used: perThousand,
    unit: 'USD/1000 requests',
    quantity: count,
    basis,
    price_source: price.source,
    as_of: price.as_of,
  };
}

/** Upload requests of one object: one PUT, or above PART_BYTES a create, its parts and a complete. */
export function writesPerObject(avgObjectBytes: number): number {
  return avgObjectBytes > PART_BYTES ? Math.ceil(avgObjectBytes / PART_BYTES) + 2 : 1;
}

/** Request charges, counted the way the mover works (see copy-phase.ts and verify-phase.ts). */
export function requests(input: MoveCostInput): OneTimeCost[] {
  const { objects } = input;
  if (objects === 0) return [];
  const pages = Math.ceil(objects / LIST_PAGE);
  const src = listPrice(input.source);
  const dst = listPrice(input.target);
  const lines: OneTimeCost[] = [];
  if (input.transition) {
    if (dst) {
      lines.push(
        requestLine(
          dst,
          dst.write_per_1000,
          objects + pages,
          `${fmtN(objects)} in-place copies (S3 COPY / GCS rewrite, billed at ${dst.storage_class}) + ${fmtN(pages)} LIST; ` +
            'objects above 5 GB are copied in parts, not counted',
        ),
      );
    }
    return lines;
  }
  if (src) {
    lines.push(requestLine(src, src.read_per_1000, objects, `${fmtN(objects)} GET at the source`));
    lines.push(
      requestLine(
        src,
        src.write_per_1000,
        2 * pages,
        `${fmtN(2 * pages)} LIST at the source (pages of ${LIST_PAGE}: the copy, then the drift check)`,
      ),
    );
  }
  if (dst) {
    const avg = input.bytes / objects;
    const each = writesPerObject(avg);
    const parts =
      each === 1
        ? `1 PUT per object (average ${+(avg / 2 ** 20).toFixed(2)} MiB ≤ 8 MiB)`
        : `${each} requests per object (approximated from the average object size, ${+(avg / 2 ** 20).toFixed(1)} MiB: ` +
          `create, ${each - 2} parts of 8 MiB, complete)`;
    lines.push(
      requestLine(
        dst,
        dst.write_per_1000,
        objects * each + pages,
        `${fmtN(objects * each)} uploads at the target, ${parts}, + ${fmtN(pages)} LIST when verifying`,
      ),
    );
    lines.push(
      requestLine(
        dst,
        dst.read_per_1000,
        objects,
        `${fmtN(objects)} HEAD at the target (each object's CRC32C, verifying)`,
      ),
    );
  }
  return lines;
}

function regionNotes(input: MoveCostInput): string[] {
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const side of [input.source, input.target]) {
    if (!isListPriced(side)) continue;
    const table = PRICE_TABLE[side.kind];
    const region = regionOf(side);
    const key = `${side.kind}:${region}`;
    if (region && region !== table.region && !seen.has(key)) {
      seen.add(key);
      notes.push(`${PROVIDER_NAME[side.kind]} prices are ${table.region} list prices; ${region} may differ`);
    }
  }
  return notes;
}

/** The whole bill of a move: storage a month before and after, and what the move itself costs. */
export function moveCost(input: MoveCostInput): MoveCost {
  const notes = regionNotes(input);
  const before = [monthly(input.source, 'source', input.bytes, input.objects)];
  const after = [monthly(input.target, 'target', input.bytes, input.objects)];
  // Without retire_source the source stays as a secondary replica and is still billed.
  if (!input.transition && !input.retire_source) after.push(before[0] as MonthlyCost);
  const early = earlyDeletion(input);
  const oneTime = [egress(input, notes), retrieval(input, notes), early, ...requests(input)].filter(
    (c): c is OneTimeCost => c !== undefined,
  );
  const sum = (xs: { amount_usd: number }[]) => xs.reduce((s, x) => s + x.amount_usd, 0);
  const monthlyBefore = sum(before);
  const monthlyAfter = sum(after);
  const total = sum(oneTime);
  const saving = monthlyBefore - monthlyAfter;
  return {
    monthly_before_usd: monthlyBefore,
    monthly_after_usd: monthlyAfter,
    monthly_before: before,
    monthly_after: after,
    one_time: oneTime,
    one_time_total_usd: total,
    early_deletion_usd: early?.amount_usd ?? 0,
    payback_months: saving > 0 ? total / saving : null,
    notes,
  };
}
