import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HttpMetrics } from '../http-metrics.ts';
import { Health, responses } from '../schemas.ts';
import type { KafkaStatus } from '../../bus/kafka-runtime.ts';
import { VERSION } from '../../version.ts';

const startedAt = Date.now();

export function systemRoutes(
  app: FastifyInstance,
  metrics: HttpMetrics,
  kafka: () => KafkaStatus | undefined = () => undefined,
): void {
  // Open without an API key: liveness probes carry no secrets and it reveals nothing but "up".
  app.get(
    '/health',
    {
      config: { public: true },
      schema: { tags: ['system'], summary: 'Liveness', response: responses({ 200: Health }) },
    },
    async () => {
      const broker = kafka();
      return {
        status: 'ok' as const,
        version: VERSION,
        uptime_s: Math.round((Date.now() - startedAt) / 1000),
        ...(broker ? { kafka: broker } : {}),
      };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['system'],
        summary: 'Prometheus text exposition: service counters, HTTP latency, jobs and datasets gauges',
        produces: ['text/plain'],
        response: responses({ 200: Type.String() }),
      },
    },
    async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render()),
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
