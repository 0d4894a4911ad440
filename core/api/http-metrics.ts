import type { FastifyInstance } from 'fastify';
import type { Core } from '../create-core.ts';
import { JOB_STATUSES } from '../contracts/jobs.ts';
import { TIERS } from '../contracts/common.ts';
import { urlForLog } from './log-url.ts';

/** Seconds; from a fast GET to a large ingest batch. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const HIST = 'datamotion_http_request_duration_seconds';

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/**
 * HTTP counters and a latency histogram (core/metrics.ts has counters and gauges only),
 * plus gauges read from the database at scrape time. Labels use the route template, never
 * the raw URL, so ids do not explode the series count.
 */
export class HttpMetrics {
  private readonly hist = new Map<string, { method: string; route: string; h: Histogram }>();

  constructor(private readonly core: Core) {
    core.metrics.collect(() => this.collectDb());
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.core.metrics.inc('datamotion_http_requests_total', 'HTTP requests answered', 1, {
      method,
      route,
      status: String(status),
    });
    const k = `${method} ${route}`;
    let e = this.hist.get(k);
    if (!e) {
      e = { method, route, h: { counts: BUCKETS.map(() => 0), sum: 0, count: 0 } };
      this.hist.set(k, e);
    }
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) (e.h.counts[i] as number)++;
    });
    e.h.sum += seconds;
    e.h.count++;
  }

  render(): string {
    const out = [`# HELP ${HIST} HTTP request latency`, `# TYPE ${HIST} histogram`];
    for (const { method, route, h } of this.hist.values()) {
      const l = `method="${method}",route="${route.replace(/["\\]/g, '\\$&')}"`;
      BUCKETS.forEach((b, i) => out.push(`${HIST}_bucket{${l},le="${b}"} ${h.counts[i]}`));
      out.push(
        `${HIST}_bucket{${l},le="+Inf"} ${h.count}`,
        `${HIST}_sum{${l}} ${h.sum}`,
        `${HIST}_count{${l}} ${h.count}`,
      );
    }
    return this.core.metrics.render() + out.join('\n') + '\n';
  }

  private collectDb(): void {
    const m = this.core.metrics;
    const jobs = this.core.db
      .prepare('SELECT status, count(*) AS n FROM migration_jobs GROUP BY status')
      .all() as { status: string; n: number }[];
    for (const s of JOB_STATUSES) {
      m.set('datamotion_jobs', 'Migration jobs by status', jobs.find((j) => j.status === s)?.n ?? 0, {
        status: s,
      });
    }
    // total(), not sum(): sum() of integers raises "integer overflow" past 2^63 and /metrics would fail.
    const ds = this.core.db
      .prepare(
        'SELECT current_tier AS tier, count(*) AS n, total(size_bytes) AS bytes FROM datasets GROUP BY 1',
      )
      .all() as { tier: string; n: number; bytes: number }[];
    for (const t of TIERS) {
      const row = ds.find((d) => d.tier === t);
      m.set('datamotion_datasets', 'Datasets by current tier', row?.n ?? 0, { tier: t });
      m.set('datamotion_dataset_bytes', 'Catalogued bytes by current tier', row?.bytes ?? 0, { tier: t });
    }
  }
}

export function installRequestMetrics(app: FastifyInstance, metrics: HttpMetrics): void {
  // One log line per request (Fastify's own request logging is off: it writes two).
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.observe(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    req.log.info(
      {
        method: req.method,
        url: urlForLog(req.url),
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
}
