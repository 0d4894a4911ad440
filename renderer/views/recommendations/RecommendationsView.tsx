import { useMemo, useState } from 'react';
import type { Dataset } from '../../../core/contracts/datasets.ts';
import { paybackPhrase, type Recommendation } from '../../../core/contracts/placement.ts';
import { useActions, useApp, useOpenJob } from '../../store/index.ts';
import { Badge, formatBytes, formatTime, formatUsd } from '../../ui/index.ts';
import { MigrationDialog } from '../map/MigrationDialog.tsx';
import type { MoveTarget } from '../map/targets.ts';
import { pageOf } from '../datasets/table.ts';
import { href } from '../../app/router.ts';
import { setDismissed, useDismissed } from './dismissed.ts';
import { dismissKey, targetOf, type RecTarget } from './rec-target.ts';
import { useSavings } from './use-savings.ts';
import '../shared.css';
import './recommendations.css';

const PAGE = 25;

/**
 * The placement engine's recommendations that ask for a move: why, where to, what it saves
 * a month (the server's estimate, asked for the rows on screen), apply through the map's
 * move dialog, or dismiss (remembered in this browser per recommendation).
 */
export function RecommendationsView() {
  const recs = useApp((s) => s.recommendations);
  const datasets = useApp((s) => s.datasets);
  const locations = useApp((s) => s.locations);
  const load = useApp((s) => s.load);
  const { refreshRecommendations } = useActions();
  const dismissed = useDismissed();
  const [showDismissed, setShowDismissed] = useState(false);
  const [page, setPage] = useState(0);
  const [applying, setApplying] = useState<{ datasetId: number; target: MoveTarget } | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const { moves, dismissedCount } = useMemo(() => {
    const all = Object.values(recs).filter((r) => {
      const d = datasets[r.dataset_id];
      return d && r.recommended_tier !== d.current_tier;
    });
    const isDismissed = (r: Recommendation) => dismissed.has(dismissKey(r));
    const shown = showDismissed ? all : all.filter((r) => !isDismissed(r));
    // Biggest first: where a move matters most.
    shown.sort(
      (a, b) =>
        (datasets[b.dataset_id]?.size_bytes ?? 0) - (datasets[a.dataset_id]?.size_bytes ?? 0) ||
        a.dataset_id - b.dataset_id,
    );
    return { moves: shown, dismissedCount: all.filter(isDismissed).length };
  }, [recs, datasets, dismissed, showDismissed]);
  const paged = pageOf(moves, page, PAGE);
  const locationList = useMemo(() => Object.values(locations), [locations]);

  const onRefresh = () => {
    setRefreshing(true);
    setError(null);
    refreshRecommendations()
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setRefreshing(false));
  };

  return (
    <section className="view recs-view" data-testid="view-recommendations" aria-labelledby="recs-title">
      <div className="view-header">
        <h1 id="recs-title">Recommendations</h1>
        <span className="muted" data-testid="recs-summary">
          {moves.length} {showDismissed ? 'shown' : 'open'}
          {dismissedCount > 0 && ` · ${dismissedCount} dismissed`}
        </span>
        <div className="recs-actions">
          <label className="check">
            <input
              type="checkbox"
              checked={showDismissed}
              onChange={(e) => {
                setShowDismissed(e.target.checked);
                setPage(0);
              }}
              data-testid="recs-show-dismissed"
            />{' '}
            Show dismissed
          </label>
          <button type="button" onClick={onRefresh} disabled={refreshing} data-testid="recs-refresh">
            {refreshing ? 'Recomputing…' : 'Recompute now'}
          </button>
        </div>
      </div>
      <p className="muted">
        Monthly storage is the server’s estimate for each move (a copy with its source retired), asked for the
        rows on screen. Apply opens the same move dialog as the map, where you choose whether to retire the
        source.
      </p>
      {error && (
        <p className="alert" role="alert" data-testid="recs-error">
          {error}
        </p>
      )}
      {moves.length === 0 ? (
        <p className="empty" data-testid="recs-empty">
          {load.status === 'loading'
            ? 'Loading…'
            : 'No recommended moves: every dataset is on the tier its access pattern calls for.'}
        </p>
      ) : (
        <>
          <table className="data recs-table" data-testid="recs-table">
            <caption className="visually-hidden">Recommended moves, largest datasets first</caption>
            <thead>
              <tr>
                <th scope="col">Dataset</th>
                <th scope="col">Now</th>
                <th scope="col">Recommended</th>
                <th scope="col">Why</th>
                <th scope="col" className="num">
                  Monthly storage
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {paged.rows.map((r) => {
                const d = datasets[r.dataset_id];
                if (!d) return null;
                return (
                  <RecRow
                    key={r.dataset_id}
                    rec={r}
                    dataset={d}
                    target={targetOf(r, d, locationList)}
                    dismissed={dismissed.has(dismissKey(r))}
                    onApply={(target) => setApplying({ datasetId: d.id, target })}
                  />
                );
              })}
            </tbody>
          </table>
          {paged.pages > 1 && (
            <nav className="pager" aria-label="Recommendation pages">
              <button
                type="button"
                onClick={() => setPage(paged.page - 1)}
                disabled={paged.page === 0}
                data-testid="recs-prev"
              >
                Previous
              </button>
              <span className="muted" data-testid="recs-page">
                {paged.from}–{paged.to} of {paged.total}
              </span>
              <button
                type="button"
                onClick={() => setPage(paged.page + 1)}
                disabled={paged.page >= paged.pages - 1}
                data-testid="recs-next"
              >
                Next
              </button>
            </nav>
          )}
        </>
      )}
      {applying && (
        <MigrationDialog
          datasetId={applying.datasetId}
          initial={applying.target}
          onClose={() => setApplying(null)}
        />
      )}
    </section>
  );
}

function RecRow(props: {
  rec: Recommendation;
  dataset: Dataset;
  target: RecTarget | null;
  dismissed: boolean;
  onApply: (t: MoveTarget) => void;
}) {
  const { rec: r, dataset: d, target } = props;
  const job = useOpenJob(d.id);
  const key = `${dismissKey(r)}|${target?.location}|${target?.storageClass}|${d.updated_at}`;
  const { ref, state } = useSavings(
    key,
    target
      ? {
          dataset_id: d.id,
          target_location: target.location,
          storage_class: target.storageClass,
          tier: target.tier,
          // A class change in place has no source to retire (the server refuses it).
          retire_source: target.location !== d.location,
        }
      : null,
  );
  const id = d.id;
  return (
    <tr ref={ref} data-testid={`rec-row-${id}`} data-dismissed={props.dismissed}>
      <td>
        <a href={href('datasets', { id: String(id) })} data-testid={`rec-dataset-${id}`}>
          {d.name}
        </a>{' '}
        {props.dismissed && <Badge>dismissed</Badge>}
        <div className="muted small">{formatBytes(d.size_bytes)}</div>
      </td>
      <td>
        <Badge tone={d.current_tier}>{d.current_tier}</Badge>
        <div className="muted small">{d.location}</div>
      </td>
      <td data-testid={`rec-target-${id}`}>
        <Badge tone={r.recommended_tier}>{r.recommended_tier}</Badge>
        <div className="muted small">
          {target ? `${target.location} · ${target.storageClass}` : 'no location offers this tier'}
        </div>
      </td>
      <td>
        {r.explanation && <div data-testid={`rec-explanation-${id}`}>{r.explanation}</div>}
        <ul className="reasons" data-testid={`rec-reasons-${id}`}>
          {r.reasons.map((why) => (
            <li key={why}>{why}</li>
          ))}
        </ul>
        {r.monthly_cost_now_usd !== undefined && r.monthly_cost_after_usd !== undefined && (
          <div className="muted small" data-testid={`rec-costs-${id}`}>
            engine: {formatUsd(r.monthly_cost_now_usd)} → {formatUsd(r.monthly_cost_after_usd)} a month
            {r.one_time_cost_usd ? `, one-time ${formatUsd(r.one_time_cost_usd)}` : ''}
            {r.payback_months != null ? `, ${paybackPhrase(r.payback_months, r.one_time_cost_usd ?? 0)}` : ''}
            {r.confidence !== undefined ? ` · confidence ${Math.round(r.confidence * 100)}%` : ''}
          </div>
        )}
        <div className="muted small" title={r.model_version}>
          {formatTime(r.ts)}
        </div>
      </td>
      <td className="num" data-testid={`rec-savings-${id}`} data-status={state.status}>
        <Savings state={state} />
      </td>
      <td>
        <div className="rec-buttons">
          {job ? (
            <Badge tone="info" testId={`rec-moving-${id}`}>
              moving: {job.status}
            </Badge>
          ) : (
            <button
              type="button"
              className="primary"
              disabled={!target}
              onClick={() => target && props.onApply({ location: target.location, tier: target.tier })}
              aria-label={`Apply: move ${d.name} to ${r.recommended_tier}`}
              data-testid={`rec-apply-${id}`}
            >
              Apply…
            </button>
          )}
          <button
            type="button"
            onClick={() => setDismissed(dismissKey(r), !props.dismissed)}
            aria-label={`${props.dismissed ? 'Restore' : 'Dismiss'} the recommendation for ${d.name}`}
            data-testid={`rec-dismiss-${id}`}
          >
            {props.dismissed ? 'Restore' : 'Dismiss'}
          </button>
        </div>
      </td>
    </tr>
  );
}

function Savings({ state }: { state: ReturnType<typeof useSavings>['state'] }) {
  switch (state.status) {
    case 'idle':
    case 'loading':
      return <span className="muted">estimating…</span>;
    case 'error':
      return (
        <span className="field-error" title={state.message}>
          no estimate
        </span>
      );
    case 'ready': {
      const e = state.estimate;
      const delta = e.monthly_after_usd - e.monthly_before_usd;
      return (
        <>
          <div>
            {formatUsd(e.monthly_before_usd)} → {formatUsd(e.monthly_after_usd)}
          </div>
          <Badge tone={delta > 0 ? 'warn' : 'ok'}>
            {delta > 0 ? '+' : '−'}
            {formatUsd(Math.abs(delta))}/mo
          </Badge>
          {e.one_time_total_usd > 0 && (
            <div className="muted small">one-time {formatUsd(e.one_time_total_usd)}</div>
          )}
        </>
      );
    }
  }
}
