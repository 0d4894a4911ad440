// Starts development services in the foreground until Ctrl-C:
//   npm run dev:kafka [-- --port 9092 --version 4.1.1 --wipe --data DIR]
//   npm run dev:s3 [-- --port 9000]
//   npm run dev:gcs [-- --port 4443 --wipe]
//   npm run dev:services            (all three on their default ports)
import { parseArgs } from 'node:util';
import {
  DEFAULT_KAFKA_VERSION,
  DEFAULT_PORTS,
  KAFKA_VERSIONS,
  SERVICE_NAMES,
  defaultDataDir,
  startService,
  type RunningService,
  type ServiceName,
} from './lib/services.ts';

const USAGE = `usage: dev.ts <kafka|s3|gcs|all> [--port N] [--version X.Y.Z] [--data DIR] [--wipe]
  --port     listening port on 127.0.0.1 (kafka ${DEFAULT_PORTS.kafka}, s3 ${DEFAULT_PORTS.s3}, gcs ${DEFAULT_PORTS.gcs})
  --version  Kafka version (default ${DEFAULT_KAFKA_VERSION}; verified: ${KAFKA_VERSIONS.join(', ')})
  --data     state folder (default .cache/data/<service>)
  --wipe     delete the state folder first`;

function parse() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      version: { type: 'string', default: DEFAULT_KAFKA_VERSION },
      data: { type: 'string' },
      wipe: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const target = positionals[0];
  if (values.help || positionals.length !== 1 || !target) fail(USAGE);
  const names = target === 'all' ? [...SERVICE_NAMES] : SERVICE_NAMES.filter((n) => n === target);
  if (names.length === 0) fail(`Unknown service "${target}".\n${USAGE}`);
  if (names.length > 1 && (values.port !== undefined || values.data !== undefined)) {
    fail('--port and --data apply to one service; start it alone to change them.');
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    fail(`--port must be a TCP port number, got "${values.port}".`);
  }
  return { names, port, version: values.version, data: values.data, wipe: values.wipe };
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function banner(service: RunningService, seconds: number): string {
  const lines = [`[${service.name}] ready in ${seconds.toFixed(1)}s at ${service.endpoint}`];
  for (const [key, value] of Object.entries(service.details))
    lines.push(`[${service.name}]   ${key}: ${value}`);
  for (const [key, value] of Object.entries(service.env))
    lines.push(`[${service.name}]   export ${key}=${value}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parse();
  const running: RunningService[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.error(`stopping ${running.map((s) => s.name).join(', ') || 'startup'}...`);
    await Promise.all(running.map((s) => s.stop()));
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const start = async (name: ServiceName) => {
    const began = performance.now();
    const service = await startService(name, {
      port: args.port ?? DEFAULT_PORTS[name],
      dataDir: args.data ?? defaultDataDir(name, args.version),
      wipe: args.wipe,
      version: args.version,
      output: { kind: 'console', prefix: `[${name}] ` },
      log: (line) => console.log(line),
    });
    running.push(service);
    if (stopping) return service.stop();
    console.log(banner(service, (performance.now() - began) / 1000));
    void service.exited.then((code) => {
      if (stopping) return;
      console.error(`[${name}] exited unexpectedly (${code}); stopping the others.`);
      void stopAll(1);
    });
  };

  const results = await Promise.allSettled(args.names.map(start));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  if (failures.length > 0) {
    console.error(failures.join('\n\n'));
    await stopAll(1);
    return;
  }
  console.log(`running in the foreground; Ctrl-C stops ${args.names.join(', ')}.`);
}

void main();
