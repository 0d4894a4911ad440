import { mkdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep, basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Db } from '../db/database.ts';
import { DataMotionError, conflict, invalid, notFound } from '../errors.ts';
import {
  LocationCreate,
  LocationPatch,
  autoclassName,
  type Location,
  type LocationKind,
  type TierMap,
} from '../contracts/locations.ts';
import { TIERS, type Tier } from '../contracts/common.ts';
import { parse } from '../contracts/validate.ts';
import { guardPath, userPathError } from './path-errors.ts';
import { containsRoot, parseObjectRoot, rootUri } from './object-roots.ts';
import { defaultTiers } from '../placement/price-table.ts';
import { validateCredentialsRef, validateStoredSecret } from '../storage/credentials.ts';
import { openJson, sealJson, type Sealer } from './secret-store.ts';

interface LocationRow {
  id: string;
  uri: string;
  kind: 'file' | 's3' | 'gs';
  endpoint: string | null;
  region: string | null;
  credentials_ref: string | null;
  tiers_json: string;
  created_at: number;
  project: string | null;
  secret_sealed: string | null;
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
  project: r.project,
  credentials_ref: r.credentials_ref,
  has_credentials: r.secret_sealed !== null,
  tiers: JSON.parse(r.tiers_json) as TierMap,
  created_at: new Date(r.created_at).toISOString(),
});

/**
 * realpath of the longest existing ancestor, with the missing tail appended. A dangling
 * symlink on the way is followed to its target (which may lie outside every location),
 * so a path through it is judged by where it really leads, not by the link's own name.
 */
function realpathLenient(p: string, hops = 0): string {
  const missing: string[] = [];
  let cur = p;
  for (;;) {
    try {
      return join(realpathSync(cur), ...missing.reverse());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      const target = readLink(cur);
      if (target !== undefined) {
        if (hops >= 40)
          throw Object.assign(new Error(`too many symbolic links at ${cur}`), { code: 'ELOOP' });
        return realpathLenient(join(resolve(dirname(cur), target), ...missing.reverse()), hops + 1);
      }
      const parent = dirname(cur);
      if (parent === cur) return p;
      missing.push(basename(cur));
      cur = parent;
    }
  }
}

/** The target of a symlink, or undefined when `p` is not one (or does not exist). */
function readLink(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}

/** Linux limits, checked before anything is created: a long name must not leave half a path behind. */
const NAME_MAX = 255;
const PATH_MAX = 4095;

function assertPathLengths(p: string, uri: string, field: string): void {
  const tooLong =
    Buffer.byteLength(p) > PATH_MAX || p.split(sep).some((n) => Buffer.byteLength(n) > NAME_MAX);
  if (tooLong) throw userPathError({ code: 'ENAMETOOLONG' }, field, uri) as DataMotionError;
}

/** An endpoint is an http(s) URL of a host, nothing else (no credentials in it, no query). */
function assertEndpoint(endpoint: string, field: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid(field, `"${endpoint}" is not a URL; use e.g. http://127.0.0.1:9000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid(field, 'must be an http:// or https:// URL');
  if (url.username || url.password)
    throw invalid(field, 'must not hold credentials; use credentials or credentials_ref');
  if (url.search || url.hash) throw invalid(field, 'must not contain ?query or #fragment');
}

function filePathOf(uri: string, field: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid(field, `"${uri}" is not a URI; use file:///absolute/path`);
  }
  if (url.protocol !== 'file:') {
    throw invalid(field, `unsupported scheme "${url.protocol}"; use file://, s3:// or gs://`);
  }
  if (url.search || url.hash) throw invalid(field, 'must not contain ?query or #fragment');
  if (url.host && url.host !== 'localhost')
    throw invalid(field, `file URIs must not name a host ("${url.host}")`);
  // Decode after the checks above so that "%2e%2e" cannot smuggle a traversal past them.
  const p = fileURLToPath(url);
  if (!isAbsolute(p)) throw invalid(field, 'must be an absolute path');
  if (p.includes('\0')) throw invalid(field, 'must not contain NUL');
  assertPathLengths(p, uri, field);
  return p;
}

const isObjectUri = (uri: string): boolean => uri.startsWith('s3://') || uri.startsWith('gs://');

/**
 * Autoclass is a setting of a GCS bucket, not a class an object is written with: the bucket
 * gives every object its class, so an Autoclass location is one placement — one tier naming
 * AUTOCLASS or AUTOCLASS_ARCHIVE — and other locations may not name it.
 */
function assertAutoclassTiers(kind: LocationKind, tiers: TierMap | undefined, field: string): void {
  if (!tiers) return;
  const named = TIERS.filter((t) => tiers[t]);
  const auto = named.find((t) => autoclassName(tiers[t]?.storage_class));
  if (auto === undefined) return;
  const cls = tiers[auto]?.storage_class as string;
  if (kind !== 'gs') {
    throw invalid(
      `${field}.${auto}.storage_class`,
      `${cls} is a setting of a GCS bucket (gs:// locations only)` +
        (kind === 's3' ? "; S3's class that tiers itself is INTELLIGENT_TIERING" : ''),
    );
  }
  const other = named.find((t) => t !== auto);
  if (other !== undefined) {
    throw invalid(
      `${field}.${other}.storage_class`,
      `a bucket with Autoclass gives every object its class itself, so a location naming ${cls} ` +
        `offers that one tier: remove ${other} (${tiers[other]?.storage_class}); a bucket without Autoclass is a location of its own`,
    );
  }
}

export class LocationService {
  constructor(
    private readonly db: Db,
    private readonly sealer?: Sealer,
  ) {}

  /** The stored secret of a location, decrypted (for its storage driver only; never for the API). */
  secret(id: string): unknown {
    const row = this.db.prepare('SELECT secret_sealed FROM locations WHERE id = ?').get(id) as
      { secret_sealed: string | null } | undefined;
    if (!row?.secret_sealed) return undefined;
    if (!this.sealer) throw new Error(`location "${id}" has stored credentials but no key to open them`);
    return openJson(this.sealer, row.secret_sealed);
  }

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
    if (isObjectUri(body.uri)) return this.createObjectLocation(body);
    for (const f of ['endpoint', 'project', 'credentials', 'credentials_ref'] as const) {
      if (body[f] !== undefined) throw invalid(`body.${f}`, 'applies to s3:// and gs:// locations only');
    }
    const root = guardPath('body.uri', body.uri, () =>
      realpathLenient(resolve(filePathOf(body.uri, 'body.uri'))),
    );
    if (root === sep) throw invalid('body.uri', 'the filesystem root cannot be a location');
    assertAutoclassTiers('file', body.tiers, 'body.tiers');
    this.assertNoOverlap(root, 'body.uri');
    // Validated: now act. mkdir returns the first folder it had to create, so a failed
    // insert (a concurrent request took the id) can remove exactly what this call made.
    const created = guardPath('body.uri', body.uri, () => mkdirSync(root, { recursive: true }));
    try {
      const uri = pathToFileURL(realpathSync(root)).href;
      this.insertOrConflict(body.id, () =>
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
          ),
      );
    } catch (e) {
      if (created) rmSync(created, { recursive: true, force: true });
      throw e;
    }
    return this.get(body.id);
  }

  /**
   * An s3:// or gs:// location: nothing is created in the store (buckets are the operator's);
   * POST /locations/{id}/test checks that it answers. Secrets are sealed before they are stored.
   */
  private createObjectLocation(body: LocationCreate): Location {
    const root = parseObjectRoot(body.uri, 'body.uri');
    assertAutoclassTiers(root.kind, body.tiers, 'body.tiers');
    if (root.kind === 's3' && body.project !== undefined) {
      throw invalid('body.project', 'applies to gs:// locations only');
    }
    if (body.endpoint !== undefined) assertEndpoint(body.endpoint, 'body.endpoint');
    validateCredentialsRef(root.kind, body.credentials_ref, 'body.credentials_ref');
    if (body.credentials !== undefined) {
      validateStoredSecret(root.kind, body.credentials, 'body.credentials');
      if (!this.sealer) throw invalid('body.credentials', 'this process has no key to store secrets with');
    }
    for (const other of this.list()) {
      if (other.kind !== root.kind) continue;
      const o = parseObjectRoot(other.uri, 'uri');
      if (containsRoot(o, root) || containsRoot(root, o)) {
        throw conflict(
          `location root ${rootUri(root)} overlaps location "${other.id}" (${other.uri})`,
          'body.uri',
        );
      }
    }
    const sealed = body.credentials === undefined ? null : sealJson(this.sealer as Sealer, body.credentials);
    this.insertOrConflict(body.id, () =>
      this.db
        .prepare(
          `INSERT INTO locations (id, uri, kind, endpoint, region, project, credentials_ref, secret_sealed, tiers_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          body.id,
          rootUri(root),
          root.kind,
          body.endpoint?.replace(/\/+$/, '') ?? null,
          body.region ?? null,
          body.project ?? null,
          body.credentials_ref ?? null,
          sealed,
          JSON.stringify(body.tiers ?? defaultTiers(root.kind)),
          Date.now(),
        ),
    );
    return this.get(body.id);
  }

  /** A concurrent request may take the id or the URI between the checks and the insert. */
  private insertOrConflict(id: string, insert: () => void): void {
    try {
      insert();
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
        throw conflict(`location "${id}" already exists`, 'body.id');
      if (code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw conflict('a location with this URI already exists', 'body.uri');
      throw e;
    }
  }

  /**
   * Changes prices, classes, connection settings or credentials of a location; never its
   * id, kind or root. A tier a dataset or an open job uses cannot be removed. Everything is
   * checked first; the change is one UPDATE. The caller drops its cached driver.
   */
  patch(id: string, input: unknown): Location {
    const body = parse(LocationPatch, input);
    const current = this.get(id, 'params.id');
    const cloud = current.kind !== 'file';
    for (const f of ['endpoint', 'project', 'credentials', 'credentials_ref'] as const) {
      if (!cloud && body[f] !== undefined)
        throw invalid(`body.${f}`, 'applies to s3:// and gs:// locations only');
    }
    if (current.kind === 's3' && body.project != null)
      throw invalid('body.project', 'applies to gs:// locations only');
    if (body.endpoint) assertEndpoint(body.endpoint, 'body.endpoint');
    if (cloud && body.credentials_ref !== undefined) {
      validateCredentialsRef(current.kind, body.credentials_ref, 'body.credentials_ref');
    }
    if (body.credentials) {
      validateStoredSecret(current.kind, body.credentials, 'body.credentials');
      if (!this.sealer) throw invalid('body.credentials', 'this process has no key to store secrets with');
    }
    assertAutoclassTiers(current.kind, body.tiers, 'body.tiers');
    if (body.tiers) this.assertTiersKept(current, body.tiers);
    const sets: string[] = [];
    const args: (string | null)[] = [];
    const put = (column: string, value: string | null) => {
      sets.push(`${column} = ?`);
      args.push(value);
    };
    if (body.endpoint !== undefined) put('endpoint', body.endpoint?.replace(/\/+$/, '') ?? null);
    if (body.region !== undefined) put('region', body.region);
    if (body.project !== undefined) put('project', body.project);
    if (body.credentials_ref !== undefined) put('credentials_ref', body.credentials_ref);
    if (body.credentials !== undefined) {
      put(
        'secret_sealed',
        body.credentials === null ? null : sealJson(this.sealer as Sealer, body.credentials),
      );
    }
    if (body.tiers) put('tiers_json', JSON.stringify(body.tiers));
    this.db.prepare(`UPDATE locations SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
    return this.get(id);
  }

  /** Refuses a tier map that drops a tier or class a dataset or an open job still uses. */
  private assertTiersKept(location: Location, tiers: TierMap): void {
    const used = this.db
      .prepare(
        `SELECT current_tier AS tier, storage_class AS cls FROM datasets WHERE location_id = ?
         UNION SELECT dest_tier, dest_storage_class FROM migration_jobs
           WHERE dest_location_id = ? AND status IN ('queued', 'copying', 'verifying', 'switching')`,
      )
      .all(location.id, location.id) as { tier: Tier; cls: string | null }[];
    for (const u of used) {
      const spec = tiers[u.tier];
      if (!spec || (u.cls !== null && spec.storage_class !== u.cls)) {
        throw conflict(
          `body.tiers.${u.tier}: datasets or open jobs at "${location.id}" use ${u.tier} = ${u.cls ?? 'it'}; ` +
            'keep that tier and class, or move them first',
          `body.tiers.${u.tier}`,
        );
      }
    }
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
      else if (existing.kind === 'file') mkdirSync(fileURLToPath(existing.uri), { recursive: true });
    }
  }

  /**
   * Resolves a URI to the location containing it. Refuses anything outside every
   * location, after resolving `..` and following symlinks of the existing part.
   */
  resolve(uri: string, field: string, opts: { allowRoot?: boolean } = {}): ResolvedUri {
    if (isObjectUri(uri)) return this.resolveObject(uri, field, opts);
    const p = guardPath(field, uri, () => realpathLenient(resolve(filePathOf(uri, field))));
    for (const location of this.list()) {
      if (location.kind !== 'file') continue;
      const root = fileURLToPath(location.uri);
      if (p === root && opts.allowRoot) return { location, uri: location.uri, relative: '' };
      if (p.startsWith(root + sep)) {
        return { location, uri: pathToFileURL(p).href, relative: p.slice(root.length + 1) };
      }
    }
    this.outside(uri, field);
  }

  /** s3:// and gs:// URIs: the location whose bucket and prefix contain it, by '/' segments. */
  private resolveObject(uri: string, field: string, opts: { allowRoot?: boolean }): ResolvedUri {
    const root = parseObjectRoot(uri, field);
    for (const location of this.list()) {
      if (location.kind !== root.kind) continue;
      const lr = parseObjectRoot(location.uri, 'uri');
      if (!containsRoot(lr, root)) continue;
      const relative = lr.prefix === '' ? root.prefix : root.prefix.slice(lr.prefix.length + 1);
      if (relative === '' && !opts.allowRoot) continue;
      return { location, uri: rootUri(root), relative };
    }
    this.outside(uri, field);
  }

  private outside(uri: string, field: string): never {
    const roots = this.list()
      .map((l) => l.uri)
      .join(', ');
    throw new DataMotionError(
      'outside_location',
      `${field}: ${uri} is not inside any configured location (${roots}); add a location or pick a path under one`,
      field,
    );
  }

  /** The location holding a URI, or undefined (for the storage registry: no errors, no fs access for clouds). */
  locate(uri: string): Location | undefined {
    try {
      return this.resolve(uri, 'uri', { allowRoot: true }).location;
    } catch {
      return undefined;
    }
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
