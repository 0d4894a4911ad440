import type { FastifyInstance } from 'fastify';
import type { Core } from '../../create-core.ts';
import { AuditPage, AuditQuery, type AuditQuery as Query } from '../../contracts/audit.ts';
import { responses } from '../schemas.ts';

export function auditRoutes(app: FastifyInstance, core: Core): void {
  app.get<{ Querystring: Query }>(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary:
          'The audit trail, newest first: plans, switches, retirements, policy changes and automatic actions, ' +
          'each with its actor, reason and recommendation; filter by dataset_id, actor, action, since/until; ' +
          'page with cursor=next_cursor',
        querystring: AuditQuery,
        response: responses({ 200: AuditPage }),
      },
    },
    async (req) => core.audit.list(req.query),
  );
}
