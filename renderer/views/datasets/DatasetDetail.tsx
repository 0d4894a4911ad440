import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { ApiError } from '../../../core/contracts/api-error.ts';
import type { Dataset, DatasetDetail, DatasetPatch } from '../../../core/contracts/datasets.ts';
import { OPEN_STATUSES, type Job } from '../../../core/contracts/jobs.ts';
import { selectJobsNewestFirst, useActions, useApp, useClient, useUsage } from '../../store/index.ts';
import { USAGE_WINDOW_MS } from '../../store/store.ts';
import { href } from '../../app/router.ts';
import {
  Badge,
  type BadgeTone,
  FieldError,
  formatBytes,
  formatCount,
  formatTime,
  isFieldError,
  percent,
  TimeAreaChart,
} from '../../ui/index.ts';
import { readWriteRows } from '../costs/activity.ts';
import { DatasetAudit } from './DatasetAudit.tsx';

const asApiError = (e: unknown) => (e instanceof ApiError ? e : new ApiError('internal', String(e)));

/** `#/datasets?id=N`: fields, edit, replicas, this dataset's migrations and its access over time. */
export function DatasetDetailView({ id }: { id: number }) {
  const d = useApp((s) => s.datasets[id]);
  const load = useApp((s) => s.load);
  const client = useClient();
  const [detail, setDetail] = useState<DatasetDetail | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const version = d?.updated_at;

  // Replicas are not in the list: read the detail, and again when the dataset changes.
  useEffect(() => {
    let live = true;
    client['datasets/get'](id).then(
      (r) => {
        if (!live) return;
        setDetail(r);
        setError(null);
      },
      (e: unknown) => live && setError(asApiError(e)),
    );
    return () => {
      live = false;
    };
  }, [client, id, version]);

  const shown: Dataset | undefined = d ?? detail ?? undefined;
  return (
    <section
      className="view dataset-detail"
      data-testid="view-dataset-detail"
      aria-labelledby="dataset-title"
    >
      <a className="detail-back" href={href('datasets')} data-testid="dataset-back">
        ← All datasets
      </a>
      {!shown ? (
        error ? (
          <p className="alert" role="alert" data-testid="dataset-error">
            {error.message}
          </p>
        ) : (
          <p className="empty">{load.status === 'loading' ? 'Loading…' : `Reading dataset ${id}…`}</p>
        )
      ) : (
        <>
          <div className="view-header">
            <h1 id="dataset-title" data-testid="dataset-name">
              {shown.name}
            </h1>
            <Badge tone={shown.current_tier}>{shown.current_tier}</Badge>
            <span className="muted">
              on {shown.location} · id {shown.id}
            </span>
          </div>
          <Fields d={shown} />
          <EditForm d={shown} onSaved={setDetail} />
          <div className="detail-grid">
            <Replicas detail={detail} error={error} />
            <Jobs datasetId={id} />
          </div>
          <UsageChart datasetId={id} name={shown.name} />
          <DatasetAudit datasetId={id} />
        </>
      )}
    </section>
  );
}

function Fields({ d }: { d: Dataset }) {
  return (
    <dl className="facts section" data-testid="dataset-fields">
      <div>
        <dt>Path</dt>
        <dd className="path" data-testid="dataset-path">
          {d.path_uri}
        </dd>
      </div>
      <div>
        <dt>Storage class</dt>
        <dd>{d.storage_class ?? '—'}</dd>
      </div>
      <div>
        <dt>Size</dt>
        <dd>{formatBytes(d.size_bytes)}</dd>
      </div>
      <div>
        <dt>Objects</dt>
        <dd>{formatCount(d.object_count)}</dd>
      </div>
      <div>
        <dt>Owner</dt>
        <dd data-testid="dataset-owner">{d.owner ?? '—'}</dd>
      </div>
      <div>
        <dt>Latency SLO</dt>
        <dd data-testid="dataset-slo">{d.latency_slo_ms == null ? '—' : `${d.latency_slo_ms} ms`}</dd>
      </div>
      <div>
        <dt>Last access</dt>
        <dd>{d.last_access_ts ? formatTime(d.last_access_ts) : 'never'}</dd>
      </div>
      <div>
        <dt>Created / updated</dt>
        <dd>
          {formatTime(d.created_at)} / {formatTime(d.updated_at)}
        </dd>
      </div>
    </dl>
  );
}

const FIELDS = ['name', 'owner', 'latency_slo_ms'];

/** Name, owner and SLO: only what changed is sent; the server's message sits by its field. */
function EditForm({ d, onSaved }: { d: Dataset; onSaved: (detail: DatasetDetail) => void }) {
  const client = useClient();
  const { apply } = useActions();
  const ids = { name: useId(), owner: useId(), slo: useId() };
  const initial = useMemo(
    () => ({
      name: d.name,
      owner: d.owner ?? '',
      slo: d.latency_slo_ms == null ? '' : String(d.latency_slo_ms),
    }),
    [d.name, d.owner, d.latency_slo_ms],
  );
  const [form, setForm] = useState(initial);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  // Saved here or changed elsewhere (a dataset.updated event): the form shows the new values.
  useEffect(() => setForm(initial), [initial]);

  const patch: DatasetPatch = {};
  if (form.name !== initial.name) patch.name = form.name;
  if (form.owner.trim() !== initial.owner) patch.owner = form.owner.trim() || null;
  if (form.slo.trim() !== initial.slo)
    patch.latency_slo_ms = form.slo.trim() === '' ? null : Number(form.slo);
  const dirty = Object.keys(patch).length > 0;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setSaving(true);
    setError(null);
    setSaved(false);
    try {
      const detail = await client['datasets/patch'](d.id, patch);
      // The event will say the same; apply it now so the page does not wait for the stream.
      apply({ type: 'dataset.updated', dataset: detail });
      onSaved(detail);
      setSaved(true);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setSaving(false);
    }
  };
  const general = error && !isFieldError(error, FIELDS) ? error : null;
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => {
    setSaved(false);
    setForm({ ...form, [k]: e.target.value });
  };

  return (
    <form
      className="section"
      onSubmit={(e) => void onSubmit(e)}
      aria-labelledby="edit-title"
      data-testid="dataset-edit"
      noValidate
    >
      <h2 id="edit-title">Edit</h2>
      {general && (
        <p className="alert" role="alert" data-testid="dataset-edit-error">
          {general.message}
        </p>
      )}
      <div className="edit-form">
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input
            id={ids.name}
            type="text"
            value={form.name}
            onChange={set('name')}
            aria-invalid={error?.fieldName === 'name'}
            data-testid="dataset-edit-name"
          />
          <FieldError error={error} field="name" />
        </div>
        <div className="field">
          <label htmlFor={ids.owner}>Owner</label>
          <input
            id={ids.owner}
            type="text"
            value={form.owner}
            onChange={set('owner')}
            aria-invalid={error?.fieldName === 'owner'}
            data-testid="dataset-edit-owner"
          />
          <FieldError error={error} field="owner" />
        </div>
        <div className="field">
          <label htmlFor={ids.slo}>Latency SLO (ms)</label>
          <input
            id={ids.slo}
            type="number"
            inputMode="decimal"
            min={0}
            value={form.slo}
            onChange={set('slo')}
            aria-invalid={error?.fieldName === 'latency_slo_ms'}
            aria-describedby={`${ids.slo}-hint`}
            data-testid="dataset-edit-slo"
          />
          <span id={`${ids.slo}-hint`} className="muted hint">
            First-byte latency; empty for none.
          </span>
          <FieldError error={error} field="latency_slo_ms" />
        </div>
        <div className="form-actions">
          <button
            type="submit"
            className="primary"
            disabled={!dirty || saving}
            data-testid="dataset-edit-save"
          >
            {saving ? 'Saving…' : 'Save'}
          </button>
          <button
            type="button"
            disabled={!dirty || saving}
            onClick={() => {
              setForm(initial);
              setError(null);
            }}
            data-testid="dataset-edit-reset"
          >
            Reset
          </button>
          {saved && (
            <span className="success" role="status" data-testid="dataset-edit-saved">
              Saved.
            </span>
          )}
        </div>
      </div>
    </form>
  );
}

function Replicas({ detail, error }: { detail: DatasetDetail | null; error: ApiError | null }) {
  return (
    <section className="section" aria-labelledby="replicas-title" data-testid="dataset-replicas">
      <h2 id="replicas-title">Replicas</h2>
      {!detail ? (
        <p className="muted">{error ? error.message : 'Reading…'}</p>
      ) : detail.replicas.length === 0 ? (
        <p className="muted">No replicas recorded.</p>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Location</th>
              <th scope="col">URI</th>
              <th scope="col">Class</th>
              <th scope="col">Tier</th>
            </tr>
          </thead>
          <tbody>
            {detail.replicas.map((r) => (
              <tr key={r.id} data-testid={`replica-${r.id}`} data-role={r.role}>
                <td>
                  <Badge tone={r.role === 'primary' ? 'ok' : r.role === 'retired' ? 'neutral' : 'info'}>
                    {r.role}
                  </Badge>
                </td>
                <td>{r.location}</td>
                <td className="path">{r.uri}</td>
                <td>{r.storage_class ?? '—'}</td>
                <td>{r.tier ? <Badge tone={r.tier}>{r.tier}</Badge> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const statusTone = (s: Job['status']): BadgeTone =>
  s === 'completed'
    ? 'ok'
    : s === 'failed' || s === 'enqueue_failed'
      ? 'error'
      : s === 'canceled'
        ? 'neutral'
        : 'info';

function Jobs({ datasetId }: { datasetId: number }) {
  const jobs = useApp((s) => s.jobs);
  const mine = selectJobsNewestFirst(jobs).filter((j) => j.dataset_id === datasetId);
  return (
    <section className="section" aria-labelledby="jobs-title" data-testid="dataset-jobs">
      <h2 id="jobs-title">Migrations</h2>
      {mine.length === 0 ? (
        <p className="muted">No migrations of this dataset.</p>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Submitted</th>
              <th scope="col">To</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {mine.map((j) => (
              <tr key={j.job_id} data-testid={`dataset-job-${j.job_id}`} data-status={j.status}>
                <td>{formatTime(j.submitted_at)}</td>
                <td>
                  {j.dest_location} <Badge tone={j.dest_tier}>{j.dest_tier}</Badge>{' '}
                  <span className="muted">{j.dest_storage_class}</span>
                </td>
                <td>
                  <Badge tone={statusTone(j.status)}>{j.status}</Badge>
                  {OPEN_STATUSES.includes(j.status) && (
                    <span className="muted"> {percent(j.progress.fraction)}</span>
                  )}
                </td>
                <td>
                  <a href={href('queue', { job: j.job_id })} data-testid={`dataset-job-open-${j.job_id}`}>
                    Details
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const READ_WRITE_SERIES = [
  { key: 'reads', name: 'reads', color: 'var(--series-1)' },
  { key: 'writes', name: 'writes', color: 'var(--series-4)' },
];

function UsageChart({ datasetId, name }: { datasetId: number; name: string }) {
  const usage = useUsage(datasetId);
  const to = usage?.fetchedAt || Date.now();
  const from = to - USAGE_WINDOW_MS;
  const rows = useMemo(() => readWriteRows(usage?.buckets ?? [], from, to, 36), [usage, from, to]);
  const reads = rows.reduce((a, r) => a + r.reads, 0);
  const writes = rows.reduce((a, r) => a + r.writes, 0);
  return (
    <section className="section" aria-labelledby="usage-title" data-testid="dataset-usage">
      <div className="section-head">
        <h2 id="usage-title">Access, last 6 hours</h2>
        <span className="muted" data-testid="dataset-usage-totals">
          {formatCount(reads)} reads · {formatCount(writes)} writes
        </span>
      </div>
      {reads + writes === 0 ? (
        <p className="empty">
          {!usage || usage.loading ? 'Loading…' : 'No access events in the last 6 hours.'}
        </p>
      ) : (
        <TimeAreaChart
          rows={rows}
          from={from}
          to={to}
          series={READ_WRITE_SERIES}
          stacked
          aria-label={`${name}: ${reads} reads and ${writes} writes in the last 6 hours`}
          data-testid="dataset-usage-chart"
        />
      )}
    </section>
  );
}
