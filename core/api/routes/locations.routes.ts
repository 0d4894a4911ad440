import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../create-core.ts';
import { Location, LocationCreate, LocationIdParams, LocationProbe } from '../../contracts/locations.ts';
import { testLocation } from '../../catalog/location-test.ts';
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

  app.post<{ Params: { id: string } }>(
    '/locations/:id/test',
    {
      schema: {
        tags,
        summary:
          'Round trip to the store (list, put, head, delete of a probe object); says what is wrong in words',
        params: LocationIdParams,
        response: responses({ 200: LocationProbe }),
      },
    },
    async (req) => testLocation(core.locations, core.storage, req.params.id),
  );
}
