import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../create-core.ts';
import { IdParams } from '../../contracts/common.ts';
import {
  Policy,
  PolicyCreate,
  Recommendation,
  RecommendationsQuery,
  TrainResult,
  type RecommendationsQuery as RecQuery,
} from '../../contracts/placement.ts';
import { NoContent, responses } from '../schemas.ts';
import { LegacyPolicies } from '../../policy/legacy-policies.ts';

const tags = ['placement'];

export function placementRoutes(app: FastifyInstance, core: Core): void {
  app.get<{ Querystring: RecQuery }>(
    '/recommendations',
    {
      schema: {
        tags,
        summary:
          'What the placement engine computed: an incremental refresh first (only datasets whose inputs ' +
          'changed are reloaded; the work yields to the event loop), then the stored recommendations; ' +
          'refresh=false skips the refresh',
        querystring: RecommendationsQuery,
        response: responses({ 200: Type.Array(Recommendation) }),
      },
    },
    async (req) =>
      req.query.refresh === false
        ? core.placement.latest(req.query.dataset_id)
        : core.placement.refresh({ datasetId: req.query.dataset_id }),
  );

  app.post(
    '/train',
    {
      schema: {
        tags,
        summary:
          "Fit each dataset's access forecast (Holt-Winters, daily and weekly seasonality) on its rollups; " +
          'the engine uses a forecast only where it beat the recency heuristic in backtest',
        response: responses({ 200: TrainResult }),
      },
    },
    async () => core.placement.train(),
  );

  app.get(
    '/policies',
    { schema: { tags, summary: 'List policies', response: responses({ 200: Type.Array(Policy) }) } },
    async () => core.placement.listPolicies(),
  );

  app.post(
    '/policies',
    {
      schema: {
        tags,
        summary: 'Create a pin or latency-SLO policy',
        body: PolicyCreate,
        response: responses({ 201: Policy }),
      },
    },
    async (req, reply) =>
      reply.code(201).send(new LegacyPolicies(core.placement, core.audit).create(req.body)),
  );

  app.delete<{ Params: { id: number } }>(
    '/policies/:id',
    {
      schema: { tags, summary: 'Delete a policy', params: IdParams, response: responses({ 204: NoContent }) },
    },
    async (req, reply) => {
      new LegacyPolicies(core.placement, core.audit).delete(req.params.id);
      return reply.code(204).send();
    },
  );
}
