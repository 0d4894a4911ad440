import type { ReactNode } from 'react';
import type { ApiError } from '../../../core/contracts/api-error.ts';
import { TIERS, type Tier } from '../../../core/contracts/common.ts';
import { PathError, errorPath } from './PathError.tsx';

/** One tier's row as both location forms keep it: offered or not, its storage class and price as typed. */
export type TierRowValue = { on: boolean; storageClass: string; price: string };

/**
 * A labelled text (or write-only secret) input with its hint and the server's error for `field`.
 * Its test id is `${testIdPrefix}-${field}` with dots as dashes, so each form keeps its own ids.
 */
export function LocationTextField(props: {
  id: string;
  label: string;
  field: string;
  testIdPrefix: string;
  value: string;
  onChange: (value: string) => void;
  error: ApiError | null;
  hint?: ReactNode;
  secret?: boolean;
  disabled?: boolean;
}) {
  const { id, hint, secret = false } = props;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type={secret ? 'password' : 'text'}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        disabled={props.disabled}
        aria-invalid={errorPath(props.error) === props.field}
        aria-describedby={hint ? `${id}-hint` : undefined}
        autoComplete={secret ? 'new-password' : 'off'}
        spellCheck={false}
        data-testid={`${props.testIdPrefix}-${props.field.replace(/\./g, '-')}`}
      />
      {hint && (
        <span id={`${id}-hint`} className="muted hint">
          {hint}
        </span>
      )}
      <PathError error={props.error} path={props.field} />
    </div>
  );
}

/**
 * The "Tiers offered" fieldset: a checkbox, storage class and price per tier. With `tierErrors`
 * (the edit form) it also shows errors naming `tiers` or a whole tier, and gives each row a test id.
 */
export function TierFieldset(props: {
  testIdPrefix: string;
  tiers: Record<Tier, TierRowValue>;
  setTier: (t: Tier, row: Partial<TierRowValue>) => void;
  error: ApiError | null;
  tierErrors?: boolean;
}) {
  const { testIdPrefix: prefix, error, setTier, tierErrors = false } = props;
  const path = errorPath(error);
  return (
    <fieldset className="form-fieldset">
      <legend>Tiers offered: storage class and price</legend>
      <p className="muted hint" data-testid={`${prefix}-tiers-hint`}>
        A GCS bucket with Autoclass sets its objects&apos; classes itself: offer one tier, class{' '}
        <code>AUTOCLASS</code> (or <code>AUTOCLASS_ARCHIVE</code> when its terminal class is Archive).
      </p>
      {tierErrors && <PathError error={error} path="tiers" />}
      <table className="data tier-table">
        <thead>
          <tr>
            <th scope="col">Tier</th>
            <th scope="col">Storage class</th>
            <th scope="col">USD per GB-month</th>
          </tr>
        </thead>
        <tbody>
          {TIERS.map((t) => {
            const row = props.tiers[t];
            return (
              <tr key={t} data-testid={tierErrors ? `${prefix}-tier-row-${t}` : undefined}>
                <td>
                  <label>
                    <input
                      type="checkbox"
                      checked={row.on}
                      onChange={(e) => setTier(t, { on: e.target.checked })}
                      aria-invalid={tierErrors ? path === `tiers.${t}` : undefined}
                      data-testid={`${prefix}-tier-${t}`}
                    />{' '}
                    {t}
                  </label>
                  {tierErrors && <PathError error={error} path={`tiers.${t}`} />}
                </td>
                <td>
                  <input
                    type="text"
                    value={row.storageClass}
                    disabled={!row.on}
                    onChange={(e) => setTier(t, { storageClass: e.target.value })}
                    aria-label={`${t} storage class`}
                    aria-invalid={path === `tiers.${t}.storage_class`}
                    spellCheck={false}
                    data-testid={`${prefix}-tier-${t}-class`}
                  />
                  <PathError error={error} path={`tiers.${t}.storage_class`} />
                </td>
                <td>
                  <input
                    type="text"
                    inputMode="decimal"
                    value={row.price}
                    disabled={!row.on}
                    onChange={(e) => setTier(t, { price: e.target.value })}
                    aria-label={`${t} price, USD per GB-month`}
                    aria-invalid={path === `tiers.${t}.price_per_gb_month`}
                    data-testid={`${prefix}-tier-${t}-price`}
                  />
                  <PathError error={error} path={`tiers.${t}.price_per_gb_month`} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </fieldset>
  );
}

/**
 * The GCS service-account key (JSON) box. Given an `error` (the edit form), it is marked invalid and
 * shows the server's error when that names `credentials.service_account`.
 */
export function ServiceAccountField(props: {
  id: string;
  testIdPrefix: string;
  value: string;
  onChange: (value: string) => void;
  error?: ApiError | null;
  disabled?: boolean;
}) {
  const field = 'credentials.service_account';
  const showError = props.error !== undefined;
  return (
    <div className="field">
      <label htmlFor={props.id}>Service-account key (JSON)</label>
      <textarea
        id={props.id}
        rows={4}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        disabled={props.disabled}
        aria-invalid={showError ? errorPath(props.error ?? null) === field : undefined}
        spellCheck={false}
        autoComplete="off"
        data-testid={`${props.testIdPrefix}-credentials-service_account`}
      />
      {showError && <PathError error={props.error ?? null} path={field} />}
    </div>
  );
}
