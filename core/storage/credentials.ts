// From a location's credentials (a reference, or a secret stored sealed) to the options an
// S3Driver or GcsDriver is built with. A reference names where the credentials live, never
// the credentials themselves; it is checked for shape when the location is created
// (validateCredentialsRef) and resolved each time a driver is built (the driver-option
// functions), so rotating a key in the environment or a file needs no change here.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import type { GcsSecret, LocationKind, S3Secret } from '../contracts/locations.ts';
import { invalid } from '../errors.ts';
import { registerSecret } from '../logger.ts';
import type { GcsDriverOptions } from './gcs-driver.ts';
import type { S3DriverOptions } from './s3-driver.ts';

/** A location's secret as stored (after the Sealer opened it). */
export type StoredSecret = S3Secret | GcsSecret;

/** What of a location decides how its driver connects (a Location or a LocationCreate body fits). */
export interface LocationAccess {
  kind: LocationKind;
  credentials_ref?: string | null;
  endpoint?: string | null;
  region?: string | null;
  project?: string | null;
}

/** The parsed forms of `credentials_ref`. */
export type CredentialsRef =
  | { scheme: 'default' }
  | { scheme: 'env'; prefix: string }
  | { scheme: 'profile'; name: string }
  | { scheme: 'file'; path: string };

export type S3AccessOptions = Pick<S3DriverOptions, 'endpoint' | 'credentials'> & {
  region: string;
  forcePathStyle: boolean;
};

export type GcsAccessOptions = Pick<
  GcsDriverOptions,
  'apiEndpoint' | 'projectId' | 'credentials' | 'keyFilename'
>;

const FORMS = 'default, env:PREFIX, profile:NAME (S3 only) or file:/absolute/path';
const ENV_PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
// Profile names as the aws CLI writes them in ~/.aws/config section headers.
const PROFILE = /^[A-Za-z0-9][A-Za-z0-9_.+=,@-]{0,127}$/;
/** Credential files are a few KB; a bigger one is the wrong file (or a device). */
const MAX_KEY_FILE = 64 * 1024;

/** Parses a reference; `field` names it in the error (body.credentials_ref at POST /locations). */
export function parseCredentialsRef(ref: string, field: string): CredentialsRef {
  if (ref !== ref.trim()) throw invalid(field, 'must not start or end with spaces');
  if (ref === 'default') return { scheme: 'default' };
  const colon = ref.indexOf(':');
  const scheme = colon < 0 ? ref : ref.slice(0, colon);
  const rest = ref.slice(colon + 1);
  switch (colon < 0 ? '' : scheme) {
    case 'env':
      if (!ENV_PREFIX.test(rest)) {
        throw invalid(
          field,
          `"${ref}": PREFIX must be letters, digits and "_" (env:MYSTORE reads MYSTORE_ACCESS_KEY_ID, …)`,
        );
      }
      return { scheme: 'env', prefix: rest };
    case 'profile':
      if (!PROFILE.test(rest)) throw invalid(field, `"${ref}": "${rest}" is not a valid AWS profile name`);
      return { scheme: 'profile', name: rest };
    case 'file':
      return { scheme: 'file', path: refPath(ref, rest, field) };
    default:
      throw invalid(field, `"${ref}" is not a credentials reference; use ${FORMS}`);
  }
}

/** file:/abs/path, or the URL form file:///abs/path. */
function refPath(ref: string, rest: string, field: string): string {
  let path = rest;
  if (rest.startsWith('//')) {
    try {
      path = fileURLToPath(ref);
    } catch {
      throw invalid(field, `"${ref}" is not a usable file URL; write file:/absolute/path`);
    }
  }
  if (path.includes('\0')) throw invalid(field, 'the path must not contain NUL');
  if (!isAbsolute(path)) {
    throw invalid(
      field,
      `"${ref}": the path must be absolute (file:/path/to/key.json), as the server resolves it`,
    );
  }
  return path;
}

/**
 * Checks a `credentials_ref` before a location is stored: its form, and that the location's
 * kind can use it (file:// locations take none; profiles are an AWS notion). It does not look
 * for the variable or file: they must exist where the server runs, when it connects.
 */
export function validateCredentialsRef(
  kind: LocationKind,
  ref: string | null | undefined,
  field: string,
): void {
  if (ref === undefined || ref === null) return;
  const parsed = parseCredentialsRef(ref, field);
  if (kind === 'file' && parsed.scheme !== 'default') {
    throw invalid(field, 'file:// locations are reached by the server itself and take no credentials');
  }
  if (kind === 'gs' && parsed.scheme === 'profile') {
    throw invalid(
      field,
      'profile:NAME names an AWS profile; for gs:// use file:/path/key.json, env:PREFIX or default',
    );
  }
}

/** Checks that a secret (stored or about to be) fits the location's kind. */
export function validateStoredSecret(
  kind: LocationKind,
  secret: StoredSecret | undefined,
  field = 'body.credentials',
): void {
  if (secret === undefined) return;
  if (kind === 'file') throw invalid(field, 'file:// locations take no credentials');
  const isS3 = 'access_key_id' in secret;
  if (kind === 's3' && !isS3) {
    throw invalid(
      field,
      'an s3:// location needs access_key_id and secret_access_key, not a service account',
    );
  }
  if (kind === 'gs' && isS3) {
    throw invalid(field, 'a gs:// location needs a service_account key, not S3 access keys');
  }
}

function refOf(location: LocationAccess): CredentialsRef {
  const ref = location.credentials_ref;
  // Stored refs were validated at creation; 'credentials_ref' names the field for a later failure.
  return ref === undefined || ref === null
    ? { scheme: 'default' }
    : parseCredentialsRef(ref, 'credentials_ref');
}

function requireEnv(env: NodeJS.ProcessEnv, name: string, ref: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw invalid(
      'credentials_ref',
      `${ref}: ${name} is not set in the environment of the DataMotion server`,
    );
  }
  return value;
}

/** A credentials file's text, with errors that say which file and what is wrong with it. */
function readKeyFile(path: string, ref: string): string {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw invalid('credentials_ref', `${ref}: ${path} is not a regular file`);
    size = st.size;
    accessSync(path, constants.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw invalid('credentials_ref', `${ref}: ${path} does not exist on the server`);
    if (code === 'EACCES') {
      throw invalid('credentials_ref', `${ref}: ${path} is not readable by the user running DataMotion`);
    }
    throw e;
  }
  if (size > MAX_KEY_FILE) {
    throw invalid('credentials_ref', `${ref}: ${path} is ${size} bytes, too big for a key file`);
  }
  return readFileSync(path, 'utf8');
}

function parseJsonFile(text: string, path: string, ref: string, expected: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('credentials_ref', `${ref}: ${path} is not JSON (expected ${expected})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('credentials_ref', `${ref}: ${path} is not a JSON object (expected ${expected})`);
  }
  return value as Record<string, unknown>;
}

type S3Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function s3Keys(accessKeyId: string, secretAccessKey: string, sessionToken: string | undefined): S3Keys {
  registerSecret(secretAccessKey);
  registerSecret(sessionToken);
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

const S3_FILE = '{ "access_key_id": "…", "secret_access_key": "…", "session_token"?: "…" }';

/**
 * `file:` for S3 is a JSON file with the same fields as a stored S3Secret. (An AWS
 * shared-credentials file is what `profile:NAME` reads, with AWS_SHARED_CREDENTIALS_FILE
 * pointing at it when it is not ~/.aws/credentials.)
 */
function s3KeysFromFile(path: string, ref: string): S3Keys {
  const json = parseJsonFile(readKeyFile(path, ref), path, ref, S3_FILE);
  const field = (name: string, required: boolean): string | undefined => {
    const v = json[name];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') {
      throw invalid('credentials_ref', `${ref}: ${path} lacks a non-empty "${name}" (expected ${S3_FILE})`);
    }
    return v;
  };
  return s3Keys(
    field('access_key_id', true) as string,
    field('secret_access_key', true) as string,
    field('session_token', false),
  );
}

/** A profile's keys as the aws CLI resolves them (keys, assume-role, SSO, process), registered for scrubbing. */
function profileProvider(name: string): NonNullable<S3DriverOptions['credentials']> {
  const resolve = fromIni({ profile: name });
  return async (props) => {
    const identity = await resolve(props);
    registerSecret(identity.secretAccessKey);
    registerSecret(identity.sessionToken);
    return identity;
  };
}

/**
 * S3Driver options for an s3:// location. Credentials, first match wins:
 * - a stored secret (`credentials` given at POST /locations);
 * - `default` or no reference: none here, so the SDK uses its own chain (AWS_* variables,
 *   ~/.aws profiles, SSO, web identity, ECS/EC2 instance metadata);
 * - `env:PREFIX`: PREFIX_ACCESS_KEY_ID, PREFIX_SECRET_ACCESS_KEY and, if set, PREFIX_SESSION_TOKEN,
 *   read now;
 * - `profile:NAME`: that ~/.aws profile, resolved by the SDK on the first request;
 * - `file:/path`: a JSON file { access_key_id, secret_access_key, session_token? }, read now.
 * An endpoint (MinIO, moto, a gateway) gets path-style URLs, which they all understand.
 * Throws DataMotionError (field credentials_ref) naming the missing variable or bad file.
 */
export function s3DriverOptions(
  location: LocationAccess,
  secret?: StoredSecret,
  env: NodeJS.ProcessEnv = process.env,
): S3AccessOptions {
  if (location.kind !== 's3') throw new Error(`s3DriverOptions called for a ${location.kind} location`);
  validateStoredSecret('s3', secret);
  const out: S3AccessOptions = {
    region: location.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: Boolean(location.endpoint),
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
  };
  if (secret && 'access_key_id' in secret) {
    out.credentials = s3Keys(secret.access_key_id, secret.secret_access_key, secret.session_token);
    return out;
  }
  const ref = refOf(location);
  const text = location.credentials_ref ?? 'default';
  switch (ref.scheme) {
    case 'default':
      break;
    case 'env':
      out.credentials = s3Keys(
        requireEnv(env, `${ref.prefix}_ACCESS_KEY_ID`, text),
        requireEnv(env, `${ref.prefix}_SECRET_ACCESS_KEY`, text),
        env[`${ref.prefix}_SESSION_TOKEN`] || undefined,
      );
      break;
    case 'profile':
      out.credentials = profileProvider(ref.name);
      break;
    case 'file':
      out.credentials = s3KeysFromFile(ref.path, text);
      break;
  }
  return out;
}

/** Registers the parts of a Google key file that open an account. */
function registerGoogleKey(key: Record<string, unknown>): void {
  for (const name of ['private_key', 'client_secret', 'refresh_token']) {
    const v = key[name];
    if (typeof v !== 'string') continue;
    registerSecret(v);
    // The PEM's newlines appear as "\n" wherever the key is logged inside JSON text.
    registerSecret(JSON.stringify(v).slice(1, -1));
  }
}

/** A key file's path after checking it can be used: exists, is readable, is a Google JSON key. */
function googleKeyFile(path: string, ref: string): string {
  const expected = 'a Google service-account key file';
  const key = parseJsonFile(readKeyFile(path, ref), path, ref, expected);
  if (typeof key.type !== 'string') {
    throw invalid('credentials_ref', `${ref}: ${path} has no "type" field (expected ${expected})`);
  }
  registerGoogleKey(key);
  return path;
}

/**
 * GcsDriver options for a gs:// location. Credentials, first match wins:
 * - a stored service-account key → `credentials`;
 * - `default` or no reference: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS,
 *   gcloud's login, the metadata server);
 * - `file:/path` → `keyFilename` (checked now: it exists, is readable, is a Google JSON key);
 * - `env:PREFIX` → the key file named by PREFIX_APPLICATION_CREDENTIALS, checked the same way.
 * With an endpoint (an emulator) the SDK sends no credentials at all.
 * Throws DataMotionError (field credentials_ref) naming the missing variable or bad file.
 */
export function gcsDriverOptions(
  location: LocationAccess,
  secret?: StoredSecret,
  env: NodeJS.ProcessEnv = process.env,
): GcsAccessOptions {
  if (location.kind !== 'gs') throw new Error(`gcsDriverOptions called for a ${location.kind} location`);
  validateStoredSecret('gs', secret);
  const out: GcsAccessOptions = {
    ...(location.endpoint ? { apiEndpoint: location.endpoint } : {}),
    ...(location.project ? { projectId: location.project } : {}),
  };
  if (secret && 'service_account' in secret) {
    registerGoogleKey(secret.service_account);
    out.credentials = secret.service_account;
    return out;
  }
  const ref = refOf(location);
  const text = location.credentials_ref ?? 'default';
  switch (ref.scheme) {
    case 'default':
      break;
    case 'env': {
      const name = `${ref.prefix}_APPLICATION_CREDENTIALS`;
      const path = requireEnv(env, name, text);
      if (!isAbsolute(path)) {
        throw invalid('credentials_ref', `${text}: ${name} must be an absolute path (it is "${path}")`);
      }
      out.keyFilename = googleKeyFile(path, text);
      break;
    }
    case 'file':
      out.keyFilename = googleKeyFile(ref.path, text);
      break;
    case 'profile':
      // Refused when the location was created; a row edited by hand still gets a clear answer.
      throw invalid('credentials_ref', `${text}: profiles are AWS settings; a gs:// location cannot use one`);
  }
  return out;
}
