import { useEffect, useState } from 'react';
import { ApiError } from '../../../core/contracts/api-error.ts';
import {
  OBJECT_STATES,
  type JobDetail,
  type JobObjectsPage,
  type ObjectState,
} from '../../../core/contracts/jobs.ts';
import { useActions, useApp } from '../../store/index.ts';
import {
  Badge,
  Dialog,
  StepIndicator,
  formatBytes,
  formatCount,
  formatTime,
  type BadgeTone,
} from '../../ui/index.ts';

const PAGE = 50;
const STATE_TONE: Record<ObjectState, BadgeTone> = {
  pending: 'neutral',
  copied: 'info',
  verified: 'ok',
  mismatch: 'error',
};

/** A job in depth: its status history, and each object's copy and checksums, paged. */
export function JobDrawer(props: { jobId: string; onClose: () => void }) {
  const job = useApp((s) => s.jobs[props.jobId]);
  const name = useApp((s) => (job ? s.datasets[job.dataset_id]?.name : undefined));
  const { jobDetail, jobObjects } = useActions();
  const [detail, setDetail] = useState<JobDetail | null>(null);
  const [objects, setObjects] = useState<JobObjectsPage | null>(null);
  const [state, setState] = useState<ObjectState | ''>('');
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const status = job?.status;
  const done = job?.objects_done;

  // History again whenever the status changes (one request per change, not per progress event).
  useEffect(() => {
    let live = true;
    jobDetail(props.jobId)
      .then((d) => live && setDetail(d))
      .catch((e: unknown) => live && setError(e instanceof ApiError ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [jobDetail, props.jobId, status]);

  useEffect(() => {
    let live = true;
    jobObjects(props.jobId, { limit: PAGE, offset, ...(state ? { state } : {}) })
      .then((p) => live && setObjects(p))
      .catch((e: unknown) => live && setError(e instanceof ApiError ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [jobObjects, props.jobId, state, offset, status, done]);

  const title = `Migration of ${name ?? (job ? `dataset ${job.dataset_id}` : props.jobId)}`;
  return (
    <Dialog open variant="drawer" title={title} onClose={props.onClose} testId="job-drawer">
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      {job && (
        <section aria-label="Summary" className="drawer-summary">
          <StepIndicator status={job.status} fraction={job.progress.fraction} />
          <dl className="kv">
            <dt>Job</dt>
            <dd className="path">{job.job_id}</dd>
            <dt>From</dt>
            <dd className="path">{job.source_uri}</dd>
            <dt>To</dt>
            <dd className="path">
              {job.dest_uri} ({job.dest_storage_class}, {job.dest_tier})
            </dd>
            <dt>Attempts</dt>
            <dd>{job.attempts}</dd>
            <dt>Data</dt>
            <dd>
              {formatBytes(job.bytes_copied)} of {formatBytes(job.bytes_total)} · {job.objects_done}/
              {job.objects_total} objects
            </dd>
          </dl>
          {job.error && (
            <div className="alert" data-testid="job-drawer-error">
              <strong>What failed:</strong> {job.error}
              {job.status === 'failed' && (
                <p className="muted-inline">
                  Retry resumes it: objects already verified are not copied again. Cancel removes what it
                  wrote at the destination; the source is never touched.
                </p>
              )}
            </div>
          )}
        </section>
      )}

      <h3>History</h3>
      <ol className="history" data-testid="job-history">
        {detail?.history.map((h, i) => (
          <li key={i}>
            <Badge tone={h.status === 'failed' ? 'error' : h.status === 'completed' ? 'ok' : 'info'}>
              {h.status}
            </Badge>{' '}
            <span className="muted">{formatTime(h.at)}</span>
            {h.message && <div className="history-message">{h.message}</div>}
          </li>
        ))}
        {!detail && <li className="muted">loading…</li>}
      </ol>

      <h3>Objects</h3>
      {objects && (
        <p className="muted" data-testid="job-object-counts">
          {OBJECT_STATES.map((s) => `${formatCount(objects.counts[s])} ${s}`).join(' · ')}
        </p>
      )}
      <div className="objects-toolbar">
        <label>
          Show{' '}
          <select
            value={state}
            onChange={(e) => {
              setState(e.target.value as ObjectState | '');
              setOffset(0);
            }}
            data-testid="job-objects-state"
          >
            <option value="">all objects</option>
            {OBJECT_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <span className="muted">
          {objects && objects.total > 0
            ? `${offset + 1}–${Math.min(offset + PAGE, objects.total)} of ${formatCount(objects.total)}`
            : 'none'}
        </span>
        <button
          type="button"
          disabled={offset === 0}
          onClick={() => setOffset(Math.max(0, offset - PAGE))}
          data-testid="job-objects-prev"
        >
          Previous
        </button>
        <button
          type="button"
          disabled={!objects || offset + PAGE >= objects.total}
          onClick={() => setOffset(offset + PAGE)}
          data-testid="job-objects-next"
        >
          Next
        </button>
      </div>
      <table className="data" data-testid="job-objects">
        <thead>
          <tr>
            <th scope="col">Object</th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">State</th>
            <th scope="col">CRC32C source / destination</th>
            <th scope="col" className="num">
              Copies
            </th>
          </tr>
        </thead>
        <tbody>
          {objects?.items.map((o) => (
            <tr key={o.rel_path} data-state={o.state}>
              <td className="path">{o.rel_path}</td>
              <td className="num">{formatBytes(o.size_bytes)}</td>
              <td>
                <Badge tone={STATE_TONE[o.state]}>{o.state}</Badge>
              </td>
              <td className="path">
                {o.src_crc32c ?? '—'} / {o.dst_crc32c ?? '—'}
              </td>
              <td className="num">{o.copy_count}</td>
            </tr>
          ))}
          {objects?.items.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No objects listed yet: the copy lists the source when it starts.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </Dialog>
  );
}
