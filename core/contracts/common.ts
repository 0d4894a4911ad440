import { Type, type Static, type StringOptions } from '@sinclair/typebox';

/**
 * The numeric and text types of every contract (REST bodies, queries, paths, IPC, Kafka).
 * Each has a finite range that fits its SQLite column and the sums made of it: a value
 * outside is refused with a 400 naming the field, never stored to break a later read.
 */

export const Tier = Type.Union([Type.Literal('hot'), Type.Literal('warm'), Type.Literal('cold')], {
  description: 'Placement tier',
});
export type Tier = Static<typeof Tier>;
export const TIERS: readonly Tier[] = ['hot', 'warm', 'cold'];

/** Largest integer a JSON number carries exactly (2^53 - 1); aggregates saturate here. */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** A week in milliseconds: the longest latency or SLO that means anything for first-byte access. */
export const MAX_LATENCY_MS = 7 * 24 * 3600 * 1000;
/** 9999-12-31T23:59:59.999Z: the last instant an ISO-8601 year of four digits can name. */
export const MAX_EPOCH_MS = 253_402_300_799_999;

/** ISO-8601 timestamp (RFC 3339; leap seconds refused, see validate.ts). */
export const Timestamp = Type.String({ format: 'date-time', maxLength: 40 });

export const Id = Type.Integer({ minimum: 1, maximum: MAX_SAFE });
/** A size in bytes: 0 .. 2^53-1 (8 PiB), exact in JSON and in SQLite INTEGER. */
export const ByteCount = (description?: string) =>
  Type.Integer({ minimum: 0, maximum: MAX_SAFE, ...(description ? { description } : {}) });
/** A count of objects or events. */
export const Count = (description?: string) =>
  Type.Integer({ minimum: 0, maximum: MAX_SAFE, ...(description ? { description } : {}) });
/** A latency in milliseconds, > 0 and at most a week. */
export const LatencyMs = (description?: string) =>
  Type.Number({
    exclusiveMinimum: 0,
    maximum: MAX_LATENCY_MS,
    ...(description ? { description } : {}),
  });
/** Paging offset of a list. */
export const Offset = Type.Integer({ minimum: 0, maximum: MAX_SAFE, default: 0 });

/**
 * Characters refused in any text an operator reads: C0/C1 controls and DEL, bidirectional
 * overrides and marks (U+202E makes "exe.txt" read as "txt.exe"), line/paragraph separators,
 * the BOM, and lone UTF-16 surrogates (SQLite would store U+FFFD, not what was sent). The
 * pattern is compiled with the `u` flag (ajv's default), where [\ud800-\udfff] matches only
 * unpaired surrogates.
 */
export const UNSAFE_TEXT_CHARS =
  '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069\\ud800-\\udfff\\ufeff';
const UNSAFE_TEXT = new RegExp(`[${UNSAFE_TEXT_CHARS}]`, 'u');

/** True when `s` holds none of the UNSAFE_TEXT_CHARS (for text checked outside a schema). */
export const isSafeText = (s: string): boolean => !UNSAFE_TEXT.test(s);

/**
 * Free text an operator reads (a name, an owner, a key). `extraForbidden` adds characters
 * to refuse (a regex class body, e.g. '/\\\\' for names).
 */
export const SafeText = (opts: StringOptions & { extraForbidden?: string } = {}) => {
  const { extraForbidden = '', ...rest } = opts;
  return Type.String({
    ...rest,
    pattern: `^[^${UNSAFE_TEXT_CHARS}${extraForbidden}]*$`,
  });
};

/** A URI given by a client: printable, no whitespace controls (URL parsers silently drop tabs and newlines). */
export const UriText = (opts: StringOptions = {}) =>
  Type.String({ minLength: 1, ...opts, pattern: `^[^${UNSAFE_TEXT_CHARS}]+$` });

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Machine-readable code, e.g. invalid_input, not_found' }),
    message: Type.String({ description: 'What failed and what to do, for an operator' }),
    field: Type.Optional(Type.String({ description: 'The input field at fault, e.g. body.dataset_id' })),
    // Loose here: the Estimate schema imports this module, so naming it would be an import cycle.
    estimate: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description:
            'On the 409 of POST /plan-migration that asks for "confirm": true: the move\'s estimate, ' +
            'the answer of GET /estimate (the Estimate schema)',
        },
      ),
    ),
  },
  {},
);
export type ErrorBody = Static<typeof ErrorBody>;

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
