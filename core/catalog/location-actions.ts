import { autoclassName, type Location, type LocationProbe } from '../contracts/locations.ts';
import { DataMotionError } from '../errors.ts';
import { autoclassMismatch, probeLocation } from '../storage/probe.ts';
import { parseGcsUri } from '../storage/gcs-uri.ts';
import { TIERS } from '../contracts/common.ts';
import type { StorageRegistry } from '../storage/registry.ts';
import type { LocationService } from './location-service.ts';

/**
 * POST /locations/{id}/test: a real round trip (list, put, head, delete of a probe object)
 * with a driver built now, so rotated credentials are seen. A credentials reference that
 * cannot be used (a missing variable, an unreadable key file) is an answer too, not an error.
 */
export async function testLocation(
  locations: LocationService,
  storage: StorageRegistry,
  id: string,
): Promise<LocationProbe> {
  const location = locations.get(id, 'params.id');
  let driver;
  try {
    driver = storage.fresh(location);
  } catch (e) {
    if (!(e instanceof DataMotionError)) throw e;
    return { location: id, ok: false, cause: 'bad_credentials', problem: e.message, steps: [] };
  }
  try {
    const probe = await probeLocation(driver, location.uri, {
      location: id,
      ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    });
    const named = TIERS.map((t) => autoclassName(location.tiers[t]?.storage_class)).find((n) => n);
    if (!probe.ok || !named || !driver.autoclass) return probe;
    const bucketUri = `gs://${parseGcsUri(location.uri).bucket}`;
    let problem: string | null;
    try {
      problem = autoclassMismatch(named, await driver.autoclass(location.uri), bucketUri);
    } catch (e) {
      problem = `could not read the Autoclass setting of ${bucketUri}, which the tier map names: ${(e as Error).message}`;
    }
    return problem ? { ...probe, ok: false, cause: 'other', problem } : probe;
  } finally {
    if (location.kind !== 'file') driver.close?.();
  }
}

/** PATCH /locations/{id}: the change, then a fresh driver on next use (new endpoint or credentials). */
export function updateLocation(
  core: { locations: LocationService; storage: StorageRegistry },
  id: string,
  body: unknown,
): Location {
  const updated = core.locations.patch(id, body);
  core.storage.forget(id);
  return updated;
}
