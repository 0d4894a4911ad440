import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep, basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Db } from '../db/database.ts';
import { DataMotionError, conflict, invalid, notFound } from '../errors.ts';
import { LocationCreate, type Location, type TierMap } from '../contracts/locations.ts';
import { TIERS, type Tier } from '../contracts/common.ts';
import { parse } from '../contracts/validate.ts';
import { guardPath } from './path-errors.ts';

interface LocationRow {
  id: string;
  uri: string;
  kind: 'file' | 's3' | 'gs';
  endpoint: string | null;
  region: string | null;
  credentials_ref: string | null;
  tiers_json: string;
  created_at: number;
}

/** A URI resolved against the configured locations. */
export interface ResolvedUri {
  location: Location;
  /** Canonical URI: `..` resolved, symlinks followed for the part that exists. */
  uri: string;
  /** Path relative to the location root ('' for the root itself). */
  relative: string;
}

const DEFAULT_FILE_TIERS: TierMap = {
  hot: { storage_class: 'standard', price_per_gb_month: 0.05 },
  warm: { storage_class: 'standard', price_per_gb_month: 0.05 },
  cold: { storage_class: 'standard', price_per_gb_month: 0.05 },
};

const toApi = (r: LocationRow): Location => ({
  id: r.id,
  uri: r.uri,
  kind: r.kind,
  endpoint: r.endpoint,
  region: r.region,
  credentials_ref: r.credentials_ref,
  tiers: JSON.parse(r.tiers_json) as TierMap,
  created_at: new Date(r.created_at).toISOString(),
});

/** realpath of the longest existing ancestor, with the missing tail appended. */
function realpathLenient(p: string): string {
  const missing: string[] = [];
  let cur = p;
  for (;;) {
    try {
      return join(realpathSync(cur), ...missing.reverse());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      const parent = dirname(cur);
      if (parent === cur) return p;
      missing.push(basename(cur));
      cur = parent;
    }
  }
}

function filePathOf(uri: string, field: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid(field, `"${uri}" is not a URI; use file:///absolute/path`);
  }
  if (url.protocol === 's3:' || url.protocol === 'gs:') {
    throw new DataMotionError(
      'invalid_input',
      `${field}: ${url.protocol}// locations are not supported by this build yet; use a file:// location`,
      field,
    );
  }
  if (url.protocol !== 'file:') throw invalid(field, `unsupported scheme "${url.protocol}"; use file://`);
  if (url.search || url.hash) throw invalid(field, 'must not contain ?query or #fragment');
  if (url.host && url.host !== 'localhost')
    throw invalid(field, `file URIs must not name a host ("${url.host}")`);
  // Decode after the checks above so that "%2e%2e" cannot smuggle a traversal past them.
  const p = fileURLToPath(url);
  if (!isAbsolute(p)) throw invalid(field, 'must be an absolute path');
  if (p.includes('\0')) throw invalid(field, 'must not contain NUL');
  return p;
}

export class LocationService {
  constructor(private readonly db: Db) {}

  list(): Location[] {
    return (this.db.prepare('SELECT * FROM locations ORDER BY id').all() as LocationRow[]).map(toApi);
  }

  get(id: string, field = 'location'): Location {
    const row = this.db.prepare('SELECT * FROM locations WHERE id = ?').get(id) as LocationRow | undefined;
    if (!row) throw notFound('location', id, field);
    return toApi(row);
  }

  find(id: string): Location | undefined {
    const row = this.db.prepare('SELECT * FROM locations WHERE id = ?').get(id) as LocationRow | undefined;
    return row && toApi(row);
  }

  /**
   * Adds a location. Everything is checked before anything is done: a refused request
   * (a duplicate id, an overlap, a bad path) creates no folder and no row.
   */
  create(input: unknown): Location {
    const body = parse(LocationCreate, input);
    if (this.find(body.id)) throw conflict(`location "${body.id}" already exists`, 'body.id');
    const root = guardPath('body.uri', body.uri, () =>
      realpathLenient(resolve(filePathOf(body.uri, 'body.uri'))),
    );
    if (root === sep) throw invalid('body.uri', 'the filesystem root cannot be a location');
    this.assertNoOverlap(root, 'body.uri');
    // Validated: now act. mkdir returns the first folder it had to create, so a failed
    // insert (a concurrent request took the id) can remove exactly what this call made.
    const created = guardPath('body.uri', body.uri, () => mkdirSync(root, { recursive: true }));
    try {
      const uri = pathToFileURL(realpathSync(root)).href;
      this.db
        .prepare(
          `INSERT INTO locations (id, uri, kind, endpoint, region, credentials_ref, tiers_json, created_at)
           VALUES (?, ?, 'file', ?, ?, ?, ?, ?)`,
        )
        .run(
          body.id,
          uri,
          body.endpoint ?? null,
          body.region ?? null,
          body.credentials_ref ?? null,
          JSON.stringify(body.tiers ?? DEFAULT_FILE_TIERS),
          Date.now(),
        );
    } catch (e) {
      if (created) rmSync(created, { recursive: true, force: true });
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw conflict(`location "${body.id}" already exists`, 'body.id');
      }
      throw e;
    }
    return this.get(body.id);
  }

  /** Location roots never nest: a dataset path must belong to exactly one location. */
  private assertNoOverlap(root: string, field: string): void {
    for (const other of this.list()) {
      if (other.kind !== 'file') continue;
      const o = fileURLToPath(other.uri);
      if (o === root || root.startsWith(o + sep) || o.startsWith(root + sep)) {
        throw conflict(
          `location root ${pathToFileURL(root).href} overlaps location "${other.id}" (${other.uri})`,
          field,
        );
      }
    }
  }

  /** Creates the configured locations that are missing; an existing id keeps its row. */
  ensure(locations: LocationCreate[]): void {
    for (const l of locations) {
      const existing = this.find(l.id);
      if (!existing) this.create(l);
      else if (existing.uri.startsWith('file:')) mkdirSync(fileURLToPath(existing.uri), { recursive: true });
    }
  }

  /**
   * Resolves a URI to the location containing it. Refuses anything outside every
   * location, after resolving `..` and following symlinks of the existing part.
   */
  resolve(uri: string, field: string, opts: { allowRoot?: boolean } = {}): ResolvedUri {
    const p = guardPath(field, uri, () => realpathLenient(resolve(filePathOf(uri, field))));
    for (const location of this.list()) {
      if (location.kind !== 'file') continue;
      const root = fileURLToPath(location.uri);
      if (p === root && opts.allowRoot) return { location, uri: location.uri, relative: '' };
      if (p.startsWith(root + sep)) {
        return { location, uri: pathToFileURL(p).href, relative: p.slice(root.length + 1) };
      }
    }
    const roots = this.list()
      .map((l) => l.uri)
      .join(', ');
    throw new DataMotionError(
      'outside_location',
      `${field}: ${uri} is not inside any configured location (${roots}); add a location or pick a path under one`,
      field,
    );
  }

  /** The tier a storage class stands for at a location; `preferred` breaks ties. */
  tierFor(location: Location, storageClass: string, preferred: Tier | undefined, field: string): Tier {
    const matches = TIERS.filter((t) => location.tiers[t]?.storage_class === storageClass);
    if (matches.length === 0) {
      const offered = TIERS.flatMap((t) =>
        location.tiers[t] ? [`${t}=${location.tiers[t].storage_class}`] : [],
      );
      throw invalid(
        field,
        `storage class "${storageClass}" is not offered by location "${location.id}" (it offers ${offered.join(', ')})`,
      );
    }
    if (preferred && matches.includes(preferred)) return preferred;
    if (preferred)
      throw invalid(
        field,
        `location "${location.id}" does not offer tier "${preferred}" as "${storageClass}"`,
      );
    return matches[0] as Tier;
  }

  /** The first tier a location offers, hot first. */
  defaultTier(location: Location): Tier {
    return TIERS.find((t) => location.tiers[t]) as Tier;
  }
}
