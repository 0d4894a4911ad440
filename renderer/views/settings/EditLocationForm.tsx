import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../../../core/contracts/api-error.ts';
import { TIERS, type Tier } from '../../../core/contracts/common.ts';
import type { Location } from '../../../core/contracts/locations.ts';
import { useActions, useClient } from '../../store/index.ts';
import { LocationTextField, ServiceAccountField, TierFieldset } from './LocationFields.tsx';
import { PathError, errorPath } from './PathError.tsx';
import {
  editableFields,
  toEditForm,
  toLocationPatch,
  type EditForm,
  type EditTierRow,
} from './location-patch.ts';

/** The fields with an input (or a place) of their own: an error naming any other is a general alert. */
const PLACED = new Set([
  'endpoint',
  'region',
  'project',
  'credentials_ref',
  'credentials',
  'credentials.access_key_id',
  'credentials.secret_access_key',
  'credentials.session_token',
  'credentials.service_account',
  'tiers',
  ...TIERS.flatMap((t) => [`tiers.${t}`, `tiers.${t}.storage_class`, `tiers.${t}.price_per_gb_month`]),
]);

type TextKey =
  'endpoint' | 'region' | 'project' | 'credentialsRef' | 'accessKeyId' | 'secretAccessKey' | 'sessionToken';

/**
 * Edits what may change without moving data: tier classes and prices, where and how to connect,
 * rotated or forgotten credentials. Sends only the changed fields; id, kind and root never change.
 */
export function EditLocationForm(props: { location: Location; onSaved: () => void; onCancel: () => void }) {
  const l = props.location;
  const client = useClient();
  const { reloadLocations } = useActions();
  const [f, setF] = useState<EditForm>(() => toEditForm(l));
  const [error, setError] = useState<ApiError | null>(null);
  const [unchanged, setUnchanged] = useState(false);
  const [saving, setSaving] = useState(false);
  const uid = useId();
  const id = (name: string) => `${uid}-${name}`;
  const can = editableFields(l.kind);
  const set = <K extends keyof EditForm>(k: K, v: EditForm[K]) => {
    setUnchanged(false);
    setF((old) => ({ ...old, [k]: v }));
  };
  const setTier = (t: Tier, row: Partial<EditTierRow>) => {
    setUnchanged(false);
    setF((old) => ({ ...old, tiers: { ...old.tiers, [t]: { ...old.tiers[t], ...row } } }));
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const body = toLocationPatch(l, f);
    if ('parseError' in body) {
      setError(new ApiError('invalid_input', body.parseError, 'body.credentials.service_account'));
      return;
    }
    if (Object.keys(body).length === 0) {
      setError(null);
      setUnchanged(true);
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await client['locations/patch'](l.id, body);
      await reloadLocations();
      props.onSaved();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError('internal', String(err)));
    } finally {
      setSaving(false);
    }
  };

  const path = errorPath(error);
  const general = error && !(path && PLACED.has(path)) ? error : null;
  const text = (name: TextKey, label: string, field: string, hint?: ReactNode, secret = false) => (
    <LocationTextField
      id={id(name)}
      label={label}
      field={field}
      testIdPrefix="location-edit"
      value={f[name]}
      onChange={(v) => set(name, v)}
      error={error}
      hint={hint}
      secret={secret}
      disabled={secret && f.forgetCredentials}
    />
  );

  return (
    <form
      className="add-location edit-location"
      onSubmit={(e) => void onSubmit(e)}
      aria-label={`Edit location ${l.id}`}
      data-testid="location-edit-form"
      data-location={l.id}
      noValidate
    >
      <p className="muted">
        Editing <strong>{l.id}</strong> ({l.kind}, <span className="path">{l.uri}</span>): the id, kind and
        root never change.
      </p>
      {general && (
        <p className="alert" role="alert" data-testid="location-edit-error">
          {general.message}
        </p>
      )}
      {(can.endpoint || can.region || can.project || can.credentialsRef) && (
        <div className="form-grid">
          {can.endpoint && text('endpoint', 'Endpoint', 'endpoint', 'empty = the provider default')}
          {can.region && text('region', 'Region', 'region')}
          {can.project && text('project', 'GCS project', 'project')}
          {can.credentialsRef &&
            text(
              'credentialsRef',
              'Credentials reference',
              'credentials_ref',
              'default | env:PREFIX | profile:NAME | file:/path/key.json; empty = default',
            )}
        </div>
      )}
      {can.credentials && (
        <fieldset className="form-fieldset">
          <legend>New secret (write-only: sent only when filled, never shown)</legend>
          {l.has_credentials && (
            <label className="checkbox-row">
              <input
                type="checkbox"
                checked={f.forgetCredentials}
                onChange={(e) => set('forgetCredentials', e.target.checked)}
                data-testid="location-edit-forget-credentials"
              />{' '}
              Forget the stored secret
            </label>
          )}
          <PathError error={error} path="credentials" />
          {l.kind === 's3' && (
            <div className="form-grid">
              {text('accessKeyId', 'Access key id', 'credentials.access_key_id', undefined, true)}
              {text('secretAccessKey', 'Secret access key', 'credentials.secret_access_key', undefined, true)}
              {text('sessionToken', 'Session token (optional)', 'credentials.session_token', undefined, true)}
            </div>
          )}
          {l.kind === 'gs' && (
            <ServiceAccountField
              id={id('sa')}
              testIdPrefix="location-edit"
              value={f.serviceAccount}
              onChange={(v) => set('serviceAccount', v)}
              error={error}
              disabled={f.forgetCredentials}
            />
          )}
        </fieldset>
      )}
      <TierFieldset testIdPrefix="location-edit" tiers={f.tiers} setTier={setTier} error={error} tierErrors />
      {unchanged && (
        <p className="muted" role="status" data-testid="location-edit-unchanged">
          Nothing changed: there is nothing to save.
        </p>
      )}
      <div className="form-actions">
        <button type="button" onClick={props.onCancel} data-testid="location-edit-cancel">
          Cancel
        </button>
        <button type="submit" className="primary" disabled={saving} data-testid="location-edit-save">
          {saving ? 'Saving…' : 'Save changes'}
        </button>
      </div>
    </form>
  );
}
