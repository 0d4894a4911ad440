import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../create-core.ts';
import {
  Location,
  LocationCreate,
  LocationIdParams,
  LocationPatch,
  LocationProbe,
} from '../../contracts/locations.ts';
import { testLocation, updateLocation } from '../../catalog/location-actions.ts';
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

  app.patch<{ Params: { id: string } }>(
    '/locations/:id',
    {
      schema: {
        tags,
        summary:
          'Change tier prices and classes, endpoint, region, project or credentials (never id, kind or root)',
        params: LocationIdParams,
        body: LocationPatch,
        response: responses({ 200: Location }),
      },
    },
    async (req) => updateLocation(core, req.params.id, req.body),
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
