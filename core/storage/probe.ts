// "Test connection" for a location: one real round trip through its driver (list, put, head,
// delete of a small probe object), timed step by step, and a failure told in the words an
// operator acts on ("nothing listens at …", "the credentials may not write objects in …")
// rather than the SDK's.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { AUTOCLASS_TERMINAL, type AutoclassName, type LocationProbe } from '../contracts/locations.ts';
import type { StorageDriver } from './driver.ts';

export type ProbeOp = 'list' | 'put' | 'head' | 'delete';

/** LocationProbe.cause: what kind of fix the operator needs. */
export type ProbeCause =
  | 'dns'
  | 'connection_refused'
  | 'timeout'
  | 'bad_credentials'
  | 'no_such_bucket'
  | 'permission_denied'
  | 'other';

export interface StorageProblem {
  cause: ProbeCause;
  problem: string;
}

/** What the messages can name: the location's root, its endpoint, the step's time limit. */
export interface ProblemContext {
  rootUri?: string;
  endpoint?: string;
  timeoutMs?: number;
}

export interface ProbeOptions {
  /** Time limit of each step (default 10 s); the probe answers even when the store never does. */
  timeoutMs?: number;
  /** LocationProbe.location (the location's id); default: rootUri. */
  location?: string;
  /**
   * The location's endpoint. Named in messages ("nothing listens at <endpoint>"), and
   * connected to directly during the list step, so that a refused connection or an
   * unknown host is reported at once rather than after the SDK's retries (the GCS SDK
   * retries a failed listing for about 15 s).
   */
  endpoint?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Time allowed to remove the probe object after a failed step (the answer is already known). */
const CLEANUP_MS = 2_000;
/** Bytes of a store's own message kept in a step's `error`. */
const MAX_ERROR_TEXT = 500;

/** A step that got no answer in time. */
class ProbeTimeoutError extends Error {
  override readonly name = 'ProbeTimeoutError';
  constructor(
    readonly op: ProbeOp,
    readonly ms: number,
  ) {
    super(`${op} got no answer within ${ms} ms`);
  }
}

/**
 * Runs `run` with a time limit. The signal lets list and put stop their request; stat and
 * remove take none, so their promise is left to settle on its own (its outcome ignored).
 */
async function timed<T>(op: ProbeOp, ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new ProbeTimeoutError(op, ms);
      controller.abort(e);
      reject(e);
    }, ms);
  });
  const work = run(controller.signal);
  work.catch(() => undefined);
  try {
    return await Promise.race([work, expired]);
  } catch (e) {
    // An abort caused by the timer surfaces as the driver's AbortError: report the timeout.
    if (controller.signal.aborted) throw controller.signal.reason;
    controller.abort(e); // the step's other request (the listing beside a failed connect) stops too
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

async function* once(data: Buffer): AsyncGenerator<Uint8Array> {
  yield data;
}

/**
 * Proves a location works end to end with its driver: lists the root (the first object
 * only), writes `.datamotion-probe-<random>` under it, reads its metadata back, deletes it.
 * Stops at the first failing step and says why (see describeStorageError); never throws
 * for a store's failure. The probe object sits directly under the root, outside any
 * dataset folder, and is removed even when the head step fails.
 */
export async function probeLocation(
  driver: StorageDriver,
  rootUri: string,
  opts: ProbeOptions = {},
): Promise<LocationProbe> {
  const ms = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const context: ProblemContext = {
    rootUri,
    timeoutMs: ms,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
  };
  const key = `.datamotion-probe-${randomBytes(8).toString('hex')}`;
  const body = Buffer.from(`DataMotion location probe ${new Date().toISOString()}\n`);
  const steps: LocationProbe['steps'] = [];
  let written = false;

  const plan: [ProbeOp, (signal: AbortSignal) => Promise<void>][] = [
    [
      'list',
      async (signal) => {
        const listFirst = async () => {
          const it = driver.list(rootUri, signal)[Symbol.asyncIterator]();
          await it.next();
          await it.return?.(undefined);
        };
        // Whichever fails first is the answer; a reachable endpoint waits for the listing.
        await Promise.all([listFirst(), opts.endpoint ? reachable(opts.endpoint, signal) : undefined]);
      },
    ],
    [
      'put',
      async (signal) => {
        // Set first: a write that timed out here may still have landed in the store.
        written = true;
        await driver.write(rootUri, key, once(body), { size: body.length, signal });
      },
    ],
    [
      'head',
      async () => {
        const head = await driver.stat(rootUri, key);
        if (!head) throw new Error(`the probe object ${key} was written but the store does not show it`);
        if (head.size !== body.length) {
          throw new Error(`the probe object ${key} reads back as ${head.size} bytes, not ${body.length}`);
        }
      },
    ],
    [
      'delete',
      async () => {
        await driver.remove(rootUri, key);
        written = false;
      },
    ],
  ];

  for (const [op, run] of plan) {
    const started = performance.now();
    try {
      await timed(op, ms, run);
      steps.push({ op, ok: true, ms: elapsed(started) });
    } catch (e) {
      steps.push({ op, ok: false, ms: elapsed(started), error: errorText(e) });
      // Leave nothing behind; this cleanup is not a step, and its failure changes no answer.
      if (written) {
        await timed('delete', Math.min(ms, CLEANUP_MS), () => driver.remove(rootUri, key)).catch(
          () => undefined,
        );
      }
      const { cause, problem } = describeStorageError(e, op, context);
      return { location: opts.location ?? rootUri, ok: false, cause, problem, steps };
    }
  }
  return { location: opts.location ?? rootUri, ok: true, cause: null, problem: null, steps };
}

const DIRECT_FAILURES = ['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA', 'ECONNREFUSED'];

/**
 * Rejects when the endpoint's host does not resolve or refuses the connection; resolves
 * when it accepts one, and also for anything inconclusive (a slow or odd network: the
 * listing then speaks for itself). Skipped behind an HTTP proxy, where the SDKs (the GCS
 * one honours HTTPS_PROXY) may reach what a direct connection cannot.
 */
function reachable(endpoint: string, signal: AbortSignal): Promise<void> {
  const env = process.env;
  if (env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy) return Promise.resolve();
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return Promise.resolve();
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const done = (e?: Error & { code?: string }) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (e && e.code && DIRECT_FAILURES.includes(e.code)) {
        reject(new Error(`connecting to ${host}:${port} failed: ${e.message}`, { cause: e }));
      } else resolve();
    };
    const onAbort = () => done();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done());
    socket.once('error', done);
  });
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
}

/** Everything an error and its causes say about themselves (SDK errors nest the socket error). */
interface Facts {
  names: Set<string>;
  codes: Set<string>;
  statuses: Set<number>;
  hostname?: string;
  address?: string;
  messages: string[];
  timeout?: ProbeTimeoutError;
}

function collect(e: unknown, facts: Facts, depth = 0): Facts {
  if (!e || typeof e !== 'object' || depth > 6) return facts;
  if (e instanceof ProbeTimeoutError) facts.timeout ??= e;
  const o = e as Record<string, unknown> & {
    $metadata?: { httpStatusCode?: unknown };
    response?: { status?: unknown };
  };
  if (typeof o.name === 'string') facts.names.add(o.name);
  if (typeof o.code === 'string') facts.codes.add(o.code);
  if (typeof o.errno === 'string') facts.codes.add(o.errno);
  for (const s of [o.code, o.status, o.statusCode, o.$metadata?.httpStatusCode, o.response?.status]) {
    if (typeof s === 'number' && s >= 100 && s < 600) facts.statuses.add(s);
  }
  if (typeof o.hostname === 'string') facts.hostname ??= o.hostname;
  if (typeof o.address === 'string') {
    facts.address ??= typeof o.port === 'number' ? `${o.address}:${o.port}` : o.address;
  }
  if (typeof o.message === 'string') facts.messages.push(o.message);
  collect(o.cause, facts, depth + 1);
  // Node's connect tries every address of a host (happy eyeballs) and reports all of them.
  if (Array.isArray(o.errors)) for (const inner of o.errors) collect(inner, facts, depth + 1);
  return facts;
}

const DNS_CODES = ['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA'];
const TIMEOUT_CODES = [
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
];
const TIMEOUT_NAMES = ['TimeoutError', 'RequestTimeout', 'RequestTimeTooSkewed'];
/** S3 (and STS) names for keys that do not exist, do not match, or have expired. */
const BAD_CREDENTIAL_NAMES = [
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'MissingAuthenticationToken',
  'AuthFailure',
  'CredentialsProviderError',
];
// Google auth failures happen before the storage call: a revoked key, an unknown account, no ADC.
const GOOGLE_BAD_CREDENTIALS =
  /invalid_grant|invalid_client|unauthorized_client|Could not load the default credentials|Could not refresh access token/i;
const DENIED_NAMES = ['AccessDenied', 'AllAccessDisabled', 'AccountProblem', 'Forbidden'];
const TLS_CODES = [
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
];

const VERBS: Record<ProbeOp, string> = {
  list: 'list objects',
  put: 'write objects',
  head: 'read object metadata',
  delete: 'delete objects',
};
const S3_PERMISSION: Record<ProbeOp, string> = {
  list: 's3:ListBucket',
  put: 's3:PutObject',
  head: 's3:GetObject',
  delete: 's3:DeleteObject',
};
const GCS_PERMISSION: Record<ProbeOp, string> = {
  list: 'storage.objects.list',
  put: 'storage.objects.create',
  head: 'storage.objects.get',
  delete: 'storage.objects.delete',
};

/** `s3://bucket` / `gs://bucket` of a root, or the root itself (file://). */
function bucketOf(rootUri: string | undefined): string {
  if (!rootUri) return 'the bucket';
  const m = /^(s3|gs):\/\/([^/]+)/.exec(rootUri);
  return m ? `${m[1]}://${m[2]}` : rootUri;
}

function hasAny(set: Set<string>, values: readonly string[]): string | undefined {
  return values.find((v) => set.has(v));
}

/**
 * Says what an error from a driver call means for the operator: one of the LocationProbe
 * causes and a sentence naming what to check. Reads the error and its `cause` chain: the
 * drivers wrap SDK errors (S3OperationError keeps `name` and `$metadata.httpStatusCode`,
 * GcsError keeps the HTTP status or socket code in `code`) and the socket error sits below.
 */
export function describeStorageError(e: unknown, op: ProbeOp, context: ProblemContext = {}): StorageProblem {
  const f = collect(e, { names: new Set(), codes: new Set(), statuses: new Set(), messages: [] });
  const bucket = bucketOf(context.rootUri);
  const endpoint = context.endpoint ?? (f.address ? `${f.address}` : 'the endpoint');
  const storeSays = f.messages.at(-1) ?? String(e);
  const gcs = context.rootUri?.startsWith('gs://') ?? false;

  const dns = hasAny(f.codes, DNS_CODES);
  if (dns) {
    const host = f.hostname ?? hostOf(context.endpoint) ?? 'of the endpoint';
    const temporary = dns === 'EAI_AGAIN' ? ' (a temporary DNS failure: it may pass on a retry)' : '';
    return {
      cause: 'dns',
      problem: `the endpoint's host name ${host} does not resolve${temporary}: check the endpoint URL and this machine's DNS`,
    };
  }
  if (f.codes.has('ECONNREFUSED')) {
    return {
      cause: 'connection_refused',
      problem: `nothing listens at ${endpoint}; is the service running?`,
    };
  }
  if (f.timeout || hasAny(f.codes, TIMEOUT_CODES) || hasAny(f.names, TIMEOUT_NAMES)) {
    if (f.names.has('RequestTimeTooSkewed')) {
      return {
        cause: 'other',
        problem: "this machine's clock differs too much from the store's: set the clock (NTP) and try again",
      };
    }
    const limit = f.timeout ? ` within ${f.timeout.ms / 1000} s` : '';
    return {
      cause: 'timeout',
      problem: `${endpoint === 'the endpoint' ? 'the store' : endpoint} gave no answer to ${op}${limit}: a firewall, proxy or an overloaded service may be in the way`,
    };
  }
  const badName = hasAny(f.names, BAD_CREDENTIAL_NAMES);
  if (badName || f.statuses.has(401) || f.messages.some((m) => GOOGLE_BAD_CREDENTIALS.test(m))) {
    return {
      cause: 'bad_credentials',
      problem:
        `the store refused the credentials (${badName ?? (f.statuses.has(401) ? 'HTTP 401' : storeSays)}): ` +
        "check the key and secret, or what the location's credentials_ref points at",
    };
  }
  if (f.names.has('NoSuchBucket') || (f.statuses.has(404) && (op === 'list' || op === 'put'))) {
    return {
      cause: 'no_such_bucket',
      problem: `the bucket ${bucket} does not exist (or belongs to an account these credentials cannot see): create it or fix the location's URI`,
    };
  }
  const denied = hasAny(f.names, DENIED_NAMES);
  if (denied || f.statuses.has(403)) {
    const permission = (gcs ? GCS_PERMISSION : S3_PERMISSION)[op];
    return {
      cause: 'permission_denied',
      problem: `the credentials may not ${VERBS[op]} in ${bucket} (${denied ?? 'HTTP 403'}): grant ${permission} or use other credentials`,
    };
  }
  // The file driver: the server's own user and disk.
  const fsDenied = hasAny(f.codes, ['EACCES', 'EPERM', 'EROFS']);
  if (fsDenied) {
    return {
      cause: 'permission_denied',
      problem: `the user running DataMotion may not ${VERBS[op]} in ${bucket} (${fsDenied}): fix the folder's owner or mode, or pick another folder`,
    };
  }
  const full = hasAny(f.codes, ['ENOSPC', 'EDQUOT']);
  if (full)
    return {
      cause: 'other',
      problem: `no space left for ${bucket} (${full}): free space or pick another disk`,
    };
  const region = f.messages.map((m) => /expecting '([a-z0-9-]+)'/.exec(m)?.[1]).find(Boolean);
  if (region || f.names.has('PermanentRedirect') || f.names.has('AuthorizationHeaderMalformed')) {
    return {
      cause: 'other',
      problem: `the bucket ${bucket} is in ${region ? `region ${region}` : 'another region'}: set the location's region`,
    };
  }
  const tls = hasAny(f.codes, TLS_CODES);
  if (tls) {
    return {
      cause: 'other',
      problem: `the TLS certificate of ${endpoint} is not trusted (${tls}): fix the certificate or add its CA (NODE_EXTRA_CA_CERTS)`,
    };
  }
  const unreachable = hasAny(f.codes, ['EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);
  if (unreachable) {
    return {
      cause: 'other',
      problem: `the connection to ${endpoint} failed (${unreachable}): check the network path to it`,
    };
  }
  return { cause: 'other', problem: `${op} failed: ${storeSays}` };
}

function hostOf(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined;
  try {
    return new URL(endpoint).hostname;
  } catch {
    return undefined;
  }
}

/**
 * What is wrong when a tier map names an Autoclass class the bucket does not run (Autoclass
 * off, or another terminal class): the engine would price storage that never gets colder,
 * or colder than it gets. null when they agree.
 */
export function autoclassMismatch(
  named: AutoclassName,
  bucket: { terminal_class: string } | null,
  bucketUri: string,
): string | null {
  if (!bucket) {
    return (
      `the tier map names ${named} but ${bucketUri} does not have Autoclass on: its objects keep the class ` +
      `they are written with, and the costs of this location would be priced wrongly; turn Autoclass on ` +
      `(gcloud storage buckets update ${bucketUri} --enable-autoclass) or name the bucket's storage classes instead`
    );
  }
  if (bucket.terminal_class === AUTOCLASS_TERMINAL[named]) return null;
  const fits = (Object.keys(AUTOCLASS_TERMINAL) as AutoclassName[]).find(
    (n) => AUTOCLASS_TERMINAL[n] === bucket.terminal_class,
  );
  return (
    `the tier map names ${named} (terminal class ${AUTOCLASS_TERMINAL[named]}) but Autoclass in ${bucketUri} ` +
    `ends in ${bucket.terminal_class}` +
    (fits ? `; name ${fits} instead` : '')
  );
}
