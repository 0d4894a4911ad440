import { TIERS, type Tier } from '../../../core/contracts/common.ts';
import type { Location, LocationPatch, TierMap } from '../../../core/contracts/locations.ts';

export type EditTierRow = { on: boolean; storageClass: string; price: string };

/** The edit form's state: the location's editable fields as text, plus the write-only secret inputs. */
export interface EditForm {
  endpoint: string;
  region: string;
  project: string;
  credentialsRef: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  serviceAccount: string;
  forgetCredentials: boolean;
  tiers: Record<Tier, EditTierRow>;
}

/** Prefills the form from the location; secrets are never returned, so their inputs start empty. */
export function toEditForm(l: Location): EditForm {
  const tiers = {} as Record<Tier, EditTierRow>;
  for (const t of TIERS) {
    const spec = l.tiers[t];
    tiers[t] = spec
      ? { on: true, storageClass: spec.storage_class, price: String(spec.price_per_gb_month) }
      : { on: false, storageClass: '', price: '' };
  }
  return {
    endpoint: l.endpoint ?? '',
    region: l.region ?? '',
    project: l.project ?? '',
    credentialsRef: l.credentials_ref ?? '',
    accessKeyId: '',
    secretAccessKey: '',
    sessionToken: '',
    serviceAccount: '',
    forgetCredentials: false,
    tiers,
  };
}

/** Which connection fields a location of this kind may change (the server refuses the others). */
export function editableFields(kind: Location['kind']) {
  return {
    endpoint: kind !== 'file',
    region: kind !== 'file',
    project: kind === 'gs',
    credentialsRef: kind !== 'file',
    credentials: kind !== 'file',
  };
}

/** A price the user typed: a number when it is one, else the text itself so the server names the field. */
const priceOf = (text: string): number => {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(n) ? n : (text as unknown as number);
};

/** The tier map the form describes (every ticked tier). */
export function formTiers(f: EditForm): TierMap {
  const tiers: TierMap = {};
  for (const t of TIERS) {
    const row = f.tiers[t];
    if (row.on) tiers[t] = { storage_class: row.storageClass.trim(), price_per_gb_month: priceOf(row.price) };
  }
  return tiers;
}

const sameTiers = (a: TierMap, b: TierMap): boolean =>
  TIERS.every((t) => {
    const x = a[t];
    const y = b[t];
    if (!x || !y) return !x && !y;
    return x.storage_class === y.storage_class && x.price_per_gb_month === y.price_per_gb_month;
  });

/**
 * The PATCH body: only the fields that differ from the location. An emptied text field is
 * sent as null (cleared); the tier map is sent whole when any tier changed; credentials only
 * when some secret input is filled, or null when "forget" is ticked.
 */
export function toLocationPatch(l: Location, f: EditForm): LocationPatch | { parseError: string } {
  const can = editableFields(l.kind);
  const body: LocationPatch = {};
  const text = (key: 'endpoint' | 'region' | 'project' | 'credentials_ref', value: string) => {
    const v = value.trim() === '' ? null : value.trim();
    if (v !== (l[key] ?? null)) body[key] = v;
  };
  if (can.endpoint) text('endpoint', f.endpoint);
  if (can.region) text('region', f.region);
  if (can.project) text('project', f.project);
  if (can.credentialsRef) text('credentials_ref', f.credentialsRef);
  if (can.credentials) {
    if (f.forgetCredentials) {
      if (l.has_credentials) body.credentials = null;
    } else if (l.kind === 's3' && (f.accessKeyId || f.secretAccessKey || f.sessionToken)) {
      body.credentials = { access_key_id: f.accessKeyId, secret_access_key: f.secretAccessKey };
      if (f.sessionToken) body.credentials.session_token = f.sessionToken;
    } else if (l.kind === 'gs' && f.serviceAccount.trim()) {
      try {
        body.credentials = { service_account: JSON.parse(f.serviceAccount) as never };
      } catch {
        return { parseError: 'The service-account key is not JSON: paste the whole key file.' };
      }
    }
  }
  const tiers = formTiers(f);
  if (!sameTiers(tiers, l.tiers)) body.tiers = tiers;
  return body;
}
