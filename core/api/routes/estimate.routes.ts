import type { FastifyInstance } from 'fastify';
import type { Core } from '../../create-core.ts';
import { Estimate, EstimateQuery, type EstimateQuery as Query } from '../../contracts/estimate.ts';
import { responses } from '../schemas.ts';

export function estimateRoutes(app: FastifyInstance, core: Core): void {
  app.get<{ Querystring: Query }>(
    '/estimate',
    {
      schema: {
        tags: ['migration'],
        summary:
          'What a move would cost and take: monthly storage before and after, egress, retrieval, ' +
          'early deletion, requests, duration; and whether planning it needs "confirm": true',
        querystring: EstimateQuery,
        response: responses({ 200: Estimate }),
      },
    },
    async (req) => core.estimates.estimate(req.query),
  );
}
