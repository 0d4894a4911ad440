import { percent } from './format.ts';

const R = 9;
const C = 2 * Math.PI * R;

/** A small ring for a job in flight on a card; SVG attributes only (the CSP allows no inline style). */
export function ProgressRing(props: { fraction: number; label: string; testId?: string; size?: number }) {
  const f = Math.max(0, Math.min(1, props.fraction));
  const size = props.size ?? 24;
  return (
    <svg
      className="progress-ring"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      role="img"
      aria-label={`${props.label}: ${percent(f)}`}
      data-testid={props.testId}
    >
      <circle className="progress-ring-track" cx="12" cy="12" r={R} fill="none" strokeWidth="3" />
      <circle
        className="progress-ring-value"
        cx="12"
        cy="12"
        r={R}
        fill="none"
        strokeWidth="3"
        strokeDasharray={C}
        strokeDashoffset={C * (1 - f)}
        transform="rotate(-90 12 12)"
        strokeLinecap="round"
      />
    </svg>
  );
}
