import { Fragment, useState } from 'react';
import { TIERS } from '../../../core/contracts/common.ts';
import type { Location, LocationProbe } from '../../../core/contracts/locations.ts';
import { useApp, useClient } from '../../store/index.ts';
import { Badge } from '../../ui/index.ts';
import { AddLocationForm } from './AddLocationForm.tsx';
import { EditLocationForm } from './EditLocationForm.tsx';

type TestState =
  { status: 'testing' } | { status: 'done'; probe: LocationProbe } | { status: 'error'; message: string };

/**
 * Every location with its tier map; test one with a real round trip (list, put, head, delete),
 * or edit what may change in place (tier classes and prices, endpoint, region, project, credentials).
 */
export function LocationsSection() {
  const locations = useApp((s) => s.locations);
  const client = useClient();
  const [tests, setTests] = useState<Record<string, TestState>>({});
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const list = Object.values(locations).sort((a, b) => a.id.localeCompare(b.id));

  const test = (id: string) => {
    setTests((t) => ({ ...t, [id]: { status: 'testing' } }));
    client['locations/test'](id).then(
      (probe) => setTests((t) => ({ ...t, [id]: { status: 'done', probe } })),
      (e: unknown) =>
        setTests((t) => ({
          ...t,
          [id]: { status: 'error', message: e instanceof Error ? e.message : String(e) },
        })),
    );
  };

  return (
    <section className="section" aria-labelledby="locations-title" data-testid="settings-locations">
      <div className="section-head">
        <h2 id="locations-title">Locations</h2>
        <button
          type="button"
          className="section-action"
          aria-expanded={adding}
          aria-controls="add-location"
          onClick={() => setAdding((a) => !a)}
          data-testid="location-add-toggle"
        >
          {adding ? 'Close the form' : 'Add location…'}
        </button>
      </div>
      {adding && <AddLocationForm onDone={() => setAdding(false)} />}
      {list.length === 0 ? (
        <p className="empty" data-testid="locations-empty">
          No locations yet.
        </p>
      ) : (
        <table className="data" data-testid="locations-table">
          <thead>
            <tr>
              <th scope="col">Location</th>
              <th scope="col">Root</th>
              <th scope="col">Where</th>
              <th scope="col">Credentials</th>
              <th scope="col">Tiers (class, $/GB-month)</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((l) => (
              <Fragment key={l.id}>
                <tr data-testid={`location-${l.id}`}>
                  <th scope="row">
                    {l.id} <Badge>{l.kind}</Badge>
                  </th>
                  <td className="path">{l.uri}</td>
                  <td>
                    <Where l={l} />
                  </td>
                  <td>
                    {l.credentials_ref ?? (l.kind === 'file' ? '—' : 'default')}
                    {l.has_credentials && (
                      <>
                        {' '}
                        <Badge tone="info" title="Stored encrypted; never shown">
                          secret stored
                        </Badge>
                      </>
                    )}
                  </td>
                  <td>
                    <ul className="tier-list">
                      {TIERS.filter((t) => l.tiers[t]).map((t) => (
                        <li key={t} data-testid={`location-tier-${l.id}-${t}`}>
                          <Badge tone={t}>{t}</Badge> {l.tiers[t]?.storage_class}{' '}
                          <span className="muted">${l.tiers[t]?.price_per_gb_month}</span>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      onClick={() => {
                        setSaved(null);
                        setEditing((e) => (e === l.id ? null : l.id));
                      }}
                      aria-expanded={editing === l.id}
                      data-testid={`location-edit-${l.id}`}
                    >
                      {editing === l.id ? 'Close' : 'Edit'}
                      <span className="visually-hidden"> {l.id}</span>
                    </button>{' '}
                    <button
                      type="button"
                      onClick={() => test(l.id)}
                      disabled={tests[l.id]?.status === 'testing'}
                      aria-label={`Test the connection to ${l.id}`}
                      data-testid={`location-test-${l.id}`}
                    >
                      {tests[l.id]?.status === 'testing' ? 'Testing…' : 'Test connection'}
                    </button>
                  </td>
                </tr>
                {editing === l.id && (
                  <tr>
                    <td colSpan={6}>
                      <EditLocationForm
                        location={l}
                        onSaved={() => {
                          setEditing(null);
                          setSaved(l.id);
                        }}
                        onCancel={() => setEditing(null)}
                      />
                    </td>
                  </tr>
                )}
                {saved === l.id && (
                  <tr>
                    <td colSpan={6}>
                      <p className="success" role="status" data-testid={`location-saved-${l.id}`}>
                        Location {l.id} saved.
                      </p>
                    </td>
                  </tr>
                )}
                {tests[l.id] && tests[l.id]?.status !== 'testing' && (
                  <tr>
                    <td colSpan={6}>
                      <TestResult id={l.id} state={tests[l.id] as TestState} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Where({ l }: { l: Location }) {
  const parts = [
    l.endpoint && `endpoint ${l.endpoint}`,
    l.region && `region ${l.region}`,
    l.project && `project ${l.project}`,
  ].filter(Boolean);
  return parts.length ? (
    <span className="small">{parts.join(' · ')}</span>
  ) : (
    <span className="muted">local</span>
  );
}

function TestResult({ id, state }: { id: string; state: TestState }) {
  if (state.status === 'testing') return null;
  if (state.status === 'error')
    return (
      <p className="alert" role="alert" data-testid={`location-test-result-${id}`} data-ok="false">
        {state.message}
      </p>
    );
  const p = state.probe;
  return (
    <div
      className={p.ok ? 'success probe' : 'alert probe'}
      role="status"
      data-testid={`location-test-result-${id}`}
      data-ok={p.ok}
    >
      <strong>{p.ok ? `${id}: every step passed.` : `${id}: ${p.problem ?? 'the test failed'}`}</strong>
      <ol className="probe-steps">
        {p.steps.map((s, i) => (
          <li key={`${s.op}-${i}`} data-testid={`location-test-step-${id}-${s.op}`} data-ok={s.ok}>
            {s.ok ? '✓' : '✗'} {s.op} <span className="probe-ms">{Math.round(s.ms)} ms</span>
            {s.error && <span> — {s.error}</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}
