import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../create-core.ts';
import { Location, LocationCreate } from '../../contracts/locations.ts';
import { responses } from '../schemas.ts';

const tags = ['locations'];

export function locationRoutes(app: FastifyInstance, core: Core): void {
  app.get(
    '/locations',
    { schema: { tags, summary: 'List locations', response: responses({ 200: Type.Array(Location) }) } },
    async () => core.locations.list(),
  );

  app.post(
    '/locations',
    {
      schema: {
        tags,
        summary: 'Add a location root with its tier → storage class and price map',
        body: LocationCreate,
        response: responses({ 201: Location }),
      },
    },
    async (req, reply) => reply.code(201).send(core.locations.create(req.body)),
  );
}
