import type { StorageDriver } from '../../../core/storage/driver.ts';

type GatedMethod = 'checksum' | 'removeRoot' | 'write';

/**
 * Holds a migration at a stage until the test has seen the UI show it. On local files
 * verifying (re-reading checksums) and switching (removing the retired source) take
 * milliseconds, too short for a browser to be sure to paint them; the gate pauses the
 * driver call that stage makes, which the mover makes only after it has published the
 * stage. Gating `write` of one object keeps a copy in flight for as long as a test needs
 * it (to cancel it). Nothing is faked: the call runs unchanged once the gate opens.
 */
export class StageGate {
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  private arrived!: () => void;
  /** Resolves when the mover first reached the gated call. */
  readonly reached = new Promise<void>((resolve) => (this.arrived = resolve));
  private readonly restore: () => void;

  /** `key`: hold only the call for this object key (the driver methods' second argument). */
  constructor(driver: StorageDriver, method: GatedMethod, key?: string) {
    const own = Object.getOwnPropertyDescriptor(driver, method);
    const original = driver[method] as (...args: unknown[]) => Promise<unknown>;
    const patched = async (...args: unknown[]): Promise<unknown> => {
      if (key === undefined || args[1] === key) {
        this.arrived();
        await this.opened;
      }
      return original.apply(driver, args);
    };
    Object.defineProperty(driver, method, { value: patched, configurable: true, writable: true });
    this.restore = () => {
      if (own) Object.defineProperty(driver, method, own);
      else delete (driver as unknown as Record<string, unknown>)[method];
    };
  }

  /** Lets the held call (and every later one) through and puts the driver back as it was. */
  release(): void {
    this.open();
    this.restore();
  }
}
