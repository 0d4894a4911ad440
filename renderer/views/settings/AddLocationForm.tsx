import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../../../core/contracts/api-error.ts';
import { TIERS, type Tier } from '../../../core/contracts/common.ts';
import type { LocationCreate, TierMap } from '../../../core/contracts/locations.ts';
import { useActions, useClient } from '../../store/index.ts';
import { LocationTextField, ServiceAccountField, TierFieldset } from './LocationFields.tsx';
import { errorPath } from './PathError.tsx';

type TierRow = { on: boolean; storageClass: string; price: string };
type Secret = 'none' | 's3' | 'gcs';

const EMPTY = {
  id: '',
  uri: '',
  endpoint: '',
  region: '',
  project: '',
  credentialsRef: '',
  secret: 'none' as Secret,
  accessKeyId: '',
  secretAccessKey: '',
  sessionToken: '',
  serviceAccount: '',
  tiers: {
    hot: { on: true, storageClass: 'standard', price: '0.023' },
    warm: { on: false, storageClass: '', price: '' },
    cold: { on: false, storageClass: '', price: '' },
  } as Record<Tier, TierRow>,
};

/** The fields with an input of their own: an error naming any other is shown as a general alert. */
const PLACED = new Set([
  'id',
  'uri',
  'endpoint',
  'region',
  'project',
  'credentials_ref',
  'credentials.access_key_id',
  'credentials.secret_access_key',
  'credentials.session_token',
  ...TIERS.flatMap((t) => [`tiers.${t}.storage_class`, `tiers.${t}.price_per_gb_month`]),
]);

/** Builds the request: empty fields are left out, secrets only when a kind is chosen. */
export function toLocationCreate(f: typeof EMPTY): LocationCreate | { parseError: string } {
  const body: LocationCreate = { id: f.id.trim(), uri: f.uri.trim() };
  if (f.endpoint.trim()) body.endpoint = f.endpoint.trim();
  if (f.region.trim()) body.region = f.region.trim();
  if (f.project.trim()) body.project = f.project.trim();
  if (f.credentialsRef.trim()) body.credentials_ref = f.credentialsRef.trim();
  if (f.secret === 's3') {
    body.credentials = { access_key_id: f.accessKeyId, secret_access_key: f.secretAccessKey };
    if (f.sessionToken) body.credentials.session_token = f.sessionToken;
  } else if (f.secret === 'gcs') {
    try {
      body.credentials = { service_account: JSON.parse(f.serviceAccount) as never };
    } catch {
      return { parseError: 'The service-account key is not JSON: paste the whole key file.' };
    }
  }
  const tiers: TierMap = {};
  for (const t of TIERS) {
    const row = f.tiers[t];
    // An empty price stays a string so the server names the field, rather than sending 0.
    if (row.on)
      tiers[t] = {
        storage_class: row.storageClass.trim(),
        price_per_gb_month: row.price.trim() === '' ? (row.price as unknown as number) : Number(row.price),
      };
  }
  if (Object.keys(tiers).length) body.tiers = tiers;
  return body;
}

export function AddLocationForm({ onDone }: { onDone: () => void }) {
  const client = useClient();
  const { reloadLocations } = useActions();
  const [f, setF] = useState(EMPTY);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const [added, setAdded] = useState<string | null>(null);
  const uid = useId();
  const id = (name: string) => `${uid}-${name}`;
  const set = <K extends keyof typeof EMPTY>(k: K, v: (typeof EMPTY)[K]) =>
    setF((old) => ({ ...old, [k]: v }));
  const setTier = (t: Tier, row: Partial<TierRow>) =>
    setF((old) => ({ ...old, tiers: { ...old.tiers, [t]: { ...old.tiers[t], ...row } } }));

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const body = toLocationCreate(f);
    if ('parseError' in body) {
      setError(new ApiError('invalid_input', body.parseError, 'body.credentials'));
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const created = await client['locations/create'](body);
      await reloadLocations();
      setAdded(created.id);
      setF(EMPTY);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError('internal', String(err)));
    } finally {
      setSaving(false);
    }
  };

  const path = errorPath(error);
  const general = error && !(path && PLACED.has(path)) ? error : null;
  const text = (
    name: keyof typeof EMPTY & string,
    label: string,
    field: string,
    hint?: ReactNode,
    type = 'text',
  ) => (
    <LocationTextField
      id={id(name)}
      label={label}
      field={field}
      testIdPrefix="location-form"
      value={f[name] as string}
      onChange={(v) => set(name, v as never)}
      error={error}
      hint={hint}
      secret={type === 'password'}
    />
  );

  return (
    <form
      id="add-location"
      className="add-location"
      onSubmit={(e) => void onSubmit(e)}
      aria-label="Add a location"
      data-testid="location-form"
      noValidate
    >
      {added && (
        <p className="success" role="status" data-testid="location-added">
          Location {added} added. Test its connection below.
        </p>
      )}
      {general && (
        <p className="alert" role="alert" data-testid="location-form-error">
          {general.message}
        </p>
      )}
      <div className="form-grid">
        {text('id', 'Id', 'id', 'lower-case letters, digits, - and _')}
        {text('uri', 'Root URI', 'uri', 'file:///abs/path, s3://bucket/prefix or gs://bucket/prefix')}
        {text('endpoint', 'Endpoint (optional)', 'endpoint', 'S3-compatible (MinIO) or GCS API endpoint')}
        {text('region', 'Region (optional)', 'region')}
        {text('project', 'GCS project (optional)', 'project')}
        {text(
          'credentialsRef',
          'Credentials reference (optional)',
          'credentials_ref',
          'default | env:PREFIX | profile:NAME | file:/path/key.json',
        )}
      </div>
      <fieldset className="form-fieldset">
        <legend>Stored secret (write-only: kept encrypted, never shown again)</legend>
        <div className="radio-row" role="radiogroup" aria-label="Secret kind">
          {(
            [
              ['none', 'None'],
              ['s3', 'S3 access keys'],
              ['gcs', 'GCS service-account key'],
            ] as const
          ).map(([v, label]) => (
            <label key={v}>
              <input
                type="radio"
                name={id('secret')}
                value={v}
                checked={f.secret === v}
                onChange={() => set('secret', v)}
                data-testid={`location-form-secret-${v}`}
              />{' '}
              {label}
            </label>
          ))}
        </div>
        {f.secret === 's3' && (
          <div className="form-grid">
            {text('accessKeyId', 'Access key id', 'credentials.access_key_id', undefined, 'password')}
            {text(
              'secretAccessKey',
              'Secret access key',
              'credentials.secret_access_key',
              undefined,
              'password',
            )}
            {text(
              'sessionToken',
              'Session token (optional)',
              'credentials.session_token',
              undefined,
              'password',
            )}
          </div>
        )}
        {f.secret === 'gcs' && (
          <ServiceAccountField
            id={id('sa')}
            testIdPrefix="location-form"
            value={f.serviceAccount}
            onChange={(v) => set('serviceAccount', v)}
          />
        )}
      </fieldset>
      <TierFieldset testIdPrefix="location-form" tiers={f.tiers} setTier={setTier} error={error} />
      <div className="form-actions">
        <button type="button" onClick={onDone} data-testid="location-form-cancel">
          Cancel
        </button>
        <button type="submit" className="primary" disabled={saving} data-testid="location-form-submit">
          {saving ? 'Adding…' : 'Add location'}
        </button>
      </div>
    </form>
  );
}
