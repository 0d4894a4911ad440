import { useEffect, useState } from 'react';
import type { AuditEntry } from '../../../core/contracts/audit.ts';
import { useApp, useClient } from '../../store/index.ts';
import { Badge, type BadgeTone, formatTime } from '../../ui/index.ts';
import './DatasetAudit.css';

const PAGE = 20;

const actorTone = (actor: string): BadgeTone =>
  actor === 'operator'
    ? 'info'
    : actor === 'auto_apply'
      ? 'warn'
      : actor.startsWith('policy:')
        ? 'cold'
        : 'neutral';

/** The dataset's audit trail: every plan, switch and retirement, who or what caused it, and why. */
export function DatasetAudit({ datasetId }: { datasetId: number }) {
  const client = useClient();
  // Reload when one of this dataset's jobs changes status (a switch or retirement was recorded).
  const jobsKey = useApp((s) =>
    Object.values(s.jobs)
      .filter((j) => j.dataset_id === datasetId)
      .map((j) => `${j.job_id}:${j.status}`)
      .sort()
      .join(','),
  );
  const [items, setItems] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    client['audit/list']({ dataset_id: datasetId, limit: PAGE }).then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setCursor(page.next_cursor);
        setError(null);
      },
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [client, datasetId, jobsKey]);

  const more = () => {
    if (!cursor) return;
    client['audit/list']({ dataset_id: datasetId, limit: PAGE, cursor }).then(
      (page) => {
        setItems((was) => [...was, ...page.items]);
        setCursor(page.next_cursor);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };

  return (
    <section className="section" aria-labelledby="audit-title" data-testid="dataset-audit">
      <h2 id="audit-title">Audit trail</h2>
      {error && (
        <p className="alert" role="alert" data-testid="dataset-audit-error">
          {error}
        </p>
      )}
      {items.length === 0 ? (
        <p className="muted" data-testid="dataset-audit-empty">
          Nothing recorded for this dataset yet.
        </p>
      ) : (
        <table className="data" data-testid="dataset-audit-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Who</th>
              <th scope="col">Why</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} data-testid={`audit-${e.id}`} data-action={e.action}>
                <td>{formatTime(e.at)}</td>
                <td>
                  <Badge>{e.action}</Badge>
                </td>
                <td>
                  <Badge tone={actorTone(e.actor)} testId={`audit-actor-${e.id}`}>
                    {e.actor}
                  </Badge>
                </td>
                <td className="audit-reason">{e.reason}</td>
                <td className="muted">
                  {[
                    e.recommendation_id !== null ? `recommendation ${e.recommendation_id}` : '',
                    e.policy ? `policy ${e.policy}` : '',
                    typeof e.details.requested_by === 'string'
                      ? `requested by ${e.details.requested_by}`
                      : '',
                  ]
                    .filter(Boolean)
                    .join(' · ') || '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <button type="button" onClick={more} data-testid="dataset-audit-more">
          Older entries
        </button>
      )}
    </section>
  );
}
