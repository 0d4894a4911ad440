import { DataMotionError } from '../errors.ts';
import type { StorageDriver } from './driver.ts';
import { FileDriver } from './file-driver.ts';

/** Picks the driver for a URI's scheme. s3:// and gs:// register here when their issue lands. */
export class StorageRegistry {
  private readonly drivers = new Map<string, StorageDriver>();

  constructor(drivers: StorageDriver[] = [new FileDriver()]) {
    for (const d of drivers) this.drivers.set(d.scheme, d);
  }

  register(driver: StorageDriver): void {
    this.drivers.set(driver.scheme, driver);
  }

  forUri(uri: string): StorageDriver {
    const scheme = uri.slice(0, uri.indexOf(':'));
    const d = this.drivers.get(scheme);
    if (!d) {
      throw new DataMotionError(
        'invalid_input',
        `no storage driver for "${scheme}://" URIs (supported: ${[...this.drivers.keys()].map((s) => s + '://').join(', ')})`,
      );
    }
    return d;
  }
}
