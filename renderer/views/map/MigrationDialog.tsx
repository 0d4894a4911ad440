import { useEffect, useId, useState } from 'react';
import { TIERS, type Tier } from '../../../core/contracts/common.ts';
import type { Estimate } from '../../../core/contracts/estimate.ts';
import { paybackPhrase } from '../../../core/contracts/placement.ts';
import { ApiError } from '../../../core/contracts/api-error.ts';
import { useActions, useApp } from '../../store/index.ts';
import { navigate } from '../../app/router.ts';
import {
  Badge,
  Dialog,
  FieldError,
  formatBytes,
  formatCount,
  formatDuration,
  formatUsd,
  isFieldError,
} from '../../ui/index.ts';
import type { MoveTarget } from './targets.ts';

const FIELDS = ['target_location', 'tier', 'storage_class', 'retire_source', 'confirm', 'dataset_id'];

/**
 * Drag-to-migrate's dialog: the server's estimate of the move (GET /estimate), each
 * confirm reason acknowledged, then POST /plan-migration. Errors come from the server and
 * sit next to the field they name.
 */
export function MigrationDialog(props: { datasetId: number; initial: MoveTarget; onClose: () => void }) {
  const d = useApp((s) => s.datasets[props.datasetId]);
  const locations = useApp((s) => s.locations);
  const { estimate, plan } = useActions();
  const [location, setLocation] = useState(props.initial.location);
  const [tier, setTier] = useState<Tier>(props.initial.tier);
  const [storageClass, setStorageClass] = useState(
    locations[props.initial.location]?.tiers[props.initial.tier]?.storage_class ?? '',
  );
  const [retire, setRetire] = useState(false);
  const [est, setEst] = useState<Estimate | null>(null);
  const [estimating, setEstimating] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [acks, setAcks] = useState<Set<string>>(new Set());
  const [planning, setPlanning] = useState(false);
  const [planned, setPlanned] = useState<string | null>(null);
  const ids = { location: useId(), tier: useId(), cls: useId(), retire: useId() };

  const loc = locations[location];
  // A new location or tier brings its storage class.
  const pick = (l: string, t: Tier) => {
    setLocation(l);
    setTier(t);
    const spec = locations[l]?.tiers[t];
    if (spec) setStorageClass(spec.storage_class);
  };

  useEffect(() => {
    let live = true;
    setEstimating(true);
    setError(null);
    setAcks(new Set());
    const timer = setTimeout(() => {
      estimate({
        dataset_id: props.datasetId,
        target_location: location,
        storage_class: storageClass,
        tier,
        retire_source: retire,
      })
        .then((e) => live && setEst(e))
        .catch((e: unknown) => {
          if (!live) return;
          setEst(null);
          setError(e instanceof ApiError ? e : new ApiError('internal', String(e)));
        })
        .finally(() => live && setEstimating(false));
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [estimate, props.datasetId, location, tier, storageClass, retire]);

  if (!d) return null;
  const reasons = est?.confirm_reasons ?? [];
  const allAcked = reasons.every((r) => acks.has(r.code));
  const canConfirm = !!est && !estimating && !planning && allAcked && !planned;

  const onConfirm = async () => {
    setPlanning(true);
    setError(null);
    try {
      const job = await plan({
        dataset_id: d.id,
        target_location: location,
        storage_class: storageClass,
        tier,
        retire_source: retire,
        ...(est?.needs_confirm ? { confirm: true } : {}),
      });
      setPlanned(job.job_id);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError('internal', String(e));
      // The server wants a confirmation we have not shown: show its estimate and ask.
      const fresh = err.details.estimate as Estimate | undefined;
      if (err.fieldName === 'confirm' && fresh) setEst(fresh);
      setError(err);
    } finally {
      setPlanning(false);
    }
  };

  const general = error && !isFieldError(error, FIELDS) ? error : null;
  const footer = planned ? (
    <>
      <button
        type="button"
        onClick={() => navigate('queue', { job: planned })}
        data-testid="migration-open-queue"
      >
        Open in queue
      </button>
      <button type="button" className="primary" onClick={props.onClose} data-testid="migration-done">
        Done
      </button>
    </>
  ) : (
    <>
      <button type="button" onClick={props.onClose} data-testid="migration-cancel">
        Cancel
      </button>
      <button
        type="button"
        className="primary"
        disabled={!canConfirm}
        onClick={() => void onConfirm()}
        data-testid="migration-confirm"
      >
        {planning ? 'Planning…' : 'Confirm migration'}
      </button>
    </>
  );

  return (
    <Dialog
      open
      wide
      title={`Move ${d.name}`}
      onClose={props.onClose}
      footer={footer}
      testId="migration-dialog"
    >
      {planned && (
        <p className="success" role="status" data-testid="migration-planned">
          Migration planned: job <code>{planned}</code>. Its progress shows on the card and in the queue.
        </p>
      )}
      <FieldError error={error} field="dataset_id" />
      {general && (
        <p className="alert" role="alert" data-testid="migration-error">
          {general.message}
        </p>
      )}
      <div className="move-form">
        <div className="field">
          <label htmlFor={ids.location}>Target location</label>
          <select
            id={ids.location}
            value={location}
            onChange={(e) => pick(e.target.value, tier)}
            data-testid="migration-location"
            aria-invalid={error?.fieldName === 'target_location'}
          >
            {Object.values(locations).map((l) => (
              <option key={l.id} value={l.id}>
                {l.id} ({l.kind})
              </option>
            ))}
          </select>
          <FieldError error={error} field="target_location" />
        </div>
        <div className="field">
          <label htmlFor={ids.tier}>Tier</label>
          <select
            id={ids.tier}
            value={tier}
            onChange={(e) => pick(location, e.target.value as Tier)}
            data-testid="migration-tier"
            aria-invalid={error?.fieldName === 'tier'}
          >
            {TIERS.map((t) => (
              <option key={t} value={t} disabled={!loc?.tiers[t]}>
                {t}
                {loc?.tiers[t] ? '' : ' (not offered)'}
              </option>
            ))}
          </select>
          <FieldError error={error} field="tier" />
        </div>
        <div className="field">
          <label htmlFor={ids.cls}>Storage class</label>
          <input
            id={ids.cls}
            type="text"
            value={storageClass}
            onChange={(e) => setStorageClass(e.target.value)}
            data-testid="migration-storage-class"
            aria-invalid={error?.fieldName === 'storage_class'}
            spellCheck={false}
          />
          <FieldError error={error} field="storage_class" />
        </div>
        <div className="field field-check">
          <label htmlFor={ids.retire}>
            <input
              id={ids.retire}
              type="checkbox"
              checked={retire}
              onChange={(e) => setRetire(e.target.checked)}
              data-testid="migration-retire-source"
            />{' '}
            Retire the source after the switch (deletes it)
          </label>
          <FieldError error={error} field="retire_source" />
        </div>
      </div>

      {estimating && !est && <p className="muted">Estimating…</p>}
      {est && <EstimateView est={est} stale={estimating} />}

      {reasons.length > 0 && !planned && (
        <fieldset className="confirm-box" data-testid="migration-confirm-reasons">
          <legend>This move needs your confirmation</legend>
          {reasons.map((r) => (
            <label key={r.code} className="confirm-reason">
              <input
                type="checkbox"
                checked={acks.has(r.code)}
                onChange={(e) => {
                  const next = new Set(acks);
                  if (e.target.checked) next.add(r.code);
                  else next.delete(r.code);
                  setAcks(next);
                }}
                data-testid={`migration-ack-${r.code}`}
              />{' '}
              I understand: {r.message}
            </label>
          ))}
          <FieldError error={error} field="confirm" />
        </fieldset>
      )}
    </Dialog>
  );
}

function EstimateView({ est, stale }: { est: Estimate; stale: boolean }) {
  const delta = est.monthly_after_usd - est.monthly_before_usd;
  // A confirm reason is asked below as a checkbox; not repeated as a warning.
  const asked = new Set(est.confirm_reasons.map((r) => r.message));
  const warnings = est.warnings.filter((w) => !asked.has(w));
  return (
    <div
      className={`estimate${stale ? ' estimate-stale' : ''}`}
      data-testid="migration-estimate"
      aria-busy={stale}
    >
      <div className="estimate-sides">
        <Side title="From" side={est.source} testId="migration-source" />
        <span className="estimate-arrow" aria-hidden="true">
          →
        </span>
        <Side title="To" side={est.target} testId="migration-target" />
      </div>
      <dl className="estimate-facts">
        <div>
          <dt>Data</dt>
          <dd data-testid="migration-bytes">
            {formatBytes(est.bytes)} · {formatCount(est.objects)} objects
          </dd>
        </div>
        <div>
          <dt>Estimated duration</dt>
          <dd data-testid="migration-duration" title={est.duration_basis}>
            {est.transition ? 'in-place class change · ' : ''}
            {formatDuration(est.duration_s)}
          </dd>
        </div>
        <div>
          <dt>Monthly storage</dt>
          <dd data-testid="migration-monthly">
            {formatUsd(est.monthly_before_usd)} → {formatUsd(est.monthly_after_usd)}{' '}
            <Badge tone={delta > 0 ? 'warn' : 'ok'}>
              {delta > 0 ? '+' : ''}
              {formatUsd(delta)}/month
            </Badge>
          </dd>
        </div>
        <div>
          <dt>One-time</dt>
          <dd data-testid="migration-one-time-total">
            {formatUsd(est.one_time_total_usd)}
            {est.payback_months != null && est.one_time_total_usd > 0 && (
              <span className="muted"> · {paybackPhrase(est.payback_months, est.one_time_total_usd)}</span>
            )}
          </dd>
        </div>
      </dl>
      <p className="muted estimate-basis">{est.duration_basis}</p>
      {est.one_time.length > 0 && (
        <table className="data" data-testid="migration-one-time">
          <caption className="visually-hidden">One-time costs</caption>
          <thead>
            <tr>
              <th scope="col">One-time cost</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">How</th>
            </tr>
          </thead>
          <tbody>
            {est.one_time.map((l) => (
              <tr key={l.kind}>
                <td>{l.kind.replace('_', ' ')}</td>
                <td className="num">{formatUsd(l.amount_usd)}</td>
                <td className="muted">{l.basis}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {warnings.length > 0 && (
        <ul className="warnings" data-testid="migration-warnings">
          {warnings.map((w) => (
            <li key={w} className="warning">
              {w}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Side(props: { title: string; side: Estimate['source']; testId: string }) {
  const s = props.side;
  return (
    <div className="estimate-side" data-testid={props.testId}>
      <div className="muted">{props.title}</div>
      <div>
        <strong>{s.location}</strong> <Badge tone={s.tier}>{s.tier}</Badge>{' '}
        <span className="muted">{s.storage_class ?? 'default class'}</span>
      </div>
      <div className="path">{s.uri}</div>
    </div>
  );
}
