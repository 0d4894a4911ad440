import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LocationService } from '../catalog/location-service.ts';
import type { DatasetRow } from '../catalog/dataset-service.ts';
import type { Location } from '../contracts/locations.ts';
import type { Tier } from '../contracts/common.ts';
import type { PlanMigration } from '../contracts/jobs.ts';
import { DataMotionError, conflict } from '../errors.ts';
import { guardPath } from '../catalog/path-errors.ts';

export const TARGET_FIELD = 'body.target_location';

export interface Target {
  location: Location;
  /** Canonical destination URI (`..` and symlinks resolved). */
  destUri: string;
  tier: Tier;
}

const LOCATION_ID = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * target_location is a URI inside a configured location, or a bare location id meaning
 * <root>/<dataset name>. Both go through the location guard, so a dataset named ".."
 * cannot smuggle the destination out of its root.
 */
export function resolveTarget(locations: LocationService, ds: DatasetRow, body: PlanMigration): Target {
  const raw = body.target_location;
  let uri = raw;
  if (LOCATION_ID.test(raw)) {
    const loc = locations.find(raw);
    if (!loc) {
      const known = locations
        .list()
        .map((l) => l.id)
        .join(', ');
      throw new DataMotionError(
        'not_found',
        `${TARGET_FIELD}: there is no location "${raw}" (known: ${known}); give a location id or a URI inside one`,
        TARGET_FIELD,
      );
    }
    uri = `${loc.uri.replace(/\/+$/, '')}/${encodeURIComponent(ds.name)}`;
  }
  const resolved = locations.resolve(uri, TARGET_FIELD);
  const tier = locations.tierFor(resolved.location, body.storage_class, body.tier, 'body.storage_class');
  return { location: resolved.location, destUri: resolved.uri, tier };
}

/** a/b vs a/b/c: equal or nested URIs (the file driver's roots are folders). */
export const isInside = (inner: string, outer: string): boolean =>
  inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);

/**
 * The default job_key: the same request while its job is open is the same job; once
 * that job has ended, the next plan gets the next generation (see JobService.plan).
 */
export function derivedKeyBase(
  ds: DatasetRow,
  destUri: string,
  storageClass: string,
  tier: Tier,
  retire: boolean,
) {
  const h = createHash('sha256')
    .update(JSON.stringify([ds.id, ds.path_uri, destUri, storageClass, tier, retire]))
    .digest('hex')
    .slice(0, 16);
  return `ds${ds.id}-${h}`;
}

/**
 * Refuses a destination that already holds something: the mover never overwrites. A
 * fast answer for the API; the mover checks again before the first byte (object stores
 * are checked only there, as their listing is asynchronous).
 */
export function assertDestinationFree(destUri: string): void {
  if (!destUri.startsWith('file:')) return;
  const first = guardPath(TARGET_FIELD, destUri, () => {
    const path = fileURLToPath(destUri);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    if (!isDir) throw conflict(`${TARGET_FIELD}: ${destUri} is an existing file`, TARGET_FIELD);
    return readdirSync(path)[0];
  });
  if (first !== undefined) {
    throw conflict(
      `${TARGET_FIELD}: ${destUri} is not empty (it holds "${first}"); migrations never overwrite files: ` +
        'pick an empty or new folder',
      TARGET_FIELD,
    );
  }
}
