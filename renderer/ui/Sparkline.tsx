import type { UsageBucket } from '../../core/contracts/telemetry.ts';

/** Accesses per point over the window, as an SVG polyline; `points` evenly spaced bins. */
export function binUsage(buckets: UsageBucket[], fromMs: number, toMs: number, points: number): number[] {
  const bins = new Array<number>(points).fill(0);
  const span = Math.max(1, toMs - fromMs);
  for (const b of buckets) {
    const t = Date.parse(b.bucket_start);
    const i = Math.floor(((t - fromMs) / span) * points);
    if (i >= 0 && i < points) bins[i] = (bins[i] ?? 0) + b.read_count + b.write_count;
  }
  return bins;
}

export function Sparkline(props: {
  values: number[];
  label: string;
  width?: number;
  height?: number;
  testId?: string;
}) {
  const w = props.width ?? 80;
  const h = props.height ?? 20;
  const max = Math.max(1, ...props.values);
  const n = Math.max(1, props.values.length - 1);
  const pts = props.values.map(
    (v, i) => `${((i / n) * w).toFixed(1)},${(h - 1 - (v / max) * (h - 2)).toFixed(1)}`,
  );
  const total = props.values.reduce((a, b) => a + b, 0);
  return (
    <svg
      className="sparkline"
      width={w}
      height={h}
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      aria-label={`${props.label}: ${total} accesses`}
      data-testid={props.testId}
    >
      <polyline points={pts.join(' ')} fill="none" strokeWidth="1.5" className="sparkline-line" />
    </svg>
  );
}
