import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { resolveConfig } from '../config.ts';
import { createWorker } from '../worker/create-worker.ts';
import { CliError } from './http.ts';
import { kafkaFromArgs, type KafkaArgs } from './kafka-flags.ts';
import { parseLocations, untilStopped } from './serve.ts';

export interface WorkerArgs extends KafkaArgs {
  'data-dir'?: string;
  location?: string[];
  'worker-id'?: string;
  concurrency?: string;
  'bandwidth-bytes'?: string;
  'metrics-port'?: string;
}

function count(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min)
    throw new CliError(`${flag}: "${value}" is not an integer ≥ ${min}`, 2);
  return n;
}

/**
 * `datamotion worker`: a headless mover. No UI, no REST; optionally /health and /metrics
 * on --metrics-port. Runs until SIGINT or SIGTERM, leaving a running job resumable.
 */
export async function worker(args: WorkerArgs, out: (line: string) => void): Promise<number> {
  const kafka = kafkaFromArgs(args);
  if (!kafka) {
    throw new CliError('worker: --kafka-brokers HOST:PORT[,…] (or DATAMOTION_KAFKA_BROKERS) is required', 2);
  }
  const metricsPort = count(args['metrics-port'], '--metrics-port', 0);
  const base = resolveConfig({
    dataDir: args['data-dir'] ? resolve(args['data-dir']) : undefined,
    kafka,
  });
  const concurrency = count(args.concurrency, '--concurrency', 1);
  const bandwidth = count(args['bandwidth-bytes'], '--bandwidth-bytes', 0);
  const headless = createWorker({
    dataDir: base.dataDir,
    kafka,
    locations: args.location?.length ? parseLocations(args.location) : undefined,
    mover: {
      ...base.mover,
      ...(concurrency ? { concurrency } : {}),
      ...(bandwidth !== undefined ? { bandwidthBytesPerSec: bandwidth } : {}),
    },
    ...(args['worker-id'] ? { workerId: args['worker-id'] } : {}),
  });
  const { worker: member, metrics } = headless;
  let server: Server | undefined;
  if (metricsPort !== undefined) {
    server = createServer((req, res) => {
      if (req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok', ...member.health(), kafka: headless.link.health() }));
      } else if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(metrics.render());
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'not_found', message: 'only /health and /metrics are served here' }));
      }
    });
    await new Promise<void>((ok) => server?.listen(metricsPort, '127.0.0.1', ok));
    const address = server.address();
    out(`  metrics: http://127.0.0.1:${typeof address === 'object' && address ? address.port : metricsPort}`);
  }
  await headless.start();
  out(
    `DataMotion worker ${member.id} consuming ${headless.link.topic('migration_jobs')} as ${member.groupId}`,
  );
  out(`  brokers: ${kafka.brokers.join(',')}  data: ${base.dataDir}`);
  return untilStopped(headless.logger, 'worker shutting down: running jobs stay resumable', () => {
    server?.close();
    return headless.close();
  });
}
