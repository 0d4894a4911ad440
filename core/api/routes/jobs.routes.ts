import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../create-core.ts';
import {
  Job,
  JobDetail,
  JobIdParams,
  JobListQuery,
  JobObjectsPage,
  JobObjectsQuery,
  PlanMigration,
  PlanResult,
  type JobListQuery as ListQuery,
  type JobObjectsQuery as ObjectsQuery,
} from '../../contracts/jobs.ts';
import { RetryParams, responses } from '../schemas.ts';

const tags = ['migration'];

export function jobRoutes(app: FastifyInstance, core: Core): void {
  app.post(
    '/plan-migration',
    {
      schema: {
        tags,
        summary: 'Plan a migration; idempotent on job_key (201 created, 200 when the key already had a job)',
        body: PlanMigration,
        response: responses({ 200: PlanResult, 201: PlanResult }),
      },
    },
    async (req, reply) => {
      const result = core.jobs.plan(req.body);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/jobs',
    {
      schema: {
        tags,
        summary: 'List jobs, newest first',
        querystring: JobListQuery,
        response: responses({ 200: Type.Array(Job) }),
      },
    },
    async (req) => core.jobs.list(req.query),
  );

  app.get<{ Params: { job_id: string } }>(
    '/jobs/:job_id',
    {
      schema: {
        tags,
        summary: 'One job with its history',
        params: JobIdParams,
        response: responses({ 200: JobDetail }),
      },
    },
    async (req) => core.jobs.get(req.params.job_id),
  );

  app.post<{ Params: { id: string } }>(
    '/jobs/retry/:id',
    {
      schema: {
        tags,
        summary:
          'Queue a failed, canceled or enqueue_failed job again (verified objects are not copied twice)',
        params: RetryParams,
        response: responses({ 200: Job }),
      },
    },
    async (req) => core.jobs.retry(req.params.id),
  );

  app.post<{ Params: { job_id: string } }>(
    '/jobs/:job_id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a job; what it wrote at the destination is removed, the source is never touched',
        params: JobIdParams,
        response: responses({ 200: Job }),
      },
    },
    async (req) => core.jobs.cancel(req.params.job_id),
  );

  app.get<{ Params: { job_id: string }; Querystring: ObjectsQuery }>(
    '/jobs/:job_id/objects',
    {
      schema: {
        tags,
        summary:
          "A page of a job's objects: each one's state (pending, copied, verified, mismatch), size, " +
          'source and destination CRC32C and copy count; counts by state',
        params: JobIdParams,
        querystring: JobObjectsQuery,
        response: responses({ 200: JobObjectsPage }),
      },
    },
    async (req) => core.jobs.objects(req.params.job_id, req.query),
  );
}
