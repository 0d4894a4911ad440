import { existsSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createCore } from '../create-core.ts';
import { resolveConfig } from '../config.ts';
import type { LocationCreate } from '../contracts/locations.ts';
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from '../api/server.ts';
import { assertBindAllowed } from '../api/security.ts';
import { CliError } from './http.ts';
import { ensureBundle } from './ui-bundle.ts';
import { kafkaFromArgs, type KafkaArgs } from './kafka-flags.ts';
import { keysFromEnv, parseApiKeys, type NamedKey } from '../api/api-keys.ts';

export interface ServeArgs extends KafkaArgs {
  port?: string;
  host?: string;
  'data-dir'?: string;
  location?: string[];
  'allowed-host'?: string[];
  /** "KEY" (named "default") or "NAME=KEY", repeatable. */
  'api-key'?: string[];
  'no-mover'?: boolean;
}

const list = (env: string | undefined): string[] =>
  (env ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** "file:///x", "/x" or "./x" → a file:// URI; other schemes pass through for the core to judge. */
export function toUri(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : pathToFileURL(resolve(value)).href;
}

/** Parses "[id=]uri" specs; an id defaults to the root folder's name. */
export function parseLocations(specs: string[]): LocationCreate[] {
  const seen = new Set<string>();
  return specs.map((spec, i) => {
    const m = /^([a-z0-9][a-z0-9_-]*)=(.+)$/.exec(spec);
    const uri = toUri(m ? (m[2] as string) : spec);
    let id = m?.[1];
    if (!id) {
      let path = uri;
      try {
        path = fileURLToPath(uri);
      } catch {
        // s3:// or gs://: take the last segment of the URI itself.
      }
      id = basename(path.replace(/\/+$/, ''))
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, '-')
        .replace(/^[-_]+|-+$/g, '');
      if (!id) id = `loc${i + 1}`;
    }
    if (seen.has(id)) {
      if (m) throw new CliError(`--location: the id "${id}" is given twice`, 2);
      let n = 2;
      while (seen.has(`${id}-${n}`)) n++;
      id = `${id}-${n}`;
    }
    seen.add(id);
    return { id, uri, ...cloudDefaults(uri) };
  });
}

/**
 * A cloud location given on the command line takes its endpoint from the variables the
 * SDKs and tools already use, so `--location b=s3://bucket` works against MinIO or moto
 * exactly as the aws CLI would; credentials come from the SDK's own chain.
 */
function cloudDefaults(uri: string, env = process.env): Partial<LocationCreate> {
  if (uri.startsWith('s3://')) {
    const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
    return { ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) };
  }
  if (uri.startsWith('gs://')) {
    const host = env.STORAGE_EMULATOR_HOST;
    const endpoint = host && !/^https?:\/\//.test(host) ? `http://${host}` : host;
    const project = env.GOOGLE_CLOUD_PROJECT;
    return { ...(endpoint ? { endpoint } : {}), ...(project ? { project } : {}) };
  }
  return {};
}

/** --api-key flags, else DATAMOTION_API_KEYS plus DATAMOTION_API_KEY (named "default"). */
function namedKeys(flags: string[] | undefined, env: NodeJS.ProcessEnv): NamedKey[] {
  const fromEnv = [
    ...(env.DATAMOTION_API_KEY ? [env.DATAMOTION_API_KEY] : []),
    ...keysFromEnv(env.DATAMOTION_API_KEYS),
  ];
  try {
    return flags?.length ? parseApiKeys(flags) : parseApiKeys(fromEnv, 'DATAMOTION_API_KEYS');
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e), 2);
  }
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new CliError(`--port: "${value}" is not a port (0-65535)`, 2);
  return n;
}

/** `datamotion serve`: the core, the mover and the REST API until SIGINT or SIGTERM. */
export async function serve(args: ServeArgs, out: (line: string) => void): Promise<number> {
  const env = process.env;
  const port = parsePort(args.port ?? env.DATAMOTION_PORT ?? String(DEFAULT_PORT));
  const host = args.host ?? env.DATAMOTION_HOST ?? DEFAULT_HOST;
  const apiKeys = namedKeys(args['api-key'], env);
  const apiKey = apiKeys[0]?.secret;
  const allowedHosts = args['allowed-host']?.length
    ? args['allowed-host']
    : list(env.DATAMOTION_ALLOWED_HOSTS);
  const specs = args.location?.length ? args.location : list(env.DATAMOTION_LOCATIONS);
  const locations = parseLocations(specs);
  // Before anything is opened: a refused bind should not leave a database behind.
  assertBindAllowed(host, apiKey);
  const kafka = kafkaFromArgs(args, env);
  const base = resolveConfig({ dataDir: args['data-dir'] ? resolve(args['data-dir']) : undefined });
  // A fresh clone or a pull that changed the UI: build the bundle the server is about to read.
  await ensureBundle(out);

  const core = createCore({
    dataDir: base.dataDir,
    locations,
    mover: { ...base.mover, enabled: !args['no-mover'] },
    kafka,
  });
  warnOnChangedLocations(core.locations.list(), locations, (m) => core.logger.warn(m));
  let server;
  try {
    server = await startServer(core, { host, port, apiKeys, allowedHosts });
  } catch (e) {
    await core.close();
    throw e;
  }
  const running = server;
  out(`DataMotion serving ${running.url}`);
  out(
    `  data: ${core.config.dataDir}  mover: ${args['no-mover'] ? 'off' : 'on'}  api key: ${apiKey ? `required (${apiKeys.map((k) => k.name).join(', ')})` : 'off (loopback only)'}`,
  );
  for (const l of core.locations.list()) out(`  location ${l.id}: ${l.uri}`);
  if (kafka) {
    const prefix = kafka.topicPrefix ? `, topic prefix "${kafka.topicPrefix}"` : '';
    out(
      `  kafka: ${kafka.brokers.join(',')}${prefix}; mover ${args['no-mover'] ? 'off (workers copy)' : 'is a group member'}`,
    );
  }

  // The server first (no new work arrives), then the core (the mover leaves jobs resumable).
  return untilStopped(core.logger, 'shutting down: closing the server, then the core', () =>
    running.close().then(() => core.close()),
  );
}

/**
 * Resolves with the exit code once SIGINT or SIGTERM has run `close` (once, whichever comes
 * first): 0, or 1 with the error logged when closing failed.
 */
export function untilStopped(
  logger: { info(o: object, msg: string): void; error(o: object, msg: string): void },
  message: string,
  close: () => Promise<unknown>,
): Promise<number> {
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, message);
      close().then(
        () => done(0),
        (e: unknown) => {
          logger.error({ err: e }, 'shutdown failed');
          done(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/** An existing location id keeps its stored root; say so instead of silently ignoring the flag. */
function warnOnChangedLocations(
  stored: { id: string; uri: string }[],
  asked: LocationCreate[],
  warn: (m: string) => void,
): void {
  for (const a of asked) {
    const s = stored.find((l) => l.id === a.id);
    if (!s || !a.uri.startsWith('file:')) continue;
    const p = fileURLToPath(a.uri);
    const real = existsSync(p) ? pathToFileURL(realpathSync(p)).href : a.uri;
    if (real !== s.uri) {
      warn(`location "${a.id}" already exists with root ${s.uri}; ${a.uri} is ignored (use a new id)`);
    }
  }
}
