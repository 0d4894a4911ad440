import type { FastifyRequest } from 'fastify';
import { DataMotionError } from '../errors.ts';
import { LOOPBACK, apiKeyActor, type Actor } from '../audit/actor.ts';

/** A REST key and the name the audit trail records for it (never the secret). */
export interface NamedKey {
  name: string;
  secret: string;
}

const KEY_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * `--api-key` values and DATAMOTION_API_KEYS entries: "name=secret" names a key; a bare
 * "secret" is the key named "default" (so the single key of before keeps working). A bare
 * secret that itself contains "=" is written "default=<secret>".
 */
export function parseApiKeys(specs: readonly string[], field = '--api-key'): NamedKey[] {
  const keys: NamedKey[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = eq > 0 ? spec.slice(0, eq) : '';
    const named = eq > 0 && KEY_NAME.test(name) && eq < spec.length - 1;
    const key = named ? { name, secret: spec.slice(eq + 1) } : { name: 'default', secret: spec };
    if (!key.secret) throw new DataMotionError('invalid_input', `${field}: a key is empty`, field);
    if (keys.some((k) => k.name === key.name)) {
      throw new DataMotionError(
        'invalid_input',
        `${field}: the key name "${key.name}" is given twice`,
        field,
      );
    }
    if (keys.some((k) => k.secret === key.secret)) {
      throw new DataMotionError(
        'invalid_input',
        `${field}: keys "${keys.find((k) => k.secret === key.secret)!.name}" and "${key.name}" share a secret; ` +
          'give each client its own, so the audit trail can tell them apart',
        field,
      );
    }
    keys.push(key);
  }
  return keys;
}

/** DATAMOTION_API_KEYS="ci=s1,ops=s2". */
export const keysFromEnv = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const keyNames = new WeakMap<FastifyRequest, string>();

/** Set by the security hook once a request's key matched. */
export function setKeyName(req: FastifyRequest, name: string): void {
  keyNames.set(req, name);
}

/** Who a REST request acts as: its key's name, or api:loopback when no key is configured. */
export function requestActor(req: FastifyRequest): Actor {
  const name = keyNames.get(req);
  return name === undefined ? LOOPBACK : apiKeyActor(name);
}
