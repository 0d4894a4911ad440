import type { Db } from '../db/database.ts';
import type { DatasetRow, DatasetService } from '../catalog/dataset-service.ts';
import type { LocationService } from '../catalog/location-service.ts';
import type { Location, LocationKind } from '../contracts/locations.ts';
import { TIERS, type Tier } from '../contracts/common.ts';
import {
  EstimateQuery,
  type ConfirmReason,
  type Estimate,
  type EstimateSide,
  type OneTimeLine,
} from '../contracts/estimate.ts';
import { parse } from '../contracts/validate.ts';
import { DataMotionError, invalid } from '../errors.ts';
import { formatBytes } from '../format.ts';
import { isCloudKind } from '../placement/price-table.ts';
import { listPrice, moveCost, type CostSide, type MonthlyCost } from '../placement/cost-model.ts';
import { unitPrices } from '../placement/unit-prices.ts';
import { resolveTarget, type Target } from './plan-target.ts';

export interface EstimateConfig {
  /** Above this many bytes a plan needs "confirm": true (CoreConfig.confirmAboveBytes). */
  confirmAboveBytes: number;
  /** Objects the mover copies in parallel inside one job (spreads per-object latency). */
  objectConcurrency: number;
}

const MB = 1e6;
const DAY_MS = 86_400_000;

/**
 * Expected throughput when no past job measured it, in bytes/s per (source → target kind).
 * file→file: a local disk copy with CRC32C on both sides; to or from a cloud: a ~400 Mbit/s
 * uplink; cloud to cloud: the bytes still stream through this machine (the mover reads
 * and writes), faster inside one provider's network.
 */
export const DEFAULT_THROUGHPUT_BPS: Readonly<Record<`${LocationKind}→${LocationKind}`, number>> = {
  'file→file': 200 * MB,
  'file→s3': 50 * MB,
  'file→gs': 50 * MB,
  's3→file': 50 * MB,
  'gs→file': 50 * MB,
  's3→s3': 100 * MB,
  'gs→gs': 100 * MB,
  's3→gs': 50 * MB,
  'gs→s3': 50 * MB,
};
/** An in-place class change in a cloud is a server-side copy (S3 COPY, GCS rewrite). */
export const TRANSITION_THROUGHPUT_BPS = 200 * MB;
/** Request round trips per object on top of the bytes (a default estimate only: measured ones include it). */
export const PER_OBJECT_S: Readonly<Record<'file' | 'cloud', number>> = { file: 0.001, cloud: 0.03 };
/** Smaller jobs measure start-up and per-object latency, not throughput: they are not samples. */
export const MIN_SAMPLE_BYTES = 16 * 2 ** 20;
const MAX_SAMPLES = 50;

const cents = (usd: number) => Math.round(usd * 100) / 100;
const round3 = (n: number) => Math.round(n * 1000) / 1000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * GET /estimate, and the guardrail of POST /plan-migration: what a move will cost and take,
 * and whether it needs the operator's explicit "confirm": true.
 */
export class EstimateService {
  constructor(
    private readonly db: Db,
    private readonly locations: LocationService,
    private readonly datasets: DatasetService,
    private readonly config: EstimateConfig,
  ) {}

  /** GET /estimate: resolves the target exactly as planning does, with query.* fields in errors. */
  estimate(input: unknown): Estimate {
    const q = parse(EstimateQuery, input, 'query');
    const ds = this.datasets.row(q.dataset_id, 'query.dataset_id');
    const target = asQueryError(() => resolveTarget(this.locations, ds, q));
    const retire = q.retire_source ?? false;
    const same = target.destUri === ds.path_uri;
    if (same && q.storage_class === ds.storage_class && target.tier === ds.current_tier) {
      throw invalid(
        'query.target_location',
        `dataset ${ds.id} is already at ${ds.path_uri} with storage class "${q.storage_class}"; nothing to do`,
      );
    }
    if (retire && same) {
      throw invalid(
        'query.retire_source',
        'a storage-class transition keeps the data where it is, so there is no source to retire',
      );
    }
    return this.forMove(ds, target, q.storage_class, retire);
  }

  /** The estimate of a resolved move (plan() has resolved it already). */
  forMove(ds: DatasetRow, target: Target, storageClass: string, retire: boolean): Estimate {
    const warnings: string[] = [];
    const srcLoc = this.locations.get(ds.location_id);
    const transition = target.destUri === ds.path_uri;
    const source: EstimateSide = {
      location: srcLoc.id,
      kind: srcLoc.kind,
      uri: ds.path_uri,
      storage_class: ds.storage_class,
      tier: ds.current_tier,
      price_per_gb_month: sidePrice(srcLoc, ds.current_tier, ds.storage_class, warnings),
    };
    const dest: EstimateSide = {
      location: target.location.id,
      kind: target.location.kind,
      uri: target.destUri,
      storage_class: storageClass,
      tier: target.tier,
      price_per_gb_month: sidePrice(target.location, target.tier, storageClass, warnings),
    };
    const age = this.sourceAge(ds);
    const cost = moveCost({
      source: costSide(srcLoc, source),
      target: costSide(target.location, dest),
      bytes: ds.size_bytes,
      objects: ds.object_count,
      transition,
      retire_source: retire,
      source_age_days: age.days,
      source_age_basis: age.basis,
    });
    const duration = this.duration(source.kind, dest.kind, transition, ds.size_bytes, ds.object_count);

    const reasons: ConfirmReason[] = [];
    if (retire) {
      reasons.push({
        code: 'retire_source',
        message: `retires the source: ${ds.path_uri} is deleted once the copy is verified and switched`,
      });
    }
    if (cost.early_deletion_usd > 0) {
      reasons.push({
        code: 'early_deletion',
        message: `early-deletion charge of $${cents(cost.early_deletion_usd).toFixed(2)} (${ds.storage_class} objects younger than their minimum storage duration)`,
      });
    }
    if (ds.size_bytes > this.config.confirmAboveBytes) {
      reasons.push({
        code: 'size_limit',
        message: `moves more than ${formatBytes(this.config.confirmAboveBytes)} (${formatBytes(ds.size_bytes)}; confirmAboveBytes is ${this.config.confirmAboveBytes} bytes)`,
      });
    }
    warnings.unshift(...reasons.map((r) => r.message));
    const egress = cost.one_time.find((c) => c.kind === 'egress');
    if (egress && egress.amount_usd > 0) {
      warnings.push(
        `egress from ${source.kind === 's3' ? 'S3' : 'GCS'}: $${cents(egress.amount_usd).toFixed(2)}`,
      );
    }
    if (!transition && !retire) {
      warnings.push('keeps the source as a secondary copy: both are billed until it is removed');
    }
    const steps = unitPrices(target.location, storageClass, dest.price_per_gb_month).auto_tiers;
    if (steps) {
      warnings.push(
        `${storageClass} tiers itself: priced here at its first tier; after ` +
          steps
            .slice(1)
            .map((t) => `${t.after_days} days without access $${+t.storage_per_gb_month.toPrecision(3)}`)
            .join(', ') +
          ' a GB-month (the recommendations price those steps)',
      );
    }
    warnings.push(...cost.notes);

    return {
      dataset_id: ds.id,
      bytes: ds.size_bytes,
      objects: ds.object_count,
      source,
      target: dest,
      transition,
      retire_source: retire,
      ...duration,
      monthly_before_usd: cents(cost.monthly_before_usd),
      monthly_after_usd: cents(cost.monthly_after_usd),
      monthly_before: cost.monthly_before.map(monthlyToApi),
      monthly_after: cost.monthly_after.map(monthlyToApi),
      one_time: cost.one_time.map((c): OneTimeLine => ({
        ...c,
        amount_usd: cents(c.amount_usd),
        quantity: round3(c.quantity),
      })),
      one_time_total_usd: cents(cost.one_time_total_usd),
      payback_months: cost.payback_months === null ? null : Math.round(cost.payback_months * 10) / 10,
      warnings,
      needs_confirm: reasons.length > 0,
      confirm_reasons: reasons,
    };
  }

  /**
   * How long the source objects have been in their class: since the dataset's last write
   * reported to telemetry, its last migration here, or its registration, whichever is
   * latest. Object write times are not tracked, so this errs towards younger (a larger
   * early-deletion charge, never a surprise one).
   */
  private sourceAge(ds: DatasetRow): { days: number; basis: string } {
    const migrated = this.db
      .prepare(
        `SELECT max(finished_at) FROM migration_jobs WHERE dataset_id = ? AND status = 'completed' AND dest_uri = ?`,
      )
      .pluck()
      .get(ds.id, ds.path_uri) as number | null;
    const written = this.db
      .prepare('SELECT max(last_access_ts) FROM access_aggregates WHERE dataset_id = ? AND write_count > 0')
      .pluck()
      .get(ds.id) as number | null;
    const candidates: [number, string][] = [[ds.created_at, `registered on ${day(ds.created_at)}`]];
    if (migrated !== null) candidates.push([migrated, `moved here on ${day(migrated)}`]);
    if (written !== null) candidates.push([written, `last write reported on ${day(written)}`]);
    const [at, basis] = candidates.reduce((a, b) => (b[0] > a[0] ? b : a));
    return { days: Math.max(0, (Date.now() - at) / DAY_MS), basis };
  }

  private duration(
    from: LocationKind,
    to: LocationKind,
    transition: boolean,
    bytes: number,
    objects: number,
  ): Pick<Estimate, 'duration_s' | 'throughput_bps' | 'duration_basis'> {
    const pair = `${from}→${to}` as const;
    if (bytes === 0 && objects === 0) {
      return { duration_s: 0, throughput_bps: null, duration_basis: 'the dataset is empty' };
    }
    if (transition && from === 'file') {
      return {
        duration_s: 0,
        throughput_bps: null,
        duration_basis: 'a file:// class change moves no bytes: only the catalog changes',
      };
    }
    const measured = this.measuredThroughput(from, to, transition);
    if (measured) {
      return {
        duration_s: Math.ceil(bytes / measured.bps),
        throughput_bps: Math.round(measured.bps),
        duration_basis:
          `median of the last ${measured.samples} completed ${pair}${transition ? ' transition' : ''} jobs ` +
          `of at least ${formatBytes(MIN_SAMPLE_BYTES)} (${+(measured.bps / MB).toFixed(1)} MB/s)`,
      };
    }
    const bps = transition ? TRANSITION_THROUGHPUT_BPS : DEFAULT_THROUGHPUT_BPS[pair];
    const perObject = isCloudKind(from) || isCloudKind(to) ? PER_OBJECT_S.cloud : PER_OBJECT_S.file;
    const requestTime = (objects * perObject) / Math.max(1, this.config.objectConcurrency);
    return {
      duration_s: Math.ceil(bytes / bps + requestTime),
      throughput_bps: bps,
      duration_basis:
        `default for ${pair}${transition ? ' transitions (server-side copy)' : ''}: ${bps / MB} MB/s ` +
        `+ ${perObject * 1000} ms per object over ${this.config.objectConcurrency} in parallel ` +
        '(no completed job of this kind measured yet)',
    };
  }

  /** Median bytes/s of recent completed jobs of the same kinds, from their start to their end. */
  private measuredThroughput(
    from: LocationKind,
    to: LocationKind,
    transition: boolean,
  ): { bps: number; samples: number } | undefined {
    const rows = this.db
      .prepare(
        `SELECT bytes_total, started_at, finished_at FROM migration_jobs
         WHERE status = 'completed' AND started_at IS NOT NULL AND finished_at > started_at
           AND bytes_total >= ? AND source_uri LIKE ? AND dest_uri LIKE ? AND (source_uri = dest_uri) = ?
         ORDER BY finished_at DESC LIMIT ?`,
      )
      .all(MIN_SAMPLE_BYTES, `${from}:%`, `${to}:%`, transition ? 1 : 0, MAX_SAMPLES) as {
      bytes_total: number;
      started_at: number;
      finished_at: number;
    }[];
    const rates = rows.map((r) => (r.bytes_total * 1000) / (r.finished_at - r.started_at));
    return rates.length ? { bps: median(rates), samples: rates.length } : undefined;
  }
}

/**
 * The storage price of a class at a location: its tier map first (what the operator pays),
 * then the list price of a cloud class, else 0 with a warning.
 */
function sidePrice(loc: Location, tier: Tier, storageClass: string | null, warnings: string[]): number {
  const spec = loc.tiers[tier];
  if (spec && spec.storage_class === storageClass) return spec.price_per_gb_month;
  const other = TIERS.map((t) => loc.tiers[t]).find((s) => s && s.storage_class === storageClass);
  if (other) return other.price_per_gb_month;
  const side = { kind: loc.kind, endpoint: loc.endpoint, region: loc.region, storage_class: storageClass };
  const list = listPrice({ ...side, price_per_gb_month: 0 });
  const what = `storage class ${storageClass ?? '(none)'} at location "${loc.id}"`;
  if (list) {
    warnings.push(
      `${what} is not in its tier map: the list price $${list.storage_per_gb_month}/GB-month is used`,
    );
    return list.storage_per_gb_month;
  }
  warnings.push(`${what} has no price in its tier map: its storage is counted as $0`);
  return 0;
}

const costSide = (loc: Location, side: EstimateSide): CostSide => ({
  kind: loc.kind,
  endpoint: loc.endpoint,
  region: loc.region,
  storage_class: side.storage_class,
  price_per_gb_month: side.price_per_gb_month,
});

const monthlyToApi = (m: MonthlyCost) => ({
  ...m,
  amount_usd: cents(m.amount_usd),
  billed_gb: round3(m.billed_gb),
});

/**
 * resolveTarget names body.* fields (plan's); GET /estimate has the same fields in its query.
 * Messages start with their field, so only that prefix is renamed, never a quoted path.
 */
function asQueryError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof DataMotionError) || !e.field?.startsWith('body.')) throw e;
    const field = `query.${e.field.slice('body.'.length)}`;
    const message = e.message.startsWith(e.field) ? field + e.message.slice(e.field.length) : e.message;
    throw new DataMotionError(e.code, message, field, e.details ? { ...e.details } : undefined);
  }
}
