import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../../../core/contracts/api-error.ts';
import { TIERS, type Tier } from '../../../core/contracts/common.ts';
import type { Policy, PolicyCreate } from '../../../core/contracts/placement.ts';
import { useActions, useApp, useClient } from '../../store/index.ts';
import { Badge, FieldError, formatTime, isFieldError } from '../../ui/index.ts';
import { href } from '../../app/router.ts';

const describe = (p: Policy): string => {
  const q = p.params;
  if (p.kind === 'pin') return `pinned to ${String(q.tier)}`;
  if (p.kind === 'slo') return `first byte ≤ ${String(q.max_latency_ms)} ms, at least ${String(q.min_tier)}`;
  return JSON.stringify(q);
};

/** Pins and latency SLOs the placement rule obeys; a change recomputes the recommendations. */
export function PoliciesSection() {
  const policies = useApp((s) => s.policies);
  const datasets = useApp((s) => s.datasets);
  const client = useClient();
  const { reloadPolicies, refreshRecommendations } = useActions();
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<number | null>(null);
  const list = Object.values(policies).sort((a, b) => a.id - b.id);

  const afterChange = async () => {
    await reloadPolicies();
    await refreshRecommendations();
  };
  const remove = (p: Policy) => {
    setDeleting(p.id);
    setError(null);
    client['policies/delete'](p.id)
      .then(afterChange)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setDeleting(null));
  };

  return (
    <section className="section" aria-labelledby="policies-title" data-testid="settings-policies">
      <div className="section-head">
        <h2 id="policies-title">Policies</h2>
        <span className="muted">the placement rule obeys these before recency</span>
      </div>
      {error && (
        <p className="alert" role="alert" data-testid="policies-error">
          {error}
        </p>
      )}
      {list.length === 0 ? (
        <p className="muted" data-testid="policies-empty">
          No policies: placement follows access recency alone.
        </p>
      ) : (
        <table className="data" data-testid="policies-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Applies to</th>
              <th scope="col">Rule</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Delete</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((p) => (
              <tr key={p.id} data-testid={`policy-${p.id}`}>
                <td>
                  {p.name} {!p.enabled && <Badge>disabled</Badge>}
                </td>
                <td>
                  <Badge tone="info">{p.kind}</Badge>
                </td>
                <td>
                  {p.dataset_id === null ? (
                    'every dataset'
                  ) : (
                    <a href={href('datasets', { id: String(p.dataset_id) })}>
                      {datasets[p.dataset_id]?.name ?? `dataset ${p.dataset_id}`}
                    </a>
                  )}
                </td>
                <td>{describe(p)}</td>
                <td className="muted">{formatTime(p.created_at)}</td>
                <td>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => remove(p)}
                    disabled={deleting === p.id}
                    aria-label={`Delete policy ${p.name}`}
                    data-testid={`policy-delete-${p.id}`}
                  >
                    {deleting === p.id ? 'Deleting…' : 'Delete'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PolicyForm onCreated={afterChange} />
    </section>
  );
}

const FIELDS = ['name', 'kind', 'dataset_id', 'params', 'tier', 'max_latency_ms', 'min_tier'];

function PolicyForm({ onCreated }: { onCreated: () => Promise<void> }) {
  const client = useClient();
  const datasets = useApp((s) => s.datasets);
  const uid = useId();
  const id = (n: string) => `${uid}-${n}`;
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'pin' | 'slo'>('pin');
  const [datasetId, setDatasetId] = useState('');
  const [tier, setTier] = useState<Tier>('hot');
  const [maxMs, setMaxMs] = useState('50');
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const target = datasetId.trim() ? datasets[Number(datasetId)] : undefined;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const body: PolicyCreate = {
      name: name.trim(),
      kind,
      dataset_id: datasetId.trim() ? Number(datasetId) : null,
      params: kind === 'pin' ? { tier } : { max_latency_ms: Number(maxMs), min_tier: tier },
    };
    setSaving(true);
    setError(null);
    setCreated(null);
    try {
      const p = await client['policies/create'](body);
      setCreated(p.name);
      setName('');
      await onCreated();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError('internal', String(err)));
    } finally {
      setSaving(false);
    }
  };
  const general = error && !isFieldError(error, FIELDS) ? error : null;

  return (
    <form
      className="policy-form"
      onSubmit={(e) => void onSubmit(e)}
      aria-labelledby={id('title')}
      data-testid="policy-form"
      noValidate
    >
      <h3 id={id('title')}>New policy</h3>
      {general && (
        <p className="alert" role="alert" data-testid="policy-form-error">
          {general.message}
        </p>
      )}
      {created && (
        <p className="success" role="status" data-testid="policy-created">
          Policy “{created}” created; recommendations recomputed.
        </p>
      )}
      <div className="form-grid">
        <div className="field">
          <label htmlFor={id('name')}>Name</label>
          <input
            id={id('name')}
            type="text"
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={error?.fieldName === 'name'}
            data-testid="policy-form-name"
          />
          <FieldError error={error} field="name" />
        </div>
        <div className="field">
          <label htmlFor={id('kind')}>Kind</label>
          <select
            id={id('kind')}
            value={kind}
            onChange={(e) => setKind(e.target.value as 'pin' | 'slo')}
            data-testid="policy-form-kind"
          >
            <option value="pin">pin: keep on one tier</option>
            <option value="slo">slo: first-byte latency</option>
          </select>
          <FieldError error={error} field="kind" />
        </div>
        <div className="field">
          <label htmlFor={id('dataset')}>Dataset id</label>
          <input
            id={id('dataset')}
            type="text"
            inputMode="numeric"
            value={datasetId}
            placeholder="empty: every dataset"
            onChange={(e) => setDatasetId(e.target.value)}
            aria-invalid={error?.fieldName === 'dataset_id'}
            aria-describedby={id('dataset-hint')}
            data-testid="policy-form-dataset"
          />
          <span id={id('dataset-hint')} className="muted hint" data-testid="policy-form-dataset-name">
            {datasetId.trim() ? (target ? target.name : 'no such dataset here') : 'applies to every dataset'}
          </span>
          <FieldError error={error} field="dataset_id" />
        </div>
        <div className="field">
          <label htmlFor={id('tier')}>{kind === 'pin' ? 'Tier' : 'At least tier'}</label>
          <select
            id={id('tier')}
            value={tier}
            onChange={(e) => setTier(e.target.value as Tier)}
            data-testid="policy-form-tier"
          >
            {TIERS.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <FieldError error={error} field={['tier', 'min_tier']} />
        </div>
        {kind === 'slo' && (
          <div className="field">
            <label htmlFor={id('max')}>Max first-byte latency (ms)</label>
            <input
              id={id('max')}
              type="number"
              min={0}
              value={maxMs}
              onChange={(e) => setMaxMs(e.target.value)}
              aria-invalid={error?.fieldName === 'max_latency_ms'}
              data-testid="policy-form-max-latency"
            />
            <FieldError error={error} field="max_latency_ms" />
          </div>
        )}
      </div>
      <FieldError error={error} field="params" />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={saving} data-testid="policy-form-submit">
          {saving ? 'Creating…' : 'Create policy'}
        </button>
      </div>
    </form>
  );
}
