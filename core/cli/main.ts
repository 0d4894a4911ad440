import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DataMotionError } from '../errors.ts';
import { ApiClient, CliError, DEFAULT_URL } from './http.ts';
import { datasets, estimate, jobs, locations, plan, recommendations, type Output } from './commands.ts';
import { serve } from './serve.ts';
import { worker } from './worker.ts';
import { KAFKA_OPTIONS, KAFKA_USAGE } from './kafka-flags.ts';
import { watch } from './watch.ts';

export const USAGE = `datamotion: decides where data should live, and moves it there safely

Server:
  datamotion serve [--port 8080] [--host 127.0.0.1] [--data-dir DIR]
                   [--location [ID=]file:///root|s3://bucket/prefix|gs://bucket/prefix ...]
                   [--allowed-host NAME ...]
                   [--api-key [NAME=]KEY ...] [--no-mover]
                   ${KAFKA_USAGE}
      env: DATAMOTION_PORT, DATAMOTION_HOST, DATAMOTION_DATA_DIR, DATAMOTION_LOCATIONS (comma-separated),
           DATAMOTION_ALLOWED_HOSTS (comma-separated), DATAMOTION_API_KEY, DATAMOTION_LOG_LEVEL,
           DATAMOTION_API_KEYS (NAME=KEY,... : the audit trail records each request's key NAME)
      --port 0 picks a free port; the URL is printed. A non-loopback --host needs --api-key.
      s3:// locations use AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) as their endpoint when set
      (MinIO, moto), AWS_REGION, and the SDK's credential chain; gs:// locations use
      STORAGE_EMULATOR_HOST and Application Default Credentials.
      Kafka env: DATAMOTION_KAFKA_BROKERS, _TOPIC_PREFIX, _CLIENT_ID, _PARTITIONS, _REPLICATION_FACTOR,
           _SASL_MECHANISM (plain|scram-sha-256|scram-sha-512), _SASL_USERNAME, _SASL_PASSWORD,
           _TLS (true), _TLS_CA_FILE, _SESSION_TIMEOUT_MS. With Kafka the mover is a member of the
           movers' consumer group; --no-mover leaves the copying to workers.

Worker (headless mover, no UI or REST):
  datamotion worker --kafka-brokers HOST:PORT[,…] [--kafka-topic-prefix P] [--data-dir DIR]
                    [--location [ID=]URI ...] [--worker-id ID] [--concurrency N]
                    [--bandwidth-bytes BYTES_PER_S] [--metrics-port PORT]
      consumes migration_jobs as a group member, copies and verifies, reports on migration_status.

Client (talks to a running server):
  datamotion datasets [list]
  datamotion datasets add NAME PATH_URI       PATH_URI: file:///abs/path or a local path
  datamotion jobs [list] [--status S] [--dataset ID]
  datamotion plan --dataset ID --target URI|LOCATION_ID --class CLASS
                  [--tier hot|warm|cold] [--key JOB_KEY] [--retire-source] [--confirm] [--watch]
      a move that retires the source, pays an early-deletion charge or is very large
      needs --confirm; see its cost first with:
  datamotion estimate --dataset ID --target URI|LOCATION_ID --class CLASS [--retire-source]
  datamotion watch JOB_ID                      exits 0 when the job completed, 1 otherwise
  datamotion recommendations [--dataset ID]
  datamotion locations

Client options:
  --url URL       server address (env DATAMOTION_URL, default ${DEFAULT_URL})
  --api-key KEY   when the server requires one (env DATAMOTION_API_KEY)
  --json          print the server's JSON instead of a table
  -h, --help      this text
`;

const CLIENT_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

const COMMAND_OPTIONS: Record<string, ParseArgsConfig['options']> = {
  serve: {
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    location: { type: 'string', multiple: true },
    'allowed-host': { type: 'string', multiple: true },
    'api-key': { type: 'string', multiple: true },
    'no-mover': { type: 'boolean' },
    ...KAFKA_OPTIONS,
    help: { type: 'boolean', short: 'h' },
  },
  worker: {
    ...KAFKA_OPTIONS,
    'data-dir': { type: 'string' },
    location: { type: 'string', multiple: true },
    'worker-id': { type: 'string' },
    concurrency: { type: 'string' },
    'bandwidth-bytes': { type: 'string' },
    'metrics-port': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  datasets: CLIENT_OPTIONS,
  jobs: { ...CLIENT_OPTIONS, status: { type: 'string' }, dataset: { type: 'string' } },
  plan: {
    ...CLIENT_OPTIONS,
    dataset: { type: 'string' },
    target: { type: 'string' },
    class: { type: 'string' },
    tier: { type: 'string' },
    key: { type: 'string' },
    'retire-source': { type: 'boolean' },
    confirm: { type: 'boolean' },
    watch: { type: 'boolean' },
  },
  estimate: {
    ...CLIENT_OPTIONS,
    dataset: { type: 'string' },
    target: { type: 'string' },
    class: { type: 'string' },
    'retire-source': { type: 'boolean' },
  },
  watch: CLIENT_OPTIONS,
  recommendations: { ...CLIENT_OPTIONS, dataset: { type: 'string' } },
  locations: CLIENT_OPTIONS,
};

type Values = Record<string, string | boolean | string[] | undefined>;

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const options = COMMAND_OPTIONS[command];
  if (!options) throw new CliError(`unknown command "${command}"\n\n${USAGE}`, 2);
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    throw new CliError(`${command}: ${(e as Error).message}`, 2);
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const print = (line: string) => process.stdout.write(`${line}\n`);
  if (command === 'serve') {
    if (positionals.length) throw new CliError(`serve: unexpected argument "${positionals[0]}"`, 2);
    return serve(v, print);
  }
  if (command === 'worker') {
    if (positionals.length) throw new CliError(`worker: unexpected argument "${positionals[0]}"`, 2);
    return worker(v, print);
  }

  const api = new ApiClient(
    (v.url as string | undefined) ?? process.env.DATAMOTION_URL ?? DEFAULT_URL,
    (v['api-key'] as string | undefined) ?? (process.env.DATAMOTION_API_KEY || undefined),
  );
  const out: Output = { json: v.json === true, print };
  const term = { write: (s: string) => process.stdout.write(s), isTTY: process.stdout.isTTY === true };
  const none = (name: string) => {
    if (positionals.length) throw new CliError(`${name}: unexpected argument "${positionals[0]}"`, 2);
  };
  switch (command) {
    case 'datasets':
      return datasets(api, positionals, out);
    case 'jobs':
      return jobs(api, positionals, { status: v.status as string, dataset: v.dataset as string }, out);
    case 'plan': {
      none('plan');
      const job = await plan(api, v, out);
      return v.watch ? watch(api, job.job_id, term) : 0;
    }
    case 'estimate':
      none('estimate');
      await estimate(api, v, out);
      return 0;
    case 'watch': {
      if (positionals.length !== 1) throw new CliError('usage: datamotion watch JOB_ID', 2);
      return watch(api, positionals[0] as string, term);
    }
    case 'recommendations':
      none('recommendations');
      return recommendations(api, v.dataset as string | undefined, out);
    default:
      none('locations');
      return locations(api, out);
  }
}

/** Runs a command; failures print one readable line (the server's message) and set the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof CliError || e instanceof DataMotionError) {
      process.stderr.write(`datamotion: ${e.message}\n`);
      return e instanceof CliError ? e.exitCode : 1;
    }
    process.stderr.write(`datamotion: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
