import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { TSchema, Static } from '@sinclair/typebox';
import { DataMotionError } from '../errors.ts';
import { isSafeText } from './common.ts';

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
    // JSON's 1e400 parses to Infinity: without this it passes `type: number` and is stored.
    strictNumbers: true,
    // Errors carry the value, so a refused pattern can name the character at fault.
    verbose: true,
  });
  addFormats.default(ajv);
  // RFC 3339 allows second 60 (a leap second) and ajv-formats accepts it, but Date.parse
  // answers NaN: a time that cannot be placed on the clock is refused, not read as "nothing".
  const rfc3339 = ajv.formats['date-time'] as { validate: (s: string) => boolean };
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (s: string) => rfc3339.validate(s) && Number.isFinite(Date.parse(s)),
  });
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
  return coerce ? strictText(rest, fn) : fn;
}

/** The only spellings a query or path value may have for these types (no 0x1, 1e0, " 1", +1). */
const TEXT_FORMS: Record<string, RegExp> = {
  integer: /^-?(0|[1-9][0-9]{0,400})$/,
  number: /^-?(0|[1-9][0-9]{0,400})(\.[0-9]{1,400})?$/,
  boolean: /^(true|false)$/,
};

/**
 * Query strings and path params arrive as text and ajv coerces them with Number(): "0x1",
 * "1e0", " 1" and "" would all read as numbers. This checks the text form of each typed
 * property first, so /datasets/0x1 is a 400 rather than dataset 1.
 */
function strictText(schema: object, fn: ValidateFunction): ValidateFunction {
  const props = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const typed = Object.entries(props).flatMap(([name, s]) => {
    const form = typeof s.type === 'string' ? TEXT_FORMS[s.type] : undefined;
    return form ? [{ name, form, type: s.type as string }] : [];
  });
  if (!typed.length) return fn;
  const wrapped = ((data: unknown) => {
    if (data && typeof data === 'object') {
      for (const { name, form, type } of typed) {
        const v = (data as Record<string, unknown>)[name];
        if (typeof v === 'string' && !form.test(v)) {
          wrapped.errors = [
            {
              instancePath: `/${name}`,
              schemaPath: `#/properties/${name}/type`,
              keyword: 'type',
              params: { type },
              message: `must be ${type === 'boolean' ? 'true or false' : `a decimal ${type}`}, not ${JSON.stringify(v.slice(0, 40))}`,
            },
          ];
          return false;
        }
      }
    }
    const ok = fn(data);
    wrapped.errors = fn.errors;
    return ok;
  }) as ValidateFunction;
  wrapped.schema = fn.schema;
  return wrapped;
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
  } else if (e.keyword === 'pattern' && typeof e.data === 'string') {
    reason = patternReason(e.data, String(params.pattern));
  } else if (e.keyword === 'enum' || e.keyword === 'const') {
    reason = `${reason}: ${JSON.stringify(params.allowedValues ?? params.allowedValue)}`;
  }
  return { field, message: `${field}: ${reason}` };
}

/**
 * A refused pattern as an operator reads it: the first character the pattern does not
 * allow, by code point ("must not contain U+202E"), rather than the regular expression.
 */
function patternReason(value: string, pattern: string): string {
  // Only "anything but these characters" patterns (SafeText, UriText) are judged per character.
  if (!pattern.startsWith('^[^')) return `must match pattern "${pattern}"`;
  const allowed = new RegExp(pattern, 'u');
  if (value === '') return 'must not be empty';
  for (const ch of value) {
    if (!allowed.test(ch)) {
      const cp = ch.codePointAt(0) ?? 0;
      const name = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
      const printable = isSafeText(ch) ? ` ("${ch}")` : '';
      return isSafeText(ch)
        ? `must not contain ${name}${printable}; remove it`
        : `must not contain ${name}: control, bidirectional-override and unpaired surrogate characters are refused; remove it`;
    }
  }
  return `must match ${pattern}`;
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
