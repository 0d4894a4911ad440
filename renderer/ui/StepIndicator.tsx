import type { JobStatus } from '../../core/contracts/jobs.ts';

const STEPS = ['queued', 'copying', 'verifying', 'switching', 'completed'] as const;
type Step = (typeof STEPS)[number];

/** Where a failed or canceled job stopped is not stored per step: its progress says how far copying got. */
function reached(status: JobStatus, fraction: number): { index: number; end: 'failed' | 'canceled' | null } {
  switch (status) {
    case 'failed':
    case 'enqueue_failed':
      return { index: fraction >= 1 ? 2 : fraction > 0 ? 1 : 0, end: 'failed' };
    case 'canceled':
      return { index: fraction > 0 ? 1 : 0, end: 'canceled' };
    default:
      return { index: STEPS.indexOf(status), end: null };
  }
}

/** queued → copying → verifying → switching → completed, or where it failed or was canceled. */
export function StepIndicator(props: { status: JobStatus; fraction: number; testId?: string }) {
  const { index, end } = reached(props.status, props.fraction);
  const label = end ? `${end} during ${STEPS[index] ?? 'queued'}` : props.status;
  return (
    <ol
      className="steps"
      aria-label={`Stage: ${label}`}
      data-testid={props.testId}
      data-status={props.status}
    >
      {STEPS.map((step: Step, i) => {
        const state =
          i < index || (i === index && step === 'completed')
            ? 'done'
            : i === index
              ? (end ?? 'current')
              : 'todo';
        return (
          <li
            key={step}
            className={`step step-${state}`}
            aria-current={state === 'current' ? 'step' : undefined}
          >
            <span className="step-dot" aria-hidden="true" />
            <span className="step-label">{i === index && end ? end : step}</span>
          </li>
        );
      })}
    </ol>
  );
}
