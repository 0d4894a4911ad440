import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../create-core.ts';
import { IdParams } from '../../contracts/common.ts';
import {
  Dataset,
  DatasetCreate,
  DatasetDetail,
  DatasetListQuery,
  DatasetPatch,
} from '../../contracts/datasets.ts';
import type { DatasetListQuery as ListQuery } from '../../contracts/datasets.ts';
import { UsageBucket } from '../../contracts/telemetry.ts';
import { NoContent, UsageQuery, responses } from '../schemas.ts';

const tags = ['datasets'];

export function datasetRoutes(app: FastifyInstance, core: Core): void {
  app.post(
    '/datasets',
    {
      schema: {
        tags,
        summary: 'Register a folder inside a location as a dataset (size and count scanned if not given)',
        body: DatasetCreate,
        response: responses({ 201: DatasetDetail }),
      },
    },
    async (req, reply) => reply.code(201).send(await core.datasets.create(req.body)),
  );

  app.get<{ Querystring: ListQuery }>(
    '/datasets',
    {
      schema: {
        tags,
        summary: 'List datasets',
        querystring: DatasetListQuery,
        response: responses({ 200: Type.Array(Dataset) }),
      },
    },
    async (req) => core.datasets.list(req.query),
  );

  app.get<{ Params: { id: number } }>(
    '/datasets/:id',
    {
      schema: {
        tags,
        summary: 'One dataset with its replicas',
        params: IdParams,
        response: responses({ 200: DatasetDetail }),
      },
    },
    async (req) => core.datasets.get(req.params.id),
  );

  app.patch<{ Params: { id: number } }>(
    '/datasets/:id',
    {
      schema: {
        tags,
        summary: 'Change name, tier, SLO, owner or sizes (never path_uri: plan a migration instead)',
        params: IdParams,
        body: DatasetPatch,
        response: responses({ 200: DatasetDetail }),
      },
    },
    async (req) => core.datasets.patch(req.params.id, req.body),
  );

  app.delete<{ Params: { id: number } }>(
    '/datasets/:id',
    {
      schema: {
        tags,
        summary: 'Forget a dataset (its files stay); refused while a migration is open',
        params: IdParams,
        response: responses({ 204: NoContent }),
      },
    },
    async (req, reply) => {
      core.datasets.delete(req.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: number }; Querystring: { since?: string } }>(
    '/datasets/:id/usage',
    {
      schema: {
        tags,
        summary: 'Access aggregates of a dataset, one row per time bucket',
        params: IdParams,
        querystring: UsageQuery,
        response: responses({ 200: Type.Array(UsageBucket) }),
      },
    },
    async (req) => core.telemetry.usage(req.params.id, req.query.since ? Date.parse(req.query.since) : 0),
  );
}
