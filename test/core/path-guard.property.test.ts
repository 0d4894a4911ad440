import { lstatSync, mkdirSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataMotionError } from '../../core/errors.ts';
import { apiFixture, type ApiFixture } from '../api/api-fixture.ts';
import { fill, lexicalPath, stateSnapshot } from '../helpers/property-kit.ts';

/**
 * Property-based tests of the path guard (LocationService.resolve and the routes that use it):
 * paths are built from segments that name real folders, files, symlinks (inside, outside, to
 * another location, loops, dangling), dot segments spelled every way, and encodings the URL
 * parser or the filesystem refuse. Whatever the path, the guard either answers a canonical URI
 * inside exactly one location or refuses with a DataMotionError naming the field; a refused
 * request creates nothing, on disk or in the database.
 */

const SEED = 20_240_611;
const FIELD = 'body.path_uri';

/** Names that exist in the tree below, and some that do not. */
// prettier-ignore
const NAMES = [
  'a', 'b', 'new', 'file.txt', 'sp ace', 'sp%20ace', 'é', '%C3%A9', 'e%CC%81', '😀', '%F0%9F%98%80', 'in',
  'rel-in', 'out', 'up', 'loop', 'loopA', 'dangling', 'to-u', 'to-root', 'x', 'secret', 'store', 'store2',
  'outside', '<FRESH>', '<FRESH>', '<FRESH>',
];
/** Every spelling of "." and ".." the URL parser knows (it folds %2e case-insensitively). */
const DOTS = ['.', '..', '%2e', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '...'];
/** Encodings and lengths the URL or the filesystem refuse, and characters URLs treat specially. */
// prettier-ignore
const BAD = [
  '%2f', '%2F', '%5c', '%ff', '%00', '%', '%zz', 'n'.repeat(255), 'n'.repeat(256), 'n'.repeat(300), '', '?q',
  '#f', ';x', '%3F', '%23', '~', ' ',
];
const segment = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 3, arbitrary: fc.constantFrom(...DOTS) },
  { weight: 1, arbitrary: fc.constantFrom(...BAD) },
);
// prettier-ignore
const BASES = [
  '<STORE>', '<STORE2>', '<DIR>', '<OUTSIDE>', 'file://localhost<STOREP>', 'file://evil.example<STOREP>',
  'FILE://<STOREP>', 'file:<STOREP>', 'file:/<STOREP>', 'file:///',
];
const pathUri = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.constant('<STORE>') },
      { weight: 4, arbitrary: fc.constantFrom(...BASES) },
    ),
    fc.array(segment, { minLength: 0, maxLength: 5 }),
    fc.boolean(),
  )
  .map(([base, segs, slash]) => `${base}${segs.map((s) => `/${s}`).join('')}${slash ? '/' : ''}`);

/** Roads to a real folder inside the store: traversal, symlinks to the root or back into it. */
// prettier-ignore
const ROADS = [
  '.', '%2e', 'x/..', 'in/..', 'rel-in/%2e%2e', 'to-root', 'up/store', 'to-root/to-root', 'new/%2E%2E',
];
const pathToFresh = fc
  .tuple(fc.array(fc.constantFrom(...ROADS), { maxLength: 2 }), fc.constantFrom('', '/', '/.', '/%2e'))
  .map(([roads, tail]) => `<STORE>/${[...roads, '<FRESH>'].join('/')}${tail}`);
const anyPath = fc.oneof({ weight: 2, arbitrary: pathUri }, { weight: 1, arbitrary: pathToFresh });

/** Object-store URIs around the location s3://bkt/data: prefixes that only look alike, dot segments, encodings. */
// prettier-ignore
const OBJECT_BASES = [
  's3://bkt/data', 's3://bkt/data', 's3://bkt', 's3://bkt/data-old', 's3://bkt/dat', 's3://other/data',
  'gs://bkt/data', 'S3://bkt/data', 's3://BKT/data', 's3:/bkt/data',
];
// prettier-ignore
const OBJECT_SEGMENTS = ['x', 'y z', 'é', 'data', '.', '..', '', '%2e%2e', '%2F', '?q', '#f', '\\', '~', 'x'.repeat(300)];
const objectUri = fc
  .tuple(
    fc.constantFrom(...OBJECT_BASES),
    fc.array(fc.constantFrom(...OBJECT_SEGMENTS), { maxLength: 4 }),
    fc.constantFrom('', '/', '//'),
  )
  .map(([base, segs, tail]) => `${base}${segs.map((x) => `/${x}`).join('')}${tail}`);

const inside = (p: string, root: string) => p.startsWith(root + sep);
const within = (p: string, root: string) => p === root || inside(p, root);

const realOrUndefined = (p: string | undefined): string | undefined => {
  try {
    return p === undefined ? undefined : realpathSync(p);
  } catch {
    return undefined;
  }
};

/** The first existing prefix of `p` that is a symbolic link (a canonical path has none). */
function symlinkOnPath(p: string): string | undefined {
  const parts = p.split(sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const prefix = sep + parts.slice(0, i).join(sep);
    try {
      if (lstatSync(prefix).isSymbolicLink()) return prefix;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function post(f: ApiFixture, url: string, body: unknown) {
  const res = await f.inject({ method: 'POST', url, payload: body as Record<string, unknown> });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>(), text: res.body };
}

describe('path guard: a path resolves inside exactly one location, or is refused naming the field', () => {
  let f: ApiFixture;
  let dir: string;
  let store: string;
  let store2: string;
  let outside: string;
  let values: Record<string, string>;
  let run: number;

  beforeEach(async () => {
    f = await apiFixture();
    dir = realpathSync(f.dir);
    store = join(dir, 'store');
    store2 = join(dir, 'store2');
    outside = join(dir, 'outside');
    for (const d of [join(store, 'a', 'b'), join(store, 'sp ace'), join(store, 'é'), join(store2, 'x')])
      mkdirSync(d, { recursive: true });
    mkdirSync(join(outside, 'secret'), { recursive: true });
    writeFileSync(join(store, 'file.txt'), 'a regular file, not a folder');
    const links: [string, string][] = [
      ['in', join(store, 'a')],
      ['rel-in', 'a'],
      ['out', outside],
      ['up', '..'],
      ['loop', 'loop'],
      ['loopA', 'loopB'],
      ['loopB', 'loopA'],
      ['dangling', join(outside, 'missing')],
      ['to-u', join(store2, 'x')],
      ['to-root', store],
    ];
    for (const [name, target] of links) symlinkSync(target, join(store, name));
    f.core.locations.create({ id: 'u', uri: pathToFileURL(store2).href });
    // Creating an s3:// location touches no network; resolve() of its URIs is pure.
    f.core.locations.create({ id: 'o', uri: 's3://bkt/data' });
    values = {
      STORE: pathToFileURL(store).href,
      STORE2: pathToFileURL(store2).href,
      DIR: pathToFileURL(dir).href,
      OUTSIDE: pathToFileURL(outside).href,
      STOREP: pathToFileURL(store).pathname,
    };
    run = 0;
  });
  afterEach(() => f.close());

  /** A new folder in the store per run: most generated paths that name it are accepted once. */
  const freshFolder = () => {
    run++;
    mkdirSync(join(store, `f${run}`));
    return `f${run}`;
  };

  const roots = () => [
    { id: 't', root: store },
    { id: 'u', root: store2 },
  ];

  /** What an accepted path must be: canonical, inside exactly one root, the real folder the URI names. */
  const expectCanonicalInsideOneRoot = (uri: string, resolved: string, location?: string) => {
    const p = fileURLToPath(resolved);
    const owners = roots().filter((r) => inside(p, r.root));
    expect(
      owners.map((o) => o.id),
      `${uri} → ${resolved}: owning locations`,
    ).toHaveLength(1);
    if (location !== undefined) expect(location).toBe(owners[0]?.id);
    expect(symlinkOnPath(p), `${uri} → ${resolved} still goes through a symlink`).toBeUndefined();
    const real = realOrUndefined(lexicalPath(uri));
    if (real !== undefined) expect(p, `${uri} → ${resolved}`).toBe(real);
  };

  it('resolve() answers a canonical URI inside exactly one location, or a DataMotionError naming the field', () => {
    let accepted = 0;
    fc.assert(
      fc.property(anyPath, (template) => {
        const uri = fill(template, { ...values, FRESH: freshFolder() });
        let resolved: ReturnType<typeof f.core.locations.resolve> | undefined;
        try {
          resolved = f.core.locations.resolve(uri, FIELD);
        } catch (e) {
          expect(e, `${uri}: ${String(e)}`).toBeInstanceOf(DataMotionError);
          const err = e as DataMotionError;
          expect(['invalid_input', 'outside_location'], `${uri}: ${err.message}`).toContain(err.code);
          expect(err.field).toBe(FIELD);
          // Not over-eager either: an existing path whose real path is strictly inside a root is accepted.
          const real = realOrUndefined(lexicalPath(uri));
          const owner = real === undefined ? undefined : roots().find((r) => inside(real, r.root));
          expect(
            owner,
            `${uri} is really ${real} inside "${owner?.id}" but was refused: ${err.message}`,
          ).toBeUndefined();
          return;
        }
        accepted++;
        expectCanonicalInsideOneRoot(uri, resolved.uri, resolved.location.id);
        const root = roots().find((r) => r.id === resolved.location.id)?.root ?? '';
        expect(resolved.relative).toBe(fileURLToPath(resolved.uri).slice(root.length + 1));
      }),
      { numRuns: 1000, seed: SEED },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('resolve() of s3:// URIs: inside the one location at a "/" boundary, canonical, or refused', () => {
    let accepted = 0;
    fc.assert(
      fc.property(objectUri, (uri) => {
        let resolved: ReturnType<typeof f.core.locations.resolve> | undefined;
        try {
          resolved = f.core.locations.resolve(uri, FIELD);
        } catch (e) {
          expect(e, `${uri}: ${String(e)}`).toBeInstanceOf(DataMotionError);
          const err = e as DataMotionError;
          expect(['invalid_input', 'outside_location'], `${uri}: ${err.message}`).toContain(err.code);
          expect(err.field).toBe(FIELD);
          return;
        }
        accepted++;
        const where = `${uri} → ${resolved.uri}`;
        expect(resolved.location.id, where).toBe('o');
        expect(resolved.uri, where).toBe(uri.replace(/\/$/, ''));
        expect(resolved.uri.startsWith('s3://bkt/data/'), where).toBe(true);
        expect(resolved.relative, where).toBe(resolved.uri.slice('s3://bkt/data/'.length));
        const segments = resolved.relative.split('/');
        expect(
          segments.filter((x) => x === '' || x === '.' || x === '..'),
          where,
        ).toEqual([]);
      }),
      { numRuns: 1000, seed: SEED },
    );
    expect(accepted).toBeGreaterThan(20);
  });

  it('POST /datasets with such a path never answers 5xx and, refused, creates nothing', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(anyPath, async (template) => {
        const uri = fill(template, { ...values, FRESH: freshFolder() });
        const before = stateSnapshot(f);
        const res = await post(f, '/datasets', { name: `g${run}`, path_uri: uri });
        const where = `POST /datasets ${uri} → ${res.status} ${res.text.slice(0, 300)}`;
        expect(res.status, where).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.body.field, where).toBe(FIELD);
          expect(stateSnapshot(f), `refused but changed something: ${where}`).toBe(before);
          return;
        }
        accepted++;
        expect(res.status, where).toBe(201);
        expectCanonicalInsideOneRoot(uri, res.body.path_uri as string, res.body.location as string);
        expect(statSync(fileURLToPath(res.body.path_uri as string)).isDirectory()).toBe(true);
        const back = await f.inject({ method: 'GET', url: `/datasets/${String(res.body.id)}` });
        expect(back.statusCode).toBe(200);
      }),
      { numRuns: 300, seed: SEED },
    );
    expect(accepted).toBeGreaterThan(40);
  });

  it('POST /locations with such a path never answers 5xx and, refused, creates no folder and no row', async () => {
    const LOC_NAMES = [
      'loc',
      'a',
      'b',
      'new',
      'file.txt',
      'sp ace',
      'é',
      '%C3%A9',
      '😀',
      'in',
      'out',
      'loop',
    ];
    const locSegment = fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...LOC_NAMES, 'to-store') },
      { weight: 2, arbitrary: fc.constantFrom(...DOTS) },
      { weight: 1, arbitrary: fc.constantFrom(...BAD) },
    );
    const locUri = fc
      .tuple(
        fc.constantFrom('<R>', 'file://localhost<RP>', 'file:<RP>'),
        fc.array(locSegment, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
      )
      .map(([base, segs, slash]) => `${base}${segs.map((s) => `/${s}`).join('')}${slash ? '/' : ''}`);
    const locs = join(dir, 'locs');
    let accepted = 0;

    await fc.assert(
      fc.asyncProperty(locUri, async (template) => {
        run++;
        // Arrange: a fresh tree per run, so that no location made by an earlier run overlaps it.
        const r = join(locs, `r${run}`);
        mkdirSync(join(r, 'a', 'b'), { recursive: true });
        mkdirSync(join(outside, `r${run}`));
        writeFileSync(join(r, 'file.txt'), 'not a folder');
        const links: [string, string][] = [
          ['in', join(r, 'a')],
          ['out', join(outside, `r${run}`)],
          ['loop', 'loop'],
          ['dangling', join(outside, `gone-r${run}`)],
          ['to-store', join(store, 'a')],
        ];
        for (const [name, target] of links) symlinkSync(target, join(r, name));
        const uri = fill(template, { R: pathToFileURL(r).href, RP: pathToFileURL(r).pathname });
        // Never let a generated URI make a folder outside this test's own tree.
        const target = lexicalPath(uri);
        fc.pre(target === undefined || within(target, r));

        const before = stateSnapshot(f);
        const res = await post(f, '/locations', { id: `l${run}`, uri });
        const where = `POST /locations ${uri} → ${res.status} ${res.text.slice(0, 300)}`;
        expect(res.status, where).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.body.field, where).toBe('body.uri');
          expect(stateSnapshot(f), `refused but changed something: ${where}`).toBe(before);
          return;
        }
        accepted++;
        expect(res.status, where).toBe(201);
        const root = fileURLToPath(res.body.uri as string);
        expect(statSync(root).isDirectory(), where).toBe(true);
        expect(symlinkOnPath(root), `${where}: stored root goes through a symlink`).toBeUndefined();
        expect(root, where).toBe(realpathSync(target ?? ''));
        expect(within(root, r) || within(root, join(outside, `r${run}`)), where).toBe(true);
        expect(dirname(root).startsWith(dir), where).toBe(true);
      }),
      { numRuns: 200, seed: SEED },
    );
    expect(accepted).toBeGreaterThan(10);
  });
});
