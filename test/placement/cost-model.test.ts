import { describe, expect, it } from 'vitest';
import {
  billedGb,
  moveCost,
  writesPerObject,
  type CostSide,
  type MoveCostInput,
  type OneTimeKind,
} from '../../core/placement/cost-model.ts';
import { PRICE_TABLE, classPrice, defaultTiers } from '../../core/placement/price-table.ts';

// Every expected number below is computed by hand from the list prices in price-table.ts.
const GiB = 2 ** 30;
const TiB = 2 ** 40;

const side = (over: Partial<CostSide> & Pick<CostSide, 'kind'>): CostSide => ({
  endpoint: null,
  region: null,
  storage_class: null,
  price_per_gb_month: 0,
  ...over,
});
const s3 = (cls: string, price: number, over: Partial<CostSide> = {}) =>
  side({ kind: 's3', storage_class: cls, price_per_gb_month: price, ...over });
const gs = (cls: string, price: number, over: Partial<CostSide> = {}) =>
  side({ kind: 'gs', storage_class: cls, price_per_gb_month: price, region: 'us-central1', ...over });
const file = (cls: string, price: number) =>
  side({ kind: 'file', storage_class: cls, price_per_gb_month: price });

const move = (over: Partial<MoveCostInput> & Pick<MoveCostInput, 'source' | 'target'>): MoveCostInput => ({
  bytes: TiB,
  objects: 1024,
  transition: false,
  retire_source: false,
  source_age_days: 365,
  source_age_basis: 'test',
  ...over,
});
const line = (r: ReturnType<typeof moveCost>, kind: OneTimeKind) => r.one_time.filter((c) => c.kind === kind);

describe('price table', () => {
  it('names a source page and a date for every class, and fills tier maps with the cloud defaults', () => {
    for (const p of Object.values(PRICE_TABLE)) {
      expect(p.egress_source).toMatch(/^https:\/\//);
      for (const c of Object.values(p.classes)) {
        expect(c.source).toMatch(/^https:\/\//);
        expect(c.as_of).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
    }

    expect(defaultTiers('s3')).toEqual({
      hot: { storage_class: 'STANDARD', price_per_gb_month: 0.023 },
      warm: { storage_class: 'STANDARD_IA', price_per_gb_month: 0.0125 },
      cold: { storage_class: 'GLACIER_IR', price_per_gb_month: 0.004 },
    });
    expect(defaultTiers('gs')).toEqual({
      hot: { storage_class: 'STANDARD', price_per_gb_month: 0.02 },
      warm: { storage_class: 'NEARLINE', price_per_gb_month: 0.01 },
      cold: { storage_class: 'COLDLINE', price_per_gb_month: 0.004 },
    });
    expect(classPrice('gs', 'nearline')?.min_storage_days).toBe(30);
    expect(classPrice('s3', 'REDUCED_REDUNDANCY')).toBeUndefined();
  });
});

describe('cost of a move', () => {
  it('1 TiB S3 STANDARD → GCS NEARLINE: internet egress on 1024 GB, requests on both sides, both copies billed', () => {
    const r = moveCost(move({ source: s3('STANDARD', 0.023), target: gs('NEARLINE', 0.01) }));

    expect(line(r, 'egress')).toEqual([
      expect.objectContaining({ amount_usd: 1024 * 0.09, price_used: 0.09, quantity: 1024, unit: 'USD/GB' }),
    ]);
    expect(line(r, 'retrieval')).toEqual([]);
    expect(line(r, 'early_deletion')).toEqual([]);
    // 1024 objects of 1 GiB: each is a create + 128 parts of 8 MiB + a complete = 130 writes.
    const requests = line(r, 'requests').map((c) => [c.quantity, c.price_used]);
    expect(requests).toEqual([
      [1024, 0.0004], // GET at S3
      [4, 0.005], // 2 listings of 2 pages at S3
      [1024 * 130 + 2, 0.01], // uploads + a 2-page listing at GCS (NEARLINE Class A)
      [1024, 0.001], // HEAD at GCS (NEARLINE Class B)
    ]);
    expect(r.monthly_before_usd).toBeCloseTo(1024 * 0.023, 10);
    // Without retire_source the S3 copy stays (secondary) and is still billed: no saving.
    expect(r.monthly_after_usd).toBeCloseTo(1024 * 0.01 + 1024 * 0.023, 10);
    expect(r.payback_months).toBeNull();
    expect(r.one_time_total_usd).toBeCloseTo(
      92.16 + 1.024 * 0.0004 + 0.004 * 0.005 + 133.122 * 0.01 + 1.024 * 0.001,
      10,
    );
  });

  it('retiring the source: the saving pays the one-time cost back', () => {
    const r = moveCost(
      move({ source: s3('STANDARD', 0.023), target: gs('NEARLINE', 0.01), retire_source: true }),
    );

    expect(r.monthly_after_usd).toBeCloseTo(10.24, 10);
    const saving = 23.552 - 10.24;
    expect(r.payback_months).toBeCloseTo(r.one_time_total_usd / saving, 10);
    expect(r.early_deletion_usd).toBe(0); // STANDARD has no minimum duration
  });

  it('early deletion of STANDARD_IA retired after 10 of its 30 days: 20/30 × price × GB, plus retrieval', () => {
    const r = moveCost(
      move({
        source: s3('STANDARD_IA', 0.0125),
        target: file('standard', 0.03),
        bytes: 100 * GiB,
        objects: 100,
        retire_source: true,
        source_age_days: 10,
      }),
    );

    expect(r.early_deletion_usd).toBeCloseTo((20 / 30) * 0.0125 * 100, 10);
    expect(line(r, 'early_deletion')[0]?.basis).toContain('remaining 20 days');
    expect(line(r, 'retrieval')[0]).toMatchObject({ price_used: 0.01, quantity: 100 });
    expect(line(r, 'retrieval')[0]?.amount_usd).toBeCloseTo(1, 10);
    // S3 to on-prem is internet egress.
    expect(line(r, 'egress')[0]?.amount_usd).toBeCloseTo(9, 10);
  });

  it('no early deletion when the source is kept, or once the minimum has passed', () => {
    const base = {
      source: s3('GLACIER_IR', 0.004),
      target: file('standard', 0.03),
      bytes: 100 * GiB,
      objects: 100,
    };

    expect(moveCost(move({ ...base, source_age_days: 10 })).early_deletion_usd).toBe(0);
    expect(moveCost(move({ ...base, retire_source: true, source_age_days: 90 })).early_deletion_usd).toBe(0);
    expect(
      moveCost(move({ ...base, retire_source: true, source_age_days: 45 })).early_deletion_usd,
    ).toBeCloseTo((45 / 30) * 0.004 * 100, 10);
  });

  it('an in-place GCS NEARLINE → COLDLINE transition: retrieval, early deletion and rewrites, no egress', () => {
    const r = moveCost(
      move({
        source: gs('NEARLINE', 0.01),
        target: gs('COLDLINE', 0.004),
        bytes: 10 * GiB,
        objects: 2500,
        transition: true,
        source_age_days: 10,
      }),
    );

    expect(line(r, 'egress')).toEqual([]);
    expect(line(r, 'retrieval')[0]?.amount_usd).toBeCloseTo(10 * 0.01, 10);
    expect(r.early_deletion_usd).toBeCloseTo((20 / 30) * 0.01 * 10, 10);
    // One rewrite per object + 3 listing pages, at COLDLINE's Class A price.
    expect(line(r, 'requests').map((c) => [c.quantity, c.price_used])).toEqual([[2503, 0.02]]);
    // The object is replaced, so only the new class is billed afterwards.
    expect(r.monthly_after_usd).toBeCloseTo(10 * 0.004, 10);
    expect(r.payback_months).toBeCloseTo(r.one_time_total_usd / (0.1 - 0.04), 10);
  });

  it('file → file: storage from the tier maps, nothing else', () => {
    const r = moveCost(
      move({
        source: file('standard', 0.1),
        target: file('archive', 0.01),
        bytes: 50 * GiB,
        retire_source: true,
      }),
    );

    expect(r.one_time).toEqual([]);
    expect(r.monthly_before_usd).toBeCloseTo(5, 10);
    expect(r.monthly_after_usd).toBeCloseTo(0.5, 10);
    expect(r.payback_months).toBe(0);
  });

  it('egress inside S3: free in one region, inter-region otherwise (with a note that prices differ there)', () => {
    const same = moveCost(
      move({ source: s3('STANDARD', 0.023), target: s3('STANDARD', 0.023, { region: 'us-east-1' }) }),
    );
    const other = moveCost(
      move({ source: s3('STANDARD', 0.023), target: s3('STANDARD', 0.023, { region: 'us-west-2' }) }),
    );

    expect(line(same, 'egress')).toEqual([expect.objectContaining({ amount_usd: 0, price_used: 0 })]);
    expect(line(other, 'egress')[0]).toMatchObject({ price_used: 0.02 });
    expect(line(other, 'egress')[0]?.amount_usd).toBeCloseTo(1024 * 0.02, 10);
    expect(other.notes).toContain('S3 prices are us-east-1 list prices; us-west-2 may differ');
  });

  it('an S3-compatible store (MinIO) is priced from its tier map only, and says so', () => {
    const minio = s3('STANDARD', 0.005, { endpoint: 'http://127.0.0.1:9000' });
    const r = moveCost(
      move({ source: minio, target: file('standard', 0.03), retire_source: true, source_age_days: 0 }),
    );

    expect(r.one_time).toEqual([]);
    expect(r.monthly_before_usd).toBeCloseTo(1024 * 0.005, 10);
    expect(r.notes.join(' ')).toMatch(
      /egress from the S3-compatible store at http:\/\/127\.0\.0\.1:9000 is not priced/,
    );
  });

  it('S3 IA bills small objects as 128 KiB; multipart counts parts from the average object size', () => {
    const ia = classPrice('s3', 'STANDARD_IA');

    expect(billedGb(1000 * 1024, 1000, ia)).toBeCloseTo((1000 * 128 * 1024) / GiB, 12);
    expect(billedGb(1000 * 1024, 1000, classPrice('s3', 'STANDARD'))).toBeCloseTo((1000 * 1024) / GiB, 12);
    expect(writesPerObject(8 * 2 ** 20)).toBe(1);
    expect(writesPerObject(8 * 2 ** 20 + 1)).toBe(4); // create, 2 parts, complete
  });

  it('warns that a Glacier Flexible Retrieval source must be restored first', () => {
    const r = moveCost(move({ source: s3('GLACIER', 0.0036), target: file('standard', 0.03) }));

    expect(r.notes.join(' ')).toContain('GLACIER objects must be restored');
  });
});
