import { readdirSync, readlinkSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { ApiFixture } from '../api/api-fixture.ts';

/**
 * Shared by the property tests (test/core/*.property.test.ts): JSON bodies written as text,
 * arbitraries of valid and hostile values, and a snapshot of everything a refused request
 * must leave unchanged.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_LATENCY_MS = 7 * 24 * 3600 * 1000;

// ---------------------------------------------------------------------------------------------
// JSON text written by hand

/** A number spelled exactly as given in the JSON text; `<NAME>` placeholders are filled per run. */
export class Raw {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return this.text;
  }
}
/** A JSON object as a list of entries: keeps duplicates and `__proto__` as written. */
export class Obj {
  constructor(readonly entries: [string, Wire][]) {}
  [fc.toStringMethod](): string {
    return jsonText(this);
  }
}
export type Wire = string | number | boolean | null | Raw | Obj | Wire[];

export function jsonText(w: Wire): string {
  if (w instanceof Raw) return w.text;
  if (w instanceof Obj)
    return `{${w.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  if (Array.isArray(w)) return `[${w.map(jsonText).join(',')}]`;
  // JSON.stringify escapes lone surrogates (\ud800), so they reach the server as sent.
  return JSON.stringify(w);
}

export const obj = (r: Record<string, Wire | undefined>): Obj =>
  new Obj(Object.entries(r).filter((e): e is [string, Wire] => e[1] !== undefined));

/** Fills `<NAME>` placeholders of a JSON text. */
export const fill = (text: string, values: Record<string, string>): string =>
  text.replace(/<([A-Z0-9]+)>/g, (m, k: string) => values[k] ?? m);

/** The value as the client's own JSON parser and the response read it: -0 has no JSON spelling but "0". */
export const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

// ---------------------------------------------------------------------------------------------
// Arbitraries: valid values, hostile values, and bodies mixing both

/** What the contracts call unsafe text, written independently of common.ts (Unicode properties). */
const UNSAFE = /[\p{Cc}\p{Cs}\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/u;
const codePoint = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
const safeUnit = (extra = '') => codePoint.filter((c) => !UNSAFE.test(c) && !extra.includes(c));
export const safeText = (minLength: number, maxLength: number, extra = '') =>
  fc.oneof(
    fc
      .string({ unit: 'grapheme-ascii', minLength, maxLength })
      .filter((s) => ![...extra].some((c) => s.includes(c))),
    fc.string({ unit: safeUnit(extra), minLength, maxLength }),
  );

// prettier-ignore
const SPECIAL = [
  '\u0000', '\u0007', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f', '\u0085', '\u009f', '\u061c', '\u200e',
  '\u200f', '\u2028', '\u2029', '\u202a', '\u202e', '\u2066', '\u2069', '\ufeff', '\ud800', '\udbff',
  '\udc00', '\udfff', '\ufffd', '\ufffe', '\uffff', '\u00a0', '\u200b', '\u0301', 'e\u0301', '\u00e9',
  '\ud83d\ude00', '\u{10ffff}', '\u{e0001}', '/', '\\', '..', '%2e', '%00', ' ', '"', "'", '<b>', 'a', 'Z',
  '0', '__proto__',
];
export const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc
    .array(fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ maxLength: 3 })), { maxLength: 8 })
    .map((a) => a.join('')),
  fc.string({ unit: 'binary', minLength: 195, maxLength: 210 }),
  fc.constantFrom('', ' ', '.', '..'),
);

const rawOf = (v: number): Raw =>
  new Raw(
    Number.isNaN(v)
      ? 'NaN'
      : v === Infinity
        ? '1e400'
        : v === -Infinity
          ? '-1e400'
          : Object.is(v, -0)
            ? '-0'
            : JSON.stringify(v),
  );
/** Spellings of one number that JSON.parse reads back as that number. */
const spellings = (n: number): string[] => {
  const s = [Object.is(n, -0) ? '-0' : JSON.stringify(n), n.toExponential()];
  if (Number.isInteger(n) && Math.abs(n) < 1e21) s.push(`${n}.0`, `${n}e0`, `${n}E+0`);
  if (n === 0) s.push('-0', '0e5', '0.000', '1e-400');
  return s;
};
export const spelled = (arb: fc.Arbitrary<number>) =>
  arb.chain((n) => fc.constantFrom(...spellings(n))).map((t) => new Raw(t));

// prettier-ignore
const RAW_EDGES = [
  '1e400', '-1e400', '1e-400', '-0', '0.0', '1.0', '1E3', '1e+2', '0.1e1', '5e-324', '-5e-324',
  '2.2250738585072014e-308', '1.7976931348623157e308', '604800000', '604800000.0000001', '604800001', '0.5',
  '-1', '9007199254740991', '9007199254740992', '9007199254740993', '9007199254740991.5',
  '18446744073709551616', '123456789012345678901234567890', '1e21', '1000', '1000.0000000001',
  '253402300799999', '253402300800000', 'NaN', 'Infinity', '0x10', '01', '+1', '.5', '1.',
];
export const hostileNumber: fc.Arbitrary<Wire> = fc.oneof(
  fc.double().map(rawOf),
  fc.integer().map(rawOf),
  fc.integer({ min: -3, max: 3 }).map((d) => new Raw((2n ** 53n + BigInt(d)).toString())),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((b) => new Raw(b.toString())),
  fc.constantFrom(...RAW_EDGES).map((t) => new Raw(t)),
);
export const hostileValue: fc.Arbitrary<Wire> = fc.oneof(
  hostileText,
  hostileNumber,
  fc.constantFrom<Wire>(true, false, null, [], new Obj([]), '1', 'null'),
  fc.array(hostileNumber, { minLength: 1, maxLength: 2 }),
);

const TIERS = ['hot', 'warm', 'cold'] as const;
export const tier = fc.constantFrom(...TIERS);
export const hostileTier = fc.oneof(
  fc.constantFrom('HOT', 'lukewarm', '', ' hot', 'hot\u0000', 'hot '),
  hostileValue,
);
export const count = spelled(fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constantFrom(0, 1, MAX_SAFE)));
export const latency = spelled(
  fc.oneof(
    fc.double({ min: Number.MIN_VALUE, max: MAX_LATENCY_MS, noNaN: true }),
    fc.integer({ min: 1, max: MAX_LATENCY_MS }),
    fc.constantFrom(Number.MIN_VALUE, 2.2250738585072014e-308, 0.1, MAX_LATENCY_MS),
  ),
);
export const zeroOrLatency = spelled(
  fc.oneof(fc.double({ min: 0, max: MAX_LATENCY_MS, noNaN: true }), fc.constantFrom(0, -0, MAX_LATENCY_MS)),
);
/** Unknown keys, prototype keys and read-only fields a client might slip in. */
export const extras = (keys: string[]) => {
  const key = fc.constantFrom('colour', '__proto__', 'constructor', 'id', 'NAME', ...keys);
  return fc.array(fc.tuple(key, hostileValue), { maxLength: 2 });
};

export type Mode = 'valid' | 'mixed';
/** In `mixed` mode each field is valid or hostile; in `valid` mode only valid. */
export const pick = <T extends Wire>(mode: Mode, valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<Wire>) =>
  mode === 'valid' ? (valid as fc.Arbitrary<Wire>) : fc.oneof(valid as fc.Arbitrary<Wire>, hostile);
export const withExtras = (mode: Mode, body: fc.Arbitrary<Obj>, keys: string[]): fc.Arbitrary<Wire> =>
  mode === 'valid'
    ? body
    : fc
        .tuple(body, extras(keys))
        .map(([b, more]) => new Obj([...b.entries, ...more]))
        .chain((b) =>
          fc.oneof({ weight: 9, arbitrary: fc.constant<Wire>(b) }, { weight: 1, arbitrary: hostileValue }),
        );
export const bothModes = (make: (m: Mode) => fc.Arbitrary<Wire>) =>
  fc.oneof({ weight: 2, arbitrary: make('valid') }, { weight: 3, arbitrary: make('mixed') });

// ---------------------------------------------------------------------------------------------
// State and paths

/** Every entry under `dir` with its type and link target; symlinks are listed, never followed (loops). */
function listTree(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => {
      const p = rel ? join(rel, e.name) : e.name;
      if (e.isSymbolicLink()) return [`${p} -> ${readlinkSync(join(dir, p))}`];
      return e.isDirectory() ? [`${p}/`, ...listTree(dir, p)] : [p];
    });
}

/** Every user table as JSON plus every entry under the test's temp dir (type and link target). */
export function stateSnapshot(f: ApiFixture): string {
  const tables = f.core.db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    .pluck()
    .all() as string[];
  const rows = Object.fromEntries(tables.map((t) => [t, f.core.db.prepare(`SELECT * FROM "${t}"`).all()]));
  return JSON.stringify({ rows, files: listTree(f.dir) });
}

export function parseOrUndefined(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * The path a file URI names, decoded and with ".." resolved as text (no filesystem), or
 * undefined when it is not a plain local file URI (another scheme, a host, a query, a fragment,
 * an encoding fileURLToPath refuses).
 */
export function lexicalPath(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    if (url.protocol !== 'file:' || url.search || url.hash || (url.host && url.host !== 'localhost'))
      return undefined;
    return resolvePath(fileURLToPath(url));
  } catch {
    return undefined;
  }
}
