import type { DryRunItem, DryRunResult } from '../../../core/contracts/policy-document.ts';
import { Badge, type BadgeTone, formatBytes, formatUsd } from '../../ui/index.ts';

const ACTION_TONE: Record<DryRunItem['action'], BadgeTone> = {
  plan: 'ok',
  deferred: 'warn',
  needs_confirm: 'warn',
  blocked: 'error',
  failed: 'error',
};

const place = (p: DryRunItem['from']) =>
  `${p.location} · ${p.tier}${p.storage_class ? ` (${p.storage_class})` : ''}`;

/** What a dry run (or an apply) found: each dataset that changes, where to, and what it costs. */
export function PolicyDocumentDryRun({ result, applied }: { result: DryRunResult; applied: boolean }) {
  const { totals } = result;
  const saving = totals.monthly_saving_usd;
  return (
    <div className="pd-dry-run" data-testid={applied ? 'policy-document-applied' : 'policy-document-dry-run'}>
      <p data-testid="policy-document-dry-run-totals">
        <strong>{applied ? 'Applied' : 'Dry run'}:</strong> {result.datasets_selected} dataset
        {result.datasets_selected === 1 ? '' : 's'} selected, {totals.moves} move
        {totals.moves === 1 ? '' : 's'} {applied ? 'planned' : 'would be planned'} (
        {formatBytes(totals.bytes)}); a month {formatUsd(totals.monthly_cost_before_usd)} →{' '}
        {formatUsd(totals.monthly_cost_after_usd)} (
        {saving >= 0 ? `saves ${formatUsd(saving)}` : `costs ${formatUsd(-saving)} more`}), one-time{' '}
        {formatUsd(totals.one_time_cost_usd)}.
      </p>
      {result.cost_ceilings
        .filter((c) => c.exceeded)
        .map((c) => (
          <p
            className="alert"
            role="alert"
            key={c.policy}
            data-testid={`policy-document-ceiling-${c.policy}`}
          >
            Line {c.line}: policy “{c.policy}” has a ceiling of {formatUsd(c.ceiling_usd)} a month; its
            datasets would cost {formatUsd(c.monthly_usd)}.
          </p>
        ))}
      {result.warnings.map((w, i) => (
        <p className="muted" key={i}>
          {w.message}
        </p>
      ))}
      {result.items.length === 0 ? (
        <p className="muted" data-testid="policy-document-dry-run-empty">
          Every selected dataset already obeys this document: nothing would move.
        </p>
      ) : (
        <table className="data" data-testid="policy-document-dry-run-table">
          <thead>
            <tr>
              <th scope="col">Dataset</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Action</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col" className="num">
                A month before → after
              </th>
              <th scope="col" className="num">
                One-time
              </th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {result.items.map((i) => (
              <tr
                key={i.dataset_id}
                data-testid={`policy-document-item-${i.dataset_id}`}
                data-action={i.action}
              >
                <td>{i.name}</td>
                <td>{place(i.from)}</td>
                <td>{place(i.to)}</td>
                <td>
                  <Badge tone={ACTION_TONE[i.action]}>{i.action.replace('_', ' ')}</Badge>
                </td>
                <td className="num">{formatBytes(i.bytes)}</td>
                <td className="num">
                  {formatUsd(i.monthly_cost_before_usd)} → {formatUsd(i.monthly_cost_after_usd)}
                </td>
                <td className="num">{formatUsd(i.one_time_cost_usd)}</td>
                <td className="pd-reasons">{i.reasons.join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
