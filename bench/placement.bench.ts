// Replay benchmark of the placement engine against S3 Intelligent-Tiering, GCS Autoclass,
// the seed's recency rule, always-hot and the clairvoyant optimum:
//   npm run bench:placement -- --trace FILE.csv[.gz] [--sizes FILE.csv] [--time-scale N]
//     [--cloud s3|gs] [--tick-hours H] [--prices FILE.json] [--lifecycle-only] [--no-forecasts]
//     [--json] [--save FILE.json]
// The engine and the optimum may also choose a class that tiers itself: INTELLIGENT_TIERING in
// S3, an Autoclass bucket in GCS (--lifecycle-only: not).
// --prices edits the bucket's prices per tier: {"cold": {"retrieval_per_gb": 0.05}} (fields of
// UnitPrices in core/placement/unit-prices.ts; the rest stay list prices).
// Trace format and dataset grouping: core/placement/replay/trace.ts. Two cases are printed:
// "small" sizes every dataset as the trace derives it (requests dominate), "large" takes
// the --sizes file (without one: the derived size × 1024). With --json the last line is
// {"policies": {...}} for the --sizes case (the small one without --sizes); the line before
// holds both cases and the targets.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { resolveConfig } from '../core/config.ts';
import { DataMotionError } from '../core/errors.ts';
import { DEFAULT_PLACEMENT } from '../core/placement/placement-config.ts';
import {
  POLICY_NAMES,
  checkTargets,
  replay,
  type ReplayCase,
  type ReplayOptions,
} from '../core/placement/replay/replay.ts';
import { DAY_MS, parsePriceEdits } from '../core/placement/replay/simulate.ts';
import type { CloudKind } from '../core/placement/price-table.ts';
import { parseSizes, parseTrace, type SizeRow } from '../core/placement/replay/trace.ts';

const LARGE_FACTOR = 1024;

const readText = (file: string): string => {
  const buf = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
};

const readJson = (file: string): unknown => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new DataMotionError('invalid_input', `--prices ${file}: ${(e as Error).message}`, 'prices');
  }
};

const usd = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(4));

function printCase(title: string, c: ReplayCase, cloud: CloudKind): void {
  console.log(
    `\n## ${title}: ${c.datasets} datasets, ${(c.bytes / 2 ** 30).toFixed(1)} GiB, ${c.ticks} ticks`,
  );
  const head = [
    'policy',
    'total $',
    'storage',
    'monitor',
    'requests',
    'retrieval',
    'migrations',
    'early del',
    'SLO miss',
    'moves',
    '× opt',
  ];
  const rows = POLICY_NAMES.map((n) => {
    const p = c.policies[n];
    return [
      n,
      usd(p.total),
      usd(p.storage),
      usd(p.monitoring),
      usd(p.requests),
      usd(p.retrieval),
      usd(p.migrations),
      usd(p.early_deletion),
      String(p.slo_misses),
      String(p.moves),
      c.policies.optimum.total > 0 ? (p.total / c.policies.optimum.total).toFixed(3) : '-',
    ];
  });
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) =>
    r.map((x, i) => (i === 0 ? x.padEnd(w[i] as number) : x.padStart(w[i] as number))).join('  ');
  console.log(`  ${line(head)}`);
  for (const r of rows) console.log(`  ${line(r)}`);
  const e = c.engine;
  console.log(
    `  forecasts: ${e.with_forecast} of ${e.decisions} engine decisions priced by a trained forecast ` +
      `(${e.datasets_with_forecast} of ${c.datasets} datasets), the rest by the recency heuristic`,
  );
  const t = checkTargets(c.policies, cloud);
  console.log(
    `  target: datamotion ${t.vs_best_rule.toFixed(3)}× best rule baseline (${t.best_rule_baseline}; target ≤ 0.8), ` +
      `${t.vs_optimum.toFixed(3)}× optimum (target ≤ 1.15), SLO misses ${c.policies.datamotion.slo_misses} vs ` +
      `${c.policies[t.best_rule_baseline].slo_misses} → ${t.met ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `  context: the optimum is ${t.optimum_vs_best_rule.toFixed(3)}× the best rule` +
      (t.optimum_vs_best_rule > 0.8 ? ' (so ≤ 0.8 is out of reach on this trace)' : '') +
      `; datamotion is ${t.vs_same_cloud_rule.toFixed(3)}× ${t.same_cloud_rule}, the rule of the bucket it is billed in`,
  );
}

const compact = (c: ReplayCase) =>
  Object.fromEntries(
    POLICY_NAMES.map((n) => [
      n,
      { total_cost: c.policies[n].total, slo_misses: c.policies[n].slo_misses, moves: c.policies[n].moves },
    ]),
  );

export function main(argv = process.argv.slice(2)): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      trace: { type: 'string' },
      sizes: { type: 'string' },
      'time-scale': { type: 'string', default: '1' },
      cloud: { type: 'string', default: 's3' },
      'tick-hours': { type: 'string', default: '24' },
      json: { type: 'boolean', default: false },
      'horizon-days': { type: 'string', default: String(DEFAULT_PLACEMENT.horizonDays) },
      hysteresis: { type: 'string', default: String(DEFAULT_PLACEMENT.hysteresis) },
      save: { type: 'string' },
      prices: { type: 'string' },
      'lifecycle-only': { type: 'boolean', default: false },
      'no-forecasts': { type: 'boolean', default: false },
    },
  });
  if (!values.trace) throw new DataMotionError('invalid_input', '--trace FILE.csv is required', 'trace');
  const cloud = values.cloud === 'gs' || values.cloud === 'gcs' ? 'gs' : values.cloud === 's3' ? 's3' : null;
  if (!cloud)
    throw new DataMotionError('invalid_input', `--cloud must be s3 or gs, got ${values.cloud}`, 'cloud');
  const tickHours = Number(values['tick-hours']);
  if (!(tickHours > 0)) {
    throw new DataMotionError(
      'invalid_input',
      `--tick-hours must be > 0, got ${values['tick-hours']}`,
      'tick-hours',
    );
  }
  const started = performance.now();
  const trace = parseTrace(readText(values.trace), Number(values['time-scale']));
  const sizes = values.sizes ? parseSizes(readText(values.sizes)) : null;
  if (sizes) {
    const missing = trace.datasets.find((d) => !sizes.has(d.name));
    if (missing) {
      throw new DataMotionError(
        'invalid_input',
        `--sizes has no row for dataset "${missing.name}" of the trace`,
        'sizes',
      );
    }
  }
  const config = resolveConfig({ dataDir: '/nonexistent-unused' });
  const opts: ReplayOptions = {
    cloud,
    tickMs: tickHours * 3_600_000,
    bucketMs: config.bucketSeconds * 1000,
    engine: {
      horizonDays: Number(values['horizon-days']),
      hysteresis: Number(values.hysteresis),
      minDwellMs: DEFAULT_PLACEMENT.minDwellDays * DAY_MS,
      activeWindowMs: config.recency.hot_max_age_s * 1000,
      // The engine decides once a tick here, so it moves returning data back a tick later.
      reactionMs: tickHours * 3_600_000,
    },
    recency: config.recency,
    tierLatencyMs: config.tierLatencyMs,
    prices: values.prices ? parsePriceEdits(readJson(values.prices), cloud) : {},
    // A class that tiers itself is one more placement for the engine and the optimum.
    autoTiering: !values['lifecycle-only'],
    // Forecasts trained as production trains them (every 24 h), used where they won.
    retrainMs: values['no-forecasts'] ? null : DEFAULT_PLACEMENT.retrainIntervalMs,
  };
  const small = replay(trace, opts, (_n, derived): SizeRow => ({
    bytes: derived,
    slo_ms: sizes?.get(_n)?.slo_ms ?? null,
  }));
  const large = replay(
    trace,
    opts,
    (n, derived): SizeRow => sizes?.get(n) ?? { bytes: derived * LARGE_FACTOR, slo_ms: null },
  );
  const days = (trace.end - trace.start) / DAY_MS;
  console.log(
    `# placement replay: ${values.trace}, ${trace.lines} events, ${trace.datasets.length} datasets, ` +
      `${days.toFixed(1)} days (time scale ${values['time-scale']}), ${cloud} list prices, ticks of ${tickHours} h`,
  );
  printCase('small: sizes derived from the trace', small, cloud);
  printCase(
    sizes ? `large: sizes from ${values.sizes}` : `large: derived sizes × ${LARGE_FACTOR}`,
    large,
    cloud,
  );
  console.log(`\n  replayed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const primary = sizes ? large : small;
  const result = {
    policies: compact(primary),
    cases: { small: compact(small), large: compact(large) },
    targets: { small: checkTargets(small.policies, cloud), large: checkTargets(large.policies, cloud) },
  };
  if (values.save) {
    const saved = {
      trace: values.trace,
      sizes: values.sizes ?? null,
      time_scale: Number(values['time-scale']),
      cloud,
      tick_hours: tickHours,
      events: trace.lines,
      small: { ...small, targets: result.targets.small },
      large: { ...large, targets: result.targets.large },
    };
    writeFileSync(values.save, `${JSON.stringify(saved, null, 2)}\n`);
  }
  if (values.json) {
    // Both cases and the targets on the line before; the last line is exactly the shape.
    console.log(JSON.stringify({ cases: result.cases, targets: result.targets }));
    console.log(JSON.stringify({ policies: result.policies }));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main();
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
