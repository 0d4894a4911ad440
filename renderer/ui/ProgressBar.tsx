import { percent } from './format.ts';

/** A labelled bar (native <progress>: announced by screen readers, no inline style). */
export function ProgressBar(props: {
  fraction: number;
  label: string;
  testId?: string;
  tone?: 'ok' | 'error';
}) {
  const f = Math.max(0, Math.min(1, props.fraction));
  return (
    <progress
      className={`progress-bar${props.tone ? ` progress-${props.tone}` : ''}`}
      max={1}
      value={f}
      aria-label={props.label}
      aria-valuetext={`${props.label}: ${percent(f)}`}
      data-testid={props.testId}
    >
      {percent(f)}
    </progress>
  );
}
