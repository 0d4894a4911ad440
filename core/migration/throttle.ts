import { setTimeout as delay } from 'node:timers/promises';

/**
 * A bandwidth limit shared by every copy of the mover (bytes per second; 0 = none): a
 * token bucket holding at most one second of credit, so a burst never exceeds the rate
 * by more than a second's worth.
 */
export class Throttle {
  private credit: number;
  private last = Date.now();

  constructor(private readonly bytesPerSecond: number) {
    this.credit = bytesPerSecond;
  }

  get enabled(): boolean {
    return this.bytesPerSecond > 0;
  }

  /** Waits until `bytes` may pass. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (!this.enabled) return;
    for (;;) {
      const now = Date.now();
      this.credit = Math.min(
        this.bytesPerSecond,
        this.credit + ((now - this.last) / 1000) * this.bytesPerSecond,
      );
      this.last = now;
      if (this.credit >= Math.min(bytes, this.bytesPerSecond)) {
        this.credit -= bytes;
        return;
      }
      const wait = ((Math.min(bytes, this.bytesPerSecond) - this.credit) / this.bytesPerSecond) * 1000;
      await delay(Math.max(5, Math.ceil(wait)), undefined, { signal });
    }
  }
}
