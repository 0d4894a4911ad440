import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { TSchema, Static } from '@sinclair/typebox';
import { DataMotionError } from '../errors.ts';

/**
 * One validator for every entry point (REST bodies, IPC arguments, Kafka messages, CLI):
 * bodies are strict (no type coercion, unknown fields rejected); query strings and path
 * params arrive as text, so they are coerced.
 */
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: false,
    coerceTypes: coerce ? 'array' : false,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  addFormats.default(ajv);
  return ajv;
}

export const strictAjv = makeAjv(false);
export const coercingAjv = makeAjv(true);

const cache = new WeakMap<object, ValidateFunction>();

export function compile(schema: TSchema, coerce = false): ValidateFunction {
  if (!coerce) {
    const hit = cache.get(schema);
    if (hit) return hit;
  }
  const { $id: _ignored, ...rest } = schema as TSchema & { $id?: string };
  const fn = (coerce ? coercingAjv : strictAjv).compile(rest);
  if (!coerce) cache.set(schema, fn);
  return fn;
}

/** Turns an ajv error into a sentence that names the field, e.g. `body.dataset_id: must be integer`. */
export function describeAjvError(e: ErrorObject, root: string): { field: string; message: string } {
  const path = e.instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('');
  let field = `${root}${path}`;
  let reason = e.message ?? 'is invalid';
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required') {
    field = `${field}.${String(params.missingProperty)}`;
    reason = 'is required';
  } else if (e.keyword === 'additionalProperties') {
    field = `${field}.${String(params.additionalProperty)}`;
    reason = 'is not a known field';
  } else if (e.keyword === 'enum' || e.keyword === 'const') {
    reason = `${reason}: ${JSON.stringify(params.allowedValues ?? params.allowedValue)}`;
  }
  return { field, message: `${field}: ${reason}` };
}

/**
 * The one sentence for a failed validation: the most specific error, and for a choice
 * of literals (a union of consts, like `op`) every allowed value rather than the first.
 */
export function describeErrors(errors: ErrorObject[], root: string): { field: string; message: string } {
  const first = pickError(errors);
  if (!first) return { field: root, message: `${root}: is invalid` };
  const described = describeAjvError(first, root);
  if (first.keyword !== 'const') return described;
  const allowed = errors
    .filter((e) => e.keyword === 'const' && e.instancePath === first.instancePath)
    .map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue));
  return { field: described.field, message: `${described.field}: must be one of ${allowed.join(', ')}` };
}

/** Validates (and applies defaults to) `value`; throws an invalid_input error naming the field. */
export function parse<T extends TSchema>(schema: T, value: unknown, root = 'body'): Static<T> {
  const fn = compile(schema);
  if (!fn(value)) {
    const { field, message } = describeErrors(fn.errors ?? [], root);
    throw new DataMotionError('invalid_input', message, field);
  }
  return value as Static<T>;
}

/**
 * For unions ajv reports every branch; the deepest error is usually the one that
 * names the real culprit (e.g. `[3].op` rather than "must match a schema in anyOf").
 */
export function pickError(errors: ErrorObject[]): ErrorObject | undefined {
  const specific = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const pool = specific.length ? specific : errors;
  return pool.reduce<ErrorObject | undefined>(
    (best, e) => (!best || e.instancePath.length > best.instancePath.length ? e : best),
    undefined,
  );
}
