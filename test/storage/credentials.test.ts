// From a location's credentials reference or stored secret to driver options: each form of
// the reference, the errors an operator reads when it points at nothing, and the secrets
// reaching the logger's scrub list. No network: the probe tests use these against emulators.
import { Writable } from 'node:stream';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { GcsSecret, S3Secret } from '../../core/contracts/locations.ts';
import { DataMotionError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import {
  gcsDriverOptions,
  parseCredentialsRef,
  s3DriverOptions,
  validateCredentialsRef,
  validateStoredSecret,
} from '../../core/storage/credentials.ts';
import { describeStorageError } from '../../core/storage/probe.ts';

const S3_SECRET: S3Secret = {
  access_key_id: 'AKIASTOREDEXAMPLE',
  secret_access_key: 'stored-secret-abcdef-123456',
};
const SERVICE_ACCOUNT: GcsSecret = {
  service_account: {
    type: 'service_account',
    client_email: 'probe@example.iam.gserviceaccount.com',
    private_key: '-----BEGIN PRIVATE KEY-----\nMIIEexampleexample\n-----END PRIVATE KEY-----\n',
  },
};

/** The DataMotionError `run` throws, for assertions on its field and message. */
function errorOf(run: () => unknown): DataMotionError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(DataMotionError);
    return e as DataMotionError;
  }
  throw new Error('expected an error');
}

/** What the logger writes for one line, to prove a secret is scrubbed by value. */
function logged(message: string): string {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  createLogger('info', sink).info({ detail: message }, message);
  return out;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dm-credentials-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

describe('validateCredentialsRef (POST /locations, before anything is stored)', () => {
  test.each([
    ['s3', 'default'],
    ['s3', 'env:MY_STORE'],
    ['s3', 'profile:analytics-prod'],
    ['s3', 'file:/etc/datamotion/s3.json'],
    ['s3', 'file:///etc/datamotion/s3.json'],
    ['gs', 'default'],
    ['gs', 'env:GCS'],
    ['gs', 'file:/etc/datamotion/sa.json'],
    ['file', 'default'],
  ] as const)('%s accepts %s', (kind, ref) => {
    expect(() => validateCredentialsRef(kind, ref, 'body.credentials_ref')).not.toThrow();
  });

  test('no reference at all is fine (the SDK chain)', () => {
    expect(() => validateCredentialsRef('s3', undefined, 'body.credentials_ref')).not.toThrow();
    expect(() => validateCredentialsRef('gs', null, 'body.credentials_ref')).not.toThrow();
  });

  test.each([
    ['s3', 'vault:secret/s3', /not a credentials reference; use default, env:PREFIX/],
    ['s3', 'Default', /not a credentials reference/],
    ['s3', 'AKIAIOSFODNN7EXAMPLE', /not a credentials reference/],
    ['s3', ' default', /spaces/],
    ['s3', 'env:', /PREFIX must be letters, digits and "_"/],
    ['s3', 'env:1BAD', /PREFIX must be/],
    ['s3', 'env:MY-STORE', /PREFIX must be/],
    ['s3', 'profile:', /not a valid AWS profile name/],
    ['s3', 'profile:has space', /not a valid AWS profile name/],
    ['s3', 'file:keys/s3.json', /must be absolute/],
    ['s3', 'file:', /must be absolute/],
    ['s3', 'file://otherhost/keys.json', /not a usable file URL/],
    ['gs', 'profile:dev', /profile:NAME names an AWS profile/],
    ['file', 'env:AWS', /file:\/\/ locations .* take no credentials/],
    ['file', 'profile:dev', /take no credentials/],
    ['file', 'file:/etc/key.json', /take no credentials/],
  ] as const)('%s refuses %j', (kind, ref, reason) => {
    const e = errorOf(() => validateCredentialsRef(kind, ref, 'body.credentials_ref'));
    expect(e.field).toBe('body.credentials_ref');
    expect(e.statusCode).toBe(400);
    expect(e.message).toMatch(/^body\.credentials_ref: /);
    expect(e.message).toMatch(reason);
  });

  test('parseCredentialsRef gives the parsed form', () => {
    expect(parseCredentialsRef('env:X_1', 'f')).toEqual({ scheme: 'env', prefix: 'X_1' });
    expect(parseCredentialsRef('profile:a.b', 'f')).toEqual({ scheme: 'profile', name: 'a.b' });
    expect(parseCredentialsRef('file:///k.json', 'f')).toEqual({ scheme: 'file', path: '/k.json' });
  });
});

describe('validateStoredSecret: a secret of the wrong kind names body.credentials', () => {
  test('service account on s3, keys on gs, anything on file', () => {
    for (const [kind, secret] of [
      ['s3', SERVICE_ACCOUNT],
      ['gs', S3_SECRET],
      ['file', S3_SECRET],
    ] as const) {
      const e = errorOf(() => validateStoredSecret(kind, secret));
      expect(e.field).toBe('body.credentials');
    }
    expect(() => validateStoredSecret('s3', S3_SECRET)).not.toThrow();
    expect(() => validateStoredSecret('gs', SERVICE_ACCOUNT)).not.toThrow();
  });

  test('the driver-option builders refuse it too', () => {
    expect(errorOf(() => s3DriverOptions({ kind: 's3' }, SERVICE_ACCOUNT)).field).toBe('body.credentials');
    expect(errorOf(() => gcsDriverOptions({ kind: 'gs' }, S3_SECRET)).field).toBe('body.credentials');
  });
});

describe('s3DriverOptions', () => {
  test('default (or no reference): no credentials, so the SDK uses its own chain', () => {
    const o = s3DriverOptions({ kind: 's3', credentials_ref: 'default', region: 'eu-west-1' }, undefined, {});
    expect(o).toEqual({ region: 'eu-west-1', forcePathStyle: false });
    expect(s3DriverOptions({ kind: 's3' }, undefined, { AWS_REGION: 'ap-south-1' })).toEqual({
      region: 'ap-south-1',
      forcePathStyle: false,
    });
    expect(s3DriverOptions({ kind: 's3', credentials_ref: null }, undefined, {}).region).toBe('us-east-1');
  });

  test('an endpoint means path-style URLs (MinIO, moto, gateways)', () => {
    const o = s3DriverOptions({ kind: 's3', endpoint: 'http://127.0.0.1:9000' }, undefined, {});
    expect(o).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
  });

  test('a stored secret wins over the reference, and its secret key is scrubbed from logs', () => {
    const o = s3DriverOptions({ kind: 's3', credentials_ref: 'env:NOT_SET' }, S3_SECRET, {});
    expect(o.credentials).toEqual({
      accessKeyId: S3_SECRET.access_key_id,
      secretAccessKey: S3_SECRET.secret_access_key,
    });
    expect(logged(`oops ${S3_SECRET.secret_access_key}`)).not.toContain(S3_SECRET.secret_access_key);
    expect(logged('an-ordinary-value-123')).toContain('an-ordinary-value-123'); // the control
  });

  test('env:PREFIX reads PREFIX_ACCESS_KEY_ID, _SECRET_ACCESS_KEY and the optional _SESSION_TOKEN', () => {
    const env = { LAKE_ACCESS_KEY_ID: 'AKIAENV', LAKE_SECRET_ACCESS_KEY: 'env-secret-0123456789' };
    expect(s3DriverOptions({ kind: 's3', credentials_ref: 'env:LAKE' }, undefined, env).credentials).toEqual({
      accessKeyId: 'AKIAENV',
      secretAccessKey: 'env-secret-0123456789',
    });
    const withToken = { ...env, LAKE_SESSION_TOKEN: 'session-token-0123456789' };
    expect(
      s3DriverOptions({ kind: 's3', credentials_ref: 'env:LAKE' }, undefined, withToken).credentials,
    ).toMatchObject({ sessionToken: 'session-token-0123456789' });
    const line = logged('env-secret-0123456789 and session-token-0123456789');
    expect(line).not.toContain('env-secret-0123456789');
    expect(line).not.toContain('session-token-0123456789');
  });

  test('env:PREFIX with a variable missing (or empty) names the variable', () => {
    const ref = { kind: 's3', credentials_ref: 'env:LAKE' } as const;
    expect(() => s3DriverOptions(ref, undefined, {})).toThrow(
      /env:LAKE: LAKE_ACCESS_KEY_ID is not set in the environment of the DataMotion server/,
    );
    const e = errorOf(() =>
      s3DriverOptions(ref, undefined, { LAKE_ACCESS_KEY_ID: 'a', LAKE_SECRET_ACCESS_KEY: '' }),
    );
    expect(e.message).toMatch(/LAKE_SECRET_ACCESS_KEY is not set/);
    expect(e.field).toBe('credentials_ref');
  });

  test('file:/path reads a JSON key file with the S3Secret fields', () => {
    const path = file(
      's3.json',
      JSON.stringify({ access_key_id: 'AKIAFILE', secret_access_key: 'file-secret-0123456789' }),
    );
    expect(
      s3DriverOptions({ kind: 's3', credentials_ref: `file:${path}` }, undefined, {}).credentials,
    ).toEqual({
      accessKeyId: 'AKIAFILE',
      secretAccessKey: 'file-secret-0123456789',
    });
    expect(logged('file-secret-0123456789')).not.toContain('file-secret-0123456789');
  });

  test('file:/path that is missing, not JSON, or lacks a field: the error says which', () => {
    const opts = (path: string) => () => s3DriverOptions({ kind: 's3', credentials_ref: `file:${path}` });
    expect(opts(join(dir, 'absent.json'))).toThrow(/absent\.json does not exist on the server/);
    expect(opts(file('s3.ini', '[default]\naws_access_key_id = x\n'))).toThrow(/s3\.ini is not JSON/);
    expect(opts(file('partial.json', '{"access_key_id":"AKIA"}'))).toThrow(
      /lacks a non-empty "secret_access_key"/,
    );
    expect(opts(file('array.json', '[]'))).toThrow(/not a JSON object/);
    expect(opts(dir)).toThrow(/is not a regular file/);
  });

  test.skipIf(process.getuid?.() === 0)('file:/path the server may not read', () => {
    const path = file('locked.json', '{}');
    chmodSync(path, 0o000);
    expect(() => s3DriverOptions({ kind: 's3', credentials_ref: `file:${path}` })).toThrow(
      /locked\.json is not readable by the user running DataMotion/,
    );
  });

  test('profile:NAME resolves that profile from the shared credentials file, on first use', async () => {
    const saved = { creds: process.env.AWS_SHARED_CREDENTIALS_FILE, config: process.env.AWS_CONFIG_FILE };
    process.env.AWS_SHARED_CREDENTIALS_FILE = file(
      'credentials',
      '[analytics]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret-0123456789\n',
    );
    process.env.AWS_CONFIG_FILE = file('config', '');
    try {
      const provider = s3DriverOptions({ kind: 's3', credentials_ref: 'profile:analytics' }).credentials;
      expect(typeof provider).toBe('function');
      const identity = await (provider as () => Promise<{ accessKeyId: string; secretAccessKey: string }>)();
      expect(identity).toMatchObject({
        accessKeyId: 'AKIAPROFILE',
        secretAccessKey: 'profile-secret-0123456789',
      });
      expect(logged('profile-secret-0123456789')).not.toContain('profile-secret-0123456789');

      // A profile that is not there fails on first use; the probe calls that bad credentials.
      const missing = s3DriverOptions({ kind: 's3', credentials_ref: 'profile:nope' }).credentials;
      const err = await (missing as () => Promise<unknown>)().catch((e: unknown) => e);
      expect(describeStorageError(err, 'list', { rootUri: 's3://b' })).toMatchObject({
        cause: 'bad_credentials',
      });
    } finally {
      for (const [k, v] of [
        ['AWS_SHARED_CREDENTIALS_FILE', saved.creds],
        ['AWS_CONFIG_FILE', saved.config],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  test('called for another kind of location: a programming error', () => {
    expect(() => s3DriverOptions({ kind: 'gs' })).toThrow(/s3DriverOptions called for a gs location/);
  });
});

describe('gcsDriverOptions', () => {
  const keyFile = () =>
    file(
      'sa.json',
      JSON.stringify({ ...SERVICE_ACCOUNT.service_account, private_key: 'file-pk-0123456789' }),
    );

  test('default: Application Default Credentials; endpoint and project pass through', () => {
    expect(gcsDriverOptions({ kind: 'gs' }, undefined, {})).toEqual({});
    expect(
      gcsDriverOptions({
        kind: 'gs',
        endpoint: 'http://127.0.0.1:4443',
        project: 'p-1',
        credentials_ref: 'default',
      }),
    ).toEqual({ apiEndpoint: 'http://127.0.0.1:4443', projectId: 'p-1' });
  });

  test('a stored service account becomes `credentials`; its private key is scrubbed, raw and JSON-escaped', () => {
    const o = gcsDriverOptions({ kind: 'gs', credentials_ref: 'file:/nowhere.json' }, SERVICE_ACCOUNT);
    expect(o.credentials).toEqual(SERVICE_ACCOUNT.service_account);
    expect(o.keyFilename).toBeUndefined();
    const pk = SERVICE_ACCOUNT.service_account.private_key;
    expect(logged(`key ${pk}`)).not.toContain('MIIEexampleexample');
    expect(logged(JSON.stringify({ private_key: pk }))).not.toContain('MIIEexampleexample');
  });

  test('file:/path → keyFilename, after checking the file is a readable Google JSON key', () => {
    const path = keyFile();
    expect(gcsDriverOptions({ kind: 'gs', credentials_ref: `file:${path}` })).toEqual({ keyFilename: path });
    expect(logged('file-pk-0123456789')).not.toContain('file-pk-0123456789');
    expect(() => gcsDriverOptions({ kind: 'gs', credentials_ref: `file:${join(dir, 'gone.json')}` })).toThrow(
      /gone\.json does not exist on the server/,
    );
    const notKey = file('plain.json', '{"hello":1}');
    expect(() => gcsDriverOptions({ kind: 'gs', credentials_ref: `file:${notKey}` })).toThrow(
      /has no "type" field/,
    );
    const pem = file('key.pem', '-----BEGIN PRIVATE KEY-----\n');
    expect(() => gcsDriverOptions({ kind: 'gs', credentials_ref: `file:${pem}` })).toThrow(
      /key\.pem is not JSON/,
    );
  });

  test('env:PREFIX → the key file named by PREFIX_APPLICATION_CREDENTIALS', () => {
    const path = keyFile();
    const loc = { kind: 'gs', credentials_ref: 'env:LAKE' } as const;
    expect(gcsDriverOptions(loc, undefined, { LAKE_APPLICATION_CREDENTIALS: path })).toEqual({
      keyFilename: path,
    });
    expect(() => gcsDriverOptions(loc, undefined, {})).toThrow(/LAKE_APPLICATION_CREDENTIALS is not set/);
    expect(() => gcsDriverOptions(loc, undefined, { LAKE_APPLICATION_CREDENTIALS: 'sa.json' })).toThrow(
      /LAKE_APPLICATION_CREDENTIALS must be an absolute path/,
    );
  });

  test('a profile (possible only in a row edited by hand) is refused', () => {
    expect(() => gcsDriverOptions({ kind: 'gs', credentials_ref: 'profile:dev' })).toThrow(
      /profiles are AWS settings/,
    );
  });
});
