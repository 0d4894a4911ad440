import { Type, type Static } from '@sinclair/typebox';

/** GET /health: liveness, open without an API key. */
export const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptime_s: Type.Number(),
});
export type Health = Static<typeof Health>;
