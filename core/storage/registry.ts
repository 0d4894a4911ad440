import { DataMotionError } from '../errors.ts';
import type { Location } from '../contracts/locations.ts';
import type { StorageDriver } from './driver.ts';
import { FileDriver } from './file-driver.ts';

/** Builds the driver of one cloud location (its endpoint, region, credentials). */
export type DriverFactory = (location: Location) => StorageDriver;

interface Closable {
  close?: () => void;
}

/**
 * Picks the driver for a URI. file:// has one driver for every location; an s3:// or
 * gs:// URI gets the driver of the location that holds it, built once from that
 * location's endpoint and credentials (two S3 endpoints are two clients).
 */
export class StorageRegistry {
  private readonly bySchema = new Map<string, StorageDriver>();
  private readonly byLocation = new Map<string, StorageDriver>();

  constructor(
    drivers: StorageDriver[] = [new FileDriver()],
    private readonly locate?: (uri: string) => Location | undefined,
    private readonly factory?: DriverFactory,
  ) {
    for (const d of drivers) this.bySchema.set(d.scheme, d);
  }

  /** Serves every URI of the driver's scheme (tests put a fault-injecting driver here). */
  register(driver: StorageDriver): void {
    this.bySchema.set(driver.scheme, driver);
  }

  forUri(uri: string): StorageDriver {
    const scheme = uri.slice(0, uri.indexOf(':'));
    const fixed = this.bySchema.get(scheme);
    if (fixed) return fixed;
    if ((scheme === 's3' || scheme === 'gs') && this.locate && this.factory) {
      const location = this.locate(uri);
      if (!location) {
        throw new DataMotionError(
          'invalid_input',
          `${uri} is not inside any configured location; add the location first`,
        );
      }
      return this.forLocation(location);
    }
    const known = ['file', ...(this.factory ? ['s3', 'gs'] : [])];
    throw new DataMotionError(
      'invalid_input',
      `no storage driver for "${scheme}://" URIs (supported: ${known.map((s) => s + '://').join(', ')})`,
    );
  }

  /** The driver of one location (cached: its clients keep their connections). */
  forLocation(location: Location): StorageDriver {
    if (location.kind === 'file') return this.forUri(location.uri);
    let d = this.byLocation.get(location.id);
    if (!d) {
      if (!this.factory)
        throw new DataMotionError('invalid_input', `no storage driver for ${location.kind}://`);
      d = this.factory(location);
      this.byLocation.set(location.id, d);
    }
    return d;
  }

  /**
   * A new, uncached driver for one location: a connection test must see credentials as
   * they are now (a rotated variable or key file), not as they were when the cached one was built.
   */
  fresh(location: Location): StorageDriver & Closable {
    if (location.kind === 'file') return this.forUri(location.uri);
    if (!this.factory)
      throw new DataMotionError('invalid_input', `no storage driver for ${location.kind}://`);
    return this.factory(location);
  }

  /** Forgets a location's cached driver (its settings or credentials changed). */
  forget(locationId: string): void {
    (this.byLocation.get(locationId) as Closable | undefined)?.close?.();
    this.byLocation.delete(locationId);
  }

  /** Closes the cloud clients (at shutdown). */
  close(): void {
    for (const d of this.byLocation.values()) (d as Closable).close?.();
    this.byLocation.clear();
  }
}
