import type { FastifyInstance, InjectOptions, LightMyRequestResponse as InjectResponse } from 'fastify';
import { buildServer, type ServerOptions } from '../../core/api/server.ts';
import type { CreateCoreOptions } from '../../core/create-core.ts';
import { tempCore, type TempCore } from '../helpers/temp-core.ts';

/** The port the Host check expects in inject tests (nothing listens on it). */
export const PORT = 8080;
export const HOST = `127.0.0.1:${PORT}`;

export interface ApiFixture extends TempCore {
  app: FastifyInstance;
  /** app.inject with a valid Host header unless the test sets its own. */
  inject(opts: InjectOptions): Promise<InjectResponse>;
  close(): Promise<void>;
}

export async function apiFixture(
  server: ServerOptions = {},
  core: CreateCoreOptions = {},
): Promise<ApiFixture> {
  const t = tempCore(core);
  const app = await buildServer(t.core, { port: PORT, ...server });
  return {
    ...t,
    app,
    inject: (opts) => app.inject({ ...opts, headers: { host: HOST, ...opts.headers } }),
    async close() {
      await app.close();
      await t.cleanup();
    },
  };
}
