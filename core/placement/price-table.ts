import type { TierMap } from '../contracts/locations.ts';

/**
 * Built-in list prices of the clouds DataMotion moves data between. They price what a
 * location's tier map does not say (retrieval, minimum storage duration, requests,
 * egress) and fill a cloud location's tier map when the operator gives none.
 *
 * US list prices in USD, pay-as-you-go, first volume band (S3: the first 50 TB a month;
 * egress: the first 10 TB / 1 TiB a month), no free tier, no negotiated discount. A GB is
 * 2^30 bytes (both providers bill binary gigabytes). Prices change: each row names the
 * page it was read from and the date it was believed valid; check them there before
 * relying on an estimate for a budget.
 */

export type CloudKind = 's3' | 'gs';

export interface ClassPrice {
  provider: CloudKind;
  storage_class: string;
  storage_per_gb_month: number;
  /** Charged per GB read back (a GET, a copy or a rewrite of the object). */
  retrieval_per_gb: number;
  /** Deleting or rewriting an object younger than this charges the remaining days. */
  min_storage_days: number;
  /** S3 IA and Glacier IR bill a smaller object as this size; 0 = billed as stored. */
  min_billable_object_bytes: number;
  /** S3 PUT, COPY, POST, LIST; GCS Class A (insert, rewrite, list). */
  write_per_1000: number;
  /** S3 GET, HEAD (for Glacier classes: the restore request); GCS Class B (get, metadata). */
  read_per_1000: number;
  /** false for classes that need a restore before a GET answers (S3 GLACIER, DEEP_ARCHIVE). */
  instant_read: boolean;
  /** The public page the numbers come from. */
  source: string;
  /** The date the numbers were believed to be the list price. */
  as_of: string;
}

export interface ProviderPrices {
  provider: CloudKind;
  /** Where the class prices apply; other regions differ (a warning says so). */
  region: string;
  /** Data transfer out to the internet: another cloud or an on-prem location. */
  egress_internet_per_gb: number;
  /** Data transfer to another region of the same provider. */
  egress_inter_region_per_gb: number;
  egress_source: string;
  as_of: string;
  classes: Readonly<Record<string, ClassPrice>>;
}

const S3_PRICING = 'https://aws.amazon.com/s3/pricing/';
const GCS_PRICING = 'https://cloud.google.com/storage/pricing';
const AS_OF = '2024-06-01';

type Row = Omit<ClassPrice, 'provider' | 'storage_class' | 'source' | 'as_of'>;

function classes(provider: CloudKind, source: string, rows: Record<string, Row>): Record<string, ClassPrice> {
  return Object.fromEntries(
    Object.entries(rows).map(([storage_class, r]) => [
      storage_class,
      { provider, storage_class, source, as_of: AS_OF, ...r },
    ]),
  );
}

const KIB_128 = 128 * 1024;

/** Amazon S3, US East (N. Virginia) us-east-1. */
const S3: ProviderPrices = {
  provider: 's3',
  region: 'us-east-1',
  egress_internet_per_gb: 0.09,
  egress_inter_region_per_gb: 0.02,
  egress_source: S3_PRICING,
  as_of: AS_OF,
  classes: classes('s3', S3_PRICING, {
    STANDARD: {
      storage_per_gb_month: 0.023,
      retrieval_per_gb: 0,
      min_storage_days: 0,
      min_billable_object_bytes: 0,
      write_per_1000: 0.005,
      read_per_1000: 0.0004,
      instant_read: true,
    },
    STANDARD_IA: {
      storage_per_gb_month: 0.0125,
      retrieval_per_gb: 0.01,
      min_storage_days: 30,
      min_billable_object_bytes: KIB_128,
      write_per_1000: 0.01,
      read_per_1000: 0.001,
      instant_read: true,
    },
    // Intelligent-Tiering, billed at its Frequent Access tier: the lower tiers and the
    // per-object monitoring fee are in unit-prices.ts (S3_INTELLIGENT_TIERS).
    INTELLIGENT_TIERING: {
      storage_per_gb_month: 0.023,
      retrieval_per_gb: 0,
      min_storage_days: 0,
      min_billable_object_bytes: 0,
      write_per_1000: 0.005,
      read_per_1000: 0.0004,
      instant_read: true,
    },
    GLACIER_IR: {
      storage_per_gb_month: 0.004,
      retrieval_per_gb: 0.03,
      min_storage_days: 90,
      min_billable_object_bytes: KIB_128,
      write_per_1000: 0.02,
      read_per_1000: 0.01,
      instant_read: true,
    },
    // Glacier Flexible Retrieval and Deep Archive, standard retrieval: listed so that a
    // dataset already there is priced, not so that the mover can read it without a restore.
    GLACIER: {
      storage_per_gb_month: 0.0036,
      retrieval_per_gb: 0.01,
      min_storage_days: 90,
      min_billable_object_bytes: 0,
      write_per_1000: 0.03,
      read_per_1000: 0.05,
      instant_read: false,
    },
    DEEP_ARCHIVE: {
      storage_per_gb_month: 0.00099,
      retrieval_per_gb: 0.02,
      min_storage_days: 180,
      min_billable_object_bytes: 0,
      write_per_1000: 0.05,
      read_per_1000: 0.1,
      instant_read: false,
    },
  }),
};

const GCS_STANDARD: Row = {
  storage_per_gb_month: 0.02,
  retrieval_per_gb: 0,
  min_storage_days: 0,
  min_billable_object_bytes: 0,
  write_per_1000: 0.005,
  read_per_1000: 0.0004,
  instant_read: true,
};

/**
 * Google Cloud Storage, regional bucket in us-central1 (Iowa). GCS lists operations per
 * 10,000; here per 1,000 (Standard Class A $0.05 / 10,000 = $0.005 / 1,000).
 */
const GCS: ProviderPrices = {
  provider: 'gs',
  region: 'us-central1',
  // Premium tier, 0-1 TiB a month to worldwide destinations (China and Australia excepted).
  egress_internet_per_gb: 0.12,
  // Between regions inside North America.
  egress_inter_region_per_gb: 0.02,
  egress_source: GCS_PRICING,
  as_of: AS_OF,
  classes: classes('gs', GCS_PRICING, {
    STANDARD: GCS_STANDARD,
    NEARLINE: {
      storage_per_gb_month: 0.01,
      retrieval_per_gb: 0.01,
      min_storage_days: 30,
      min_billable_object_bytes: 0,
      write_per_1000: 0.01,
      read_per_1000: 0.001,
      instant_read: true,
    },
    COLDLINE: {
      storage_per_gb_month: 0.004,
      retrieval_per_gb: 0.02,
      min_storage_days: 90,
      min_billable_object_bytes: 0,
      write_per_1000: 0.02,
      read_per_1000: 0.01,
      instant_read: true,
    },
    ARCHIVE: {
      storage_per_gb_month: 0.0012,
      retrieval_per_gb: 0.05,
      min_storage_days: 365,
      min_billable_object_bytes: 0,
      write_per_1000: 0.05,
      read_per_1000: 0.05,
      instant_read: true,
    },
    // Not classes: a bucket with Autoclass on (contracts/locations.ts AUTOCLASS_TERMINAL),
    // billed at Standard's price until idle; the colder steps and the management fee are in
    // unit-prices.ts (GCS_AUTOCLASS_TIERS). Operations at Standard rates, no retrieval or
    // early-deletion fee (https://cloud.google.com/storage/docs/autoclass#pricing).
    AUTOCLASS: GCS_STANDARD,
    AUTOCLASS_ARCHIVE: GCS_STANDARD,
  }),
};

export const PRICE_TABLE: Readonly<Record<CloudKind, ProviderPrices>> = { s3: S3, gs: GCS };

export const isCloudKind = (kind: string): kind is CloudKind => kind === 's3' || kind === 'gs';

/** The list price of a storage class, or undefined when the table does not know it. */
export function classPrice(kind: CloudKind, storageClass: string): ClassPrice | undefined {
  // GCS accepts class names in any case; S3's are upper case. The table keys are upper case.
  return PRICE_TABLE[kind].classes[storageClass.toUpperCase()];
}

const DEFAULT_CLASSES: Record<CloudKind, Record<'hot' | 'warm' | 'cold', string>> = {
  s3: { hot: 'STANDARD', warm: 'STANDARD_IA', cold: 'GLACIER_IR' },
  gs: { hot: 'STANDARD', warm: 'NEARLINE', cold: 'COLDLINE' },
};

/**
 * The tier map of a cloud location created without one. Cold is the coldest class the
 * mover can read without a restore (S3 GLACIER_IR, GCS COLDLINE: GCS ARCHIVE reads
 * instantly too, but its 365-day minimum surprises more than it saves).
 */
export function defaultTiers(kind: CloudKind): TierMap {
  const pick = (cls: string) => {
    const p = PRICE_TABLE[kind].classes[cls] as ClassPrice;
    return { storage_class: p.storage_class, price_per_gb_month: p.storage_per_gb_month };
  };
  const c = DEFAULT_CLASSES[kind];
  return { hot: pick(c.hot), warm: pick(c.warm), cold: pick(c.cold) };
}
