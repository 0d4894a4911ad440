import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../create-core.ts';
import { IdParams } from '../../contracts/common.ts';
import {
  AutoApplyStatus,
  DatasetTags,
  DatasetTagsBody,
  DryRunResult,
  PolicyDocumentDryRunBody,
  PolicyDocumentError,
  PolicyDocumentPut,
  PolicyDocumentPutResult,
  PolicyDocumentVersion,
  PolicyDocumentVersionsQuery,
  PolicyVersionParams,
  type PolicyDocumentVersionsQuery as VersionsQuery,
} from '../../contracts/policy-document.ts';
import { responses } from '../schemas.ts';

const tags = ['policy'];
/** A document's 400 lists every problem at its line; the shared 4xx shape would drop them. */
const documentResponses = (ok: Record<number, unknown>) =>
  ({ ...responses(ok as never), 400: PolicyDocumentError }) as Record<string, unknown>;

export function policyDocumentRoutes(app: FastifyInstance, core: Core): void {
  app.get(
    '/policy-document',
    {
      schema: {
        tags,
        summary: 'The policy document in force (version 0 with an empty source before the first PUT)',
        response: responses({ 200: PolicyDocumentVersion }),
      },
    },
    async () => core.policyDocs.current(),
  );

  app.put(
    '/policy-document',
    {
      schema: {
        tags,
        summary:
          'Save a new version of the policy document (YAML or JSON); with apply, also plan the moves its ' +
          'dry run lists. A 400 lists every problem with its line, column and field',
        body: PolicyDocumentPut,
        response: documentResponses({ 200: PolicyDocumentPutResult }),
      },
    },
    async (req) => core.policyDocs.put(req.body),
  );

  app.get<{ Querystring: VersionsQuery }>(
    '/policy-document/versions',
    {
      schema: {
        tags,
        summary: 'Every saved version, newest first',
        querystring: PolicyDocumentVersionsQuery,
        response: responses({ 200: Type.Array(PolicyDocumentVersion) }),
      },
    },
    async (req) => core.policyDocs.versions(req.query),
  );

  app.get<{ Params: { version: number } }>(
    '/policy-document/versions/:version',
    {
      schema: {
        tags,
        summary: 'One saved version',
        params: PolicyVersionParams,
        response: responses({ 200: PolicyDocumentVersion }),
      },
    },
    async (req) => core.policyDocs.version(req.params.version),
  );

  app.post(
    '/policy-document/dry-run',
    {
      schema: {
        tags,
        summary:
          'Which datasets applying this document would move, where, and what it would cost or save; nothing is saved',
        body: PolicyDocumentDryRunBody,
        response: documentResponses({ 200: DryRunResult }),
      },
    },
    async (req) => core.policyDocs.dryRun(req.body),
  );

  app.get(
    '/auto-apply',
    {
      schema: {
        tags,
        summary: "Auto-apply's settings in force, the bytes it planned today, and what its last run did",
        response: responses({ 200: AutoApplyStatus }),
      },
    },
    async () => core.autoApply.status(),
  );

  app.get<{ Params: { id: number } }>(
    '/datasets/:id/tags',
    {
      schema: {
        tags,
        summary: "A dataset's tags (select.tags matches them)",
        params: IdParams,
        response: responses({ 200: DatasetTags }),
      },
    },
    async (req) => core.policyDocs.tags(req.params.id),
  );

  app.put<{ Params: { id: number } }>(
    '/datasets/:id/tags',
    {
      schema: {
        tags,
        summary: "Replace a dataset's tags",
        params: IdParams,
        body: DatasetTagsBody,
        response: responses({ 200: DatasetTags }),
      },
    },
    async (req) => core.policyDocs.setTags(req.params.id, req.body),
  );
}
