import { memo, useState } from 'react';
import { ApiError } from '../../../core/contracts/api-error.ts';
import { useActions, useApp } from '../../store/index.ts';
import {
  Badge,
  ProgressBar,
  StepIndicator,
  formatBytes,
  formatDuration,
  formatRate,
  formatTime,
  percent,
} from '../../ui/index.ts';
import { CANCELABLE, RETRYABLE } from './job-actions.ts';

/** One job: stage, progress with bytes, throughput and ETA, and what can be done about it. */
export const JobRow = memo(function JobRow(props: { jobId: string; onOpen: (jobId: string) => void }) {
  const job = useApp((s) => s.jobs[props.jobId]);
  const name = useApp((s) => (job ? s.datasets[job.dataset_id]?.name : undefined));
  const { cancelJob, retryJob } = useActions();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!job) return null;
  const p = job.progress;
  const active = ['copying', 'verifying', 'switching'].includes(job.status);
  const failed = job.status === 'failed' || job.status === 'enqueue_failed';
  const label = name ?? `dataset ${job.dataset_id}`;

  const act = (f: (id: string) => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    f(job.job_id)
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)))
      .finally(() => setBusy(false));
  };

  return (
    <li className={`job-row job-${job.status}`} data-testid={`job-${job.job_id}`} data-status={job.status}>
      <div className="job-what">
        <div className="job-title">
          <strong>{label}</strong> <Badge tone={job.dest_tier}>{job.dest_tier}</Badge>{' '}
          <span className="muted">
            → {job.dest_location} ({job.dest_storage_class})
          </span>
        </div>
        <div className="path muted" title={`${job.source_uri} → ${job.dest_uri}`}>
          {job.source_uri} → {job.dest_uri}
        </div>
        <div className="muted job-when">submitted {formatTime(job.submitted_at)}</div>
      </div>
      <div className="job-progress">
        <StepIndicator status={job.status} fraction={p.fraction} testId={`job-steps-${job.job_id}`} />
        <ProgressBar
          fraction={job.status === 'completed' ? 1 : p.fraction}
          label={`${label} ${job.status}`}
          tone={failed ? 'error' : job.status === 'completed' ? 'ok' : undefined}
          testId={`job-progress-${job.job_id}`}
        />
        <div className="job-numbers" data-testid={`job-numbers-${job.job_id}`}>
          <span>
            {job.status === 'verifying' ? 'verified ' : ''}
            {percent(job.status === 'completed' ? 1 : p.fraction)} · {formatBytes(job.bytes_copied)} of{' '}
            {formatBytes(job.bytes_total)}
          </span>
          <span>
            {job.objects_done}/{job.objects_total} objects
          </span>
          {active && <span>{formatRate(p.throughput_bps)}</span>}
          {active && p.eta_s != null && <span>ETA {formatDuration(p.eta_s)}</span>}
        </div>
        {job.error && (
          <p className="job-error" data-testid={`job-error-${job.job_id}`}>
            {job.error}
          </p>
        )}
        {error && (
          <p className="job-error" role="alert">
            {error}
          </p>
        )}
      </div>
      <div className="job-actions">
        {CANCELABLE.includes(job.status) && (
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => act(cancelJob)}
            aria-label={`Cancel migration of ${label}`}
            data-testid={`job-cancel-${job.job_id}`}
          >
            Cancel
          </button>
        )}
        {RETRYABLE.includes(job.status) && (
          <button
            type="button"
            disabled={busy}
            onClick={() => act(retryJob)}
            aria-label={`Retry migration of ${label}`}
            data-testid={`job-retry-${job.job_id}`}
          >
            Retry
          </button>
        )}
        <button
          type="button"
          onClick={() => props.onOpen(job.job_id)}
          aria-label={`Details of the migration of ${label}`}
          data-testid={`job-details-${job.job_id}`}
        >
          Details
        </button>
      </div>
    </li>
  );
});
