import { autoclassName, type AutoclassName, type LocationKind } from '../contracts/locations.ts';
import { DataMotionError } from '../errors.ts';
import { DAYS_PER_MONTH, GB, LIST_PAGE, isListPriced } from './cost-model.ts';
import { PRICE_TABLE, classPrice, isCloudKind } from './price-table.ts';

/**
 * The prices the decision engine multiplies, one flat record per placement (a location's
 * storage class). cost-model.ts itemises one move for a person to read; these functions
 * answer the same arithmetic in numbers only, because the engine asks it a few million
 * times per refresh. test/placement/unit-costs.test.ts holds the two to the same totals.
 */
export interface UnitPrices {
  storage_per_gb_month: number;
  /** S3 GET/HEAD, GCS Class B. */
  read_per_1000: number;
  /** S3 PUT/COPY/LIST, GCS Class A; also the lifecycle transition request into the class. */
  write_per_1000: number;
  retrieval_per_gb: number;
  min_storage_days: number;
  min_billable_object_bytes: number;
  /** Per-object management fee a month (S3 Intelligent-Tiering monitoring, GCS Autoclass). */
  monitoring_per_1000_objects_month: number;
  /** Objects below this size pay no monitoring fee (and are never moved by the auto-tiering rules). */
  monitoring_min_object_bytes: number;
  /**
   * A class that tiers itself (S3 Intelligent-Tiering): the storage price after so many
   * days without access, first step at 0 days; absent for an ordinary class.
   */
  auto_tiers?: readonly AutoTier[];
}

export interface AutoTier {
  after_days: number;
  storage_per_gb_month: number;
}

/**
 * S3 Intelligent-Tiering (https://aws.amazon.com/s3/pricing/): Frequent Access, then
 * Infrequent Access after 30 days without access, Archive Instant Access after 90; back to
 * Frequent on access; no retrieval fee, no minimum duration; the monitoring fee per object.
 */
export const S3_INTELLIGENT_TIERS: readonly AutoTier[] = [
  { after_days: 0, storage_per_gb_month: 0.023 },
  { after_days: 30, storage_per_gb_month: 0.0125 },
  { after_days: 90, storage_per_gb_month: 0.004 },
];

/**
 * GCS Autoclass (https://cloud.google.com/storage/docs/autoclass, us-central1 prices):
 * Standard, Nearline after 30 days without access; with the terminal class Archive also
 * Coldline after 90 and Archive after 365. Back to Standard on access; no retrieval fee,
 * no minimum duration; the management fee per object.
 */
export const GCS_AUTOCLASS_TIERS: Readonly<Record<AutoclassName, readonly AutoTier[]>> = {
  AUTOCLASS: [
    { after_days: 0, storage_per_gb_month: 0.02 },
    { after_days: 30, storage_per_gb_month: 0.01 },
  ],
  AUTOCLASS_ARCHIVE: [
    { after_days: 0, storage_per_gb_month: 0.02 },
    { after_days: 30, storage_per_gb_month: 0.01 },
    { after_days: 90, storage_per_gb_month: 0.004 },
    { after_days: 365, storage_per_gb_month: 0.0012 },
  ],
};

/** The idle-day tiers and the fee of a class that tiers itself, or null for an ordinary class. */
function selfTiering(
  kind: LocationKind,
  storageClass: string,
): { tiers: readonly AutoTier[]; fee: { per_1000_objects_month: number; min_object_bytes: number } } | null {
  if (kind === 's3' && storageClass === 'INTELLIGENT_TIERING') {
    return { tiers: S3_INTELLIGENT_TIERS, fee: AUTO_TIERING_FEES.s3_intelligent_tiering };
  }
  const autoclass = kind === 'gs' ? autoclassName(storageClass) : null;
  return autoclass ? { tiers: GCS_AUTOCLASS_TIERS[autoclass], fee: AUTO_TIERING_FEES.gcs_autoclass } : null;
}

/** The storage price of an auto-tiering class after `idleDays` without access. */
export function autoTierPrice(p: UnitPrices, idleDays: number, bytes: number, objects: number): number {
  const tiers = p.auto_tiers;
  if (!tiers || (objects > 0 && bytes / objects < p.monitoring_min_object_bytes)) {
    return p.storage_per_gb_month;
  }
  let price = p.storage_per_gb_month;
  for (const t of tiers) if (idleDays >= t.after_days) price = t.storage_per_gb_month;
  return price;
}

export interface PlacementSide {
  kind: LocationKind;
  endpoint: string | null;
  region: string | null;
}

/** S3 Intelligent-Tiering monitoring and automation, and GCS Autoclass management fee. */
export const AUTO_TIERING_FEES = {
  // https://aws.amazon.com/s3/pricing/ (Storage tab, S3 Intelligent-Tiering): $0.0025 per
  // 1,000 objects a month; objects smaller than 128 KB are not monitored and always billed
  // at the Frequent Access tier.
  s3_intelligent_tiering: { per_1000_objects_month: 0.0025, min_object_bytes: 128 * 1024 },
  // https://cloud.google.com/storage/pricing#autoclass: management fee $0.0025 per 1,000
  // objects a month; objects smaller than 128 KiB stay in Standard and are not charged it.
  gcs_autoclass: { per_1000_objects_month: 0.0025, min_object_bytes: 128 * 1024 },
} as const;

const FREE: Omit<UnitPrices, 'storage_per_gb_month'> = {
  read_per_1000: 0,
  write_per_1000: 0,
  retrieval_per_gb: 0,
  min_storage_days: 0,
  min_billable_object_bytes: 0,
  monitoring_per_1000_objects_month: 0,
  monitoring_min_object_bytes: 0,
};

/**
 * A placement's unit prices: storage from the location's tier map (what the operator says
 * it pays, editable per location), everything else from the provider's list prices when
 * the location is the provider itself. file:// and S3-compatible stores price only storage.
 */
export function unitPrices(side: PlacementSide, storageClass: string, pricePerGbMonth: number): UnitPrices {
  if (isCloudKind(side.kind) && isListPriced(side)) {
    const p = classPrice(side.kind, storageClass);
    const auto = p ? selfTiering(side.kind, p.storage_class) : null;
    if (p && auto) {
      // The tier map's price is the first tier's (Frequent, Standard); the lower tiers scale with it.
      const scale = pricePerGbMonth / (auto.tiers[0] as AutoTier).storage_per_gb_month;
      return {
        ...FREE,
        storage_per_gb_month: pricePerGbMonth,
        read_per_1000: p.read_per_1000,
        write_per_1000: p.write_per_1000,
        monitoring_per_1000_objects_month: auto.fee.per_1000_objects_month,
        monitoring_min_object_bytes: auto.fee.min_object_bytes,
        auto_tiers: auto.tiers.map((t) => ({
          after_days: t.after_days,
          storage_per_gb_month: t.storage_per_gb_month * scale,
        })),
      };
    }
    if (p) {
      return {
        ...FREE,
        storage_per_gb_month: pricePerGbMonth,
        read_per_1000: p.read_per_1000,
        write_per_1000: p.write_per_1000,
        retrieval_per_gb: p.retrieval_per_gb,
        min_storage_days: p.min_storage_days,
        min_billable_object_bytes: p.min_billable_object_bytes,
      };
    }
  }
  return { ...FREE, storage_per_gb_month: pricePerGbMonth };
}

/** GB billed for storage: classes with a minimum billable object size bill small objects at it. */
export function billedGbFast(bytes: number, objects: number, p: UnitPrices): number {
  const min = p.min_billable_object_bytes;
  if (min > 0 && objects > 0 && bytes / objects < min) return (objects * min) / GB;
  return bytes / GB;
}

/** Storage and per-object fees for `days` days. */
export function storageCost(p: UnitPrices, bytes: number, objects: number, days: number): number {
  const months = days / DAYS_PER_MONTH;
  let monitored = 0;
  if (p.monitoring_per_1000_objects_month > 0 && objects > 0) {
    // Without a size per object, the average decides: all objects monitored, or none.
    monitored = bytes / objects >= p.monitoring_min_object_bytes ? objects : 0;
  }
  return (
    billedGbFast(bytes, objects, p) * p.storage_per_gb_month * months +
    (monitored / 1000) * p.monitoring_per_1000_objects_month * months
  );
}

/** Requests and retrieval of reads and writes served from the class. */
export function accessCost(p: UnitPrices, reads: number, writes: number, bytesRead: number): number {
  return (
    (reads / 1000) * p.read_per_1000 +
    (writes / 1000) * p.write_per_1000 +
    (bytesRead / GB) * p.retrieval_per_gb
  );
}

/** The remaining minimum-duration days billed when an object leaves its class at this age. */
export function earlyDeletionCost(p: UnitPrices, bytes: number, objects: number, ageDays: number): number {
  const remaining = p.min_storage_days - Math.max(0, ageDays);
  if (remaining <= 0) return 0;
  return billedGbFast(bytes, objects, p) * p.storage_per_gb_month * (remaining / DAYS_PER_MONTH);
}

export interface MoveSides {
  from: UnitPrices;
  to: UnitPrices;
  /** Same bucket, another class: an in-place rewrite (S3 COPY, GCS rewrite, a lifecycle transition). */
  transition: boolean;
  /** Egress per GB from the source to the target: 0 inside a region or from on-prem. */
  egress_per_gb: number;
}

/**
 * One-time cost of a move whose source is retired: the same lines as moveCost() (egress,
 * retrieval, early deletion, requests counted the way the mover works), as one number.
 */
export function oneTimeMoveCost(m: MoveSides, bytes: number, objects: number, sourceAgeDays: number): number {
  const gb = bytes / GB;
  let total = gb * m.from.retrieval_per_gb + earlyDeletionCost(m.from, bytes, objects, sourceAgeDays);
  if (!m.transition) total += gb * m.egress_per_gb;
  if (objects === 0) return total;
  const pages = Math.ceil(objects / LIST_PAGE);
  if (m.transition) return total + ((objects + pages) / 1000) * m.to.write_per_1000;
  total += (objects / 1000) * m.from.read_per_1000 + ((2 * pages) / 1000) * m.from.write_per_1000;
  const avg = bytes / objects;
  const each = avg > 8 * 2 ** 20 ? Math.ceil(avg / (8 * 2 ** 20)) + 2 : 1;
  total += ((objects * each + pages) / 1000) * m.to.write_per_1000 + (objects / 1000) * m.to.read_per_1000;
  return total;
}

/** Egress price per GB between two placements, as cost-model.ts's egress line prices it. */
export function egressPerGb(from: PlacementSide, to: PlacementSide): number {
  if (!isCloudKind(from.kind) || !isListPriced(from)) return 0;
  const p = PRICE_TABLE[from.kind];
  const region = (s: PlacementSide) => (s.region ?? (s.kind === 's3' ? 'us-east-1' : '')).toLowerCase();
  if (to.kind === from.kind && isListPriced(to)) {
    return region(from) === region(to) ? 0 : p.egress_inter_region_per_gb;
  }
  return p.egress_internet_per_gb;
}

type NumericPriceField = Exclude<keyof UnitPrices, 'auto_tiers'>;

const PRICE_FIELDS: readonly NumericPriceField[] = [
  'storage_per_gb_month',
  'read_per_1000',
  'write_per_1000',
  'retrieval_per_gb',
  'min_storage_days',
  'min_billable_object_bytes',
  'monitoring_per_1000_objects_month',
  'monitoring_min_object_bytes',
];

/**
 * Validates edited prices (a bench --prices file, an operator's override): every field a
 * finite number ≥ 0, no unknown field. The error names the field and what to do.
 */
export function parseUnitPrices(value: unknown, where: string, base: UnitPrices): UnitPrices {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataMotionError('invalid_input', `${where} must be an object of prices`, where);
  }
  const out: UnitPrices = { ...base };
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const field = `${where}.${k}`;
    if (!PRICE_FIELDS.includes(k as NumericPriceField)) {
      throw new DataMotionError(
        'invalid_input',
        `${field} is not a price field; use one of ${PRICE_FIELDS.join(', ')}`,
        field,
      );
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1e6) {
      throw new DataMotionError(
        'invalid_input',
        `${field} must be a number from 0 to 1000000 (USD, days or bytes), got ${JSON.stringify(v)}`,
        field,
      );
    }
    out[k as NumericPriceField] = v;
  }
  return out;
}
