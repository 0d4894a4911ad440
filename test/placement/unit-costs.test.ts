import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { moveCost, type CostSide } from '../../core/placement/cost-model.ts';
import {
  AUTO_TIERING_FEES,
  accessCost,
  autoTierPrice,
  earlyDeletionCost,
  egressPerGb,
  oneTimeMoveCost,
  parseUnitPrices,
  storageCost,
  unitPrices,
  type PlacementSide,
} from '../../core/placement/unit-prices.ts';

// Expected numbers are computed by hand from the list prices in price-table.ts.
const GiB = 2 ** 30;
const s3: PlacementSide = { kind: 's3', endpoint: null, region: 'us-east-1' };
const gs: PlacementSide = { kind: 'gs', endpoint: null, region: 'us-central1' };
const file: PlacementSide = { kind: 'file', endpoint: null, region: null };
const minio: PlacementSide = { kind: 's3', endpoint: 'http://127.0.0.1:9000', region: null };

describe('unit costs the engine multiplies', () => {
  it('storage: 100 GiB in STANDARD_IA for 15 days = 100 × $0.0125 × 15/30', () => {
    const p = unitPrices(s3, 'STANDARD_IA', 0.0125);
    expect(storageCost(p, 100 * GiB, 100, 15)).toBeCloseTo(0.625, 12);
  });

  it('small objects in IA are billed as 128 KiB each: 1000 objects of 4 KiB for a month', () => {
    const p = unitPrices(s3, 'STANDARD_IA', 0.0125);
    // 1000 × 128 KiB = 125000 KiB = 0.11920929 GiB.
    expect(storageCost(p, 1000 * 4096, 1000, 30)).toBeCloseTo(((1000 * 128 * 1024) / GiB) * 0.0125, 12);
    // STANDARD bills what is stored.
    expect(storageCost(unitPrices(s3, 'STANDARD', 0.023), 1000 * 4096, 1000, 30)).toBeCloseTo(
      ((1000 * 4096) / GiB) * 0.023,
      12,
    );
  });

  it('per-object monitoring fee: 10,000 objects of 1 MiB a month = $0.025; under 128 KiB none', () => {
    const it = { ...unitPrices(s3, 'STANDARD', 0), monitoring_per_1000_objects_month: 0.0025 };
    const fee = AUTO_TIERING_FEES.s3_intelligent_tiering;
    const p = { ...it, monitoring_min_object_bytes: fee.min_object_bytes };
    expect(storageCost(p, 10_000 * 2 ** 20, 10_000, 30)).toBeCloseTo(0.025, 12);
    expect(storageCost(p, 10_000 * 4096, 10_000, 30)).toBe(0);
  });

  it('access: 10,000 GETs and 50 GiB read from GLACIER_IR = 10 × $0.01 + 50 × $0.03', () => {
    const p = unitPrices(s3, 'GLACIER_IR', 0.004);
    expect(accessCost(p, 10_000, 0, 50 * GiB)).toBeCloseTo(0.1 + 1.5, 12);
    // 2,000 PUTs into COLDLINE: 2 × $0.02 (Class A $0.20 / 10,000).
    expect(accessCost(unitPrices(gs, 'COLDLINE', 0.004), 0, 2000, 0)).toBeCloseTo(0.04, 12);
  });

  it('early deletion: GCS ARCHIVE left after 65 of 365 days bills the 300 days still owed', () => {
    const p = unitPrices(gs, 'ARCHIVE', 0.0012);
    expect(earlyDeletionCost(p, 10 * GiB, 10, 65)).toBeCloseTo(10 * 0.0012 * (300 / 30), 12);
    expect(earlyDeletionCost(p, 10 * GiB, 10, 365)).toBe(0);
    expect(earlyDeletionCost(unitPrices(s3, 'STANDARD', 0.023), 10 * GiB, 10, 0)).toBe(0);
  });

  it('egress: S3 to GCS is internet egress ($0.09), same region free, other region $0.02, on-prem source free', () => {
    expect(egressPerGb(s3, gs)).toBe(0.09);
    expect(egressPerGb(s3, { ...s3 })).toBe(0);
    expect(egressPerGb(s3, { ...s3, region: 'eu-west-1' })).toBe(0.02);
    expect(egressPerGb(gs, file)).toBe(0.12);
    expect(egressPerGb(file, s3)).toBe(0);
    // An S3-compatible store is not list priced: nothing to charge.
    expect(egressPerGb(minio, s3)).toBe(0);
  });

  it('a 1 TiB STANDARD → GLACIER_IR transition of 1024 objects: 1024 COPY + 2 LIST at $0.02/1000', () => {
    const from = unitPrices(s3, 'STANDARD', 0.023);
    const to = unitPrices(s3, 'GLACIER_IR', 0.004);
    const cost = oneTimeMoveCost({ from, to, transition: true, egress_per_gb: 0 }, 1024 * GiB, 1024, 400);
    expect(cost).toBeCloseTo((1026 / 1000) * 0.02, 12);
    // Back again after 30 days: retrieval 1024 × $0.03 + 60/30 × $0.004 × 1024 early deletion + COPY at STANDARD.
    const back = oneTimeMoveCost(
      { from: to, to: from, transition: true, egress_per_gb: 0 },
      1024 * GiB,
      1024,
      30,
    );
    expect(back).toBeCloseTo(1024 * 0.03 + 2 * 0.004 * 1024 + (1026 / 1000) * 0.005, 10);
  });

  it('S3 Intelligent-Tiering: tiers by idle days, no retrieval, no minimum; small objects stay Frequent, unmonitored', () => {
    const p = unitPrices(s3, 'INTELLIGENT_TIERING', 0.023);
    expect(p).toMatchObject({
      retrieval_per_gb: 0,
      min_storage_days: 0,
      monitoring_per_1000_objects_month: 0.0025,
    });
    const MiB = 2 ** 20;
    expect(autoTierPrice(p, 10, 100 * MiB, 100)).toBe(0.023);
    expect(autoTierPrice(p, 35, 100 * MiB, 100)).toBe(0.0125);
    expect(autoTierPrice(p, 90, 100 * MiB, 100)).toBe(0.004);
    expect(autoTierPrice(p, 200, 100 * 4096, 100)).toBe(0.023);
    // 10,000 objects of 1 MiB for a month in Frequent: 9.765625 GiB × $0.023 + 10 × $0.0025.
    expect(storageCost(p, 10_000 * MiB, 10_000, 30)).toBeCloseTo(((10_000 * MiB) / GiB) * 0.023 + 0.025, 12);
  });

  it('GCS Autoclass: Nearline after 30 idle days, or on to Coldline and Archive with the terminal class Archive; any case; operations at Standard rates', () => {
    const MiB = 2 ** 20;
    const nearline = unitPrices(gs, 'AUTOCLASS', 0.02);
    const archive = unitPrices(gs, 'autoclass_archive', 0.02);
    for (const p of [nearline, archive]) {
      expect(p).toMatchObject({
        retrieval_per_gb: 0,
        min_storage_days: 0,
        read_per_1000: 0.0004,
        write_per_1000: 0.005,
        monitoring_per_1000_objects_month: 0.0025,
      });
    }
    expect([10, 45, 100, 400].map((d) => autoTierPrice(nearline, d, 100 * MiB, 100))).toEqual([
      0.02, 0.01, 0.01, 0.01,
    ]);
    expect([10, 45, 100, 400].map((d) => autoTierPrice(archive, d, 100 * MiB, 100))).toEqual([
      0.02, 0.01, 0.004, 0.0012,
    ]);
    // Objects under 128 KiB stay in Standard and pay no management fee.
    expect(autoTierPrice(archive, 400, 100 * 4096, 100)).toBe(0.02);
    // A negotiated Standard price scales the colder steps: $0.016 → Archive at $0.00096.
    expect(autoTierPrice(unitPrices(gs, 'AUTOCLASS_ARCHIVE', 0.016), 400, 100 * MiB, 100)).toBeCloseTo(
      0.00096,
      12,
    );
    // Not a class of S3 or of an S3-compatible store: priced as storage only.
    expect(unitPrices(s3, 'AUTOCLASS', 0.02).auto_tiers).toBeUndefined();
  });

  it('agrees with the itemised moveCost() on any move whose source is retired', () => {
    const sides: [PlacementSide, string, number][] = [
      [s3, 'STANDARD', 0.023],
      [s3, 'STANDARD_IA', 0.0125],
      [s3, 'GLACIER_IR', 0.004],
      [gs, 'NEARLINE', 0.01],
      [gs, 'ARCHIVE', 0.0012],
      [file, 'standard', 0.05],
      [{ ...s3, region: 'eu-west-1' }, 'STANDARD', 0.023],
    ];
    const side = ([s, cls, price]: [PlacementSide, string, number]): CostSide => ({
      ...s,
      storage_class: cls,
      price_per_gb_month: price,
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sides.length - 1 }),
        fc.integer({ min: 0, max: sides.length - 1 }),
        fc.integer({ min: 0, max: 2 ** 45 }),
        fc.integer({ min: 0, max: 50_000 }),
        fc.double({ min: 0, max: 400, noNaN: true }),
        (a, b, bytes, objects, age) => {
          const from = sides[a] as [PlacementSide, string, number];
          const to = sides[b] as [PlacementSide, string, number];
          const transition = a === b || (from[0] === to[0] && from[0].kind !== 'file');
          const itemised = moveCost({
            source: side(from),
            target: side(to),
            bytes,
            objects,
            transition,
            retire_source: true,
            source_age_days: age,
            source_age_basis: 'test',
          }).one_time_total_usd;
          const fast = oneTimeMoveCost(
            {
              from: unitPrices(from[0], from[1], from[2]),
              to: unitPrices(to[0], to[1], to[2]),
              transition,
              egress_per_gb: transition ? 0 : egressPerGb(from[0], to[0]),
            },
            bytes,
            objects,
            age,
          );
          expect(fast).toBeCloseTo(itemised, 9);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('edited prices are checked field by field, with the field named', () => {
    const base = unitPrices(s3, 'STANDARD', 0.023);
    expect(parseUnitPrices({ storage_per_gb_month: 0.02 }, 'prices.hot', base).storage_per_gb_month).toBe(
      0.02,
    );
    expect(() => parseUnitPrices({ storage_per_gb_month: -1 }, 'prices.hot', base)).toThrow(
      /prices\.hot\.storage_per_gb_month must be a number from 0/,
    );
    expect(() => parseUnitPrices({ storage_per_gb_month: '0.02' }, 'prices.hot', base)).toThrow(
      /prices\.hot\.storage_per_gb_month/,
    );
    expect(() => parseUnitPrices({ egress: 1 }, 'prices.hot', base)).toThrow(
      /prices\.hot\.egress is not a price field/,
    );
    expect(() => parseUnitPrices([], 'prices.hot', base)).toThrow(/must be an object/);
  });
});
