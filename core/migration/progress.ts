import type { JobStore, LiveRate } from './job-store.ts';

/** At most this often per job: a progress row update and a `job.progress` event (~4/s). */
const FLUSH_INTERVAL_MS = 250;
/** Throughput is measured over this trailing window, so the ETA follows the current speed. */
const RATE_WINDOW_MS = 5000;

/**
 * Counts bytes as they stream (including objects still in flight, so large objects
 * move the bar smoothly) and reports them at a bounded rate. The manifest, not this
 * counter, is the truth after a restart.
 */
export class ProgressReporter {
  private bytes: number;
  private objects: number;
  private lastFlush = 0;
  private firstObjectShown = false;
  private readonly bytesTotal: number;
  private readonly samples: { at: number; bytes: number }[] = [];

  constructor(
    private readonly store: JobStore,
    private readonly jobId: string,
    start: { bytesDone: number; objectsDone: number; bytesTotal: number },
    /** The phase whose progress this is: verification reports bytes checked, from 0 again. */
    private readonly phase: 'copying' | 'verifying' = 'copying',
  ) {
    this.bytesTotal = start.bytesTotal;
    this.bytes = start.bytesDone;
    this.objects = start.objectsDone;
    this.samples.push({ at: Date.now(), bytes: this.bytes });
    store.live.set(jobId, () => this.rate());
  }

  /** Bytes streamed (negative to take back the bytes of an attempt that failed). */
  addBytes(n: number): void {
    this.bytes += n;
    this.maybeFlush();
  }

  objectDone(): void {
    this.objects++;
    // The first finished object is shown at once, so a short copy does not look stuck at 0.
    if (!this.firstObjectShown) {
      this.firstObjectShown = true;
      this.flush();
    } else this.maybeFlush();
  }

  rate(): LiveRate {
    const now = Date.now();
    while (this.samples.length > 1 && now - (this.samples[1]?.at ?? now) > RATE_WINDOW_MS)
      this.samples.shift();
    const first = this.samples[0];
    const dt = first ? (now - first.at) / 1000 : 0;
    if (!first || dt < 0.2) return { throughput_bps: null, eta_s: null };
    const bps = Math.max(0, (this.bytes - first.bytes) / dt);
    const left = Math.max(0, this.bytesTotal - this.bytes);
    return { throughput_bps: Math.round(bps), eta_s: bps > 0 ? Math.ceil(left / bps) : null };
  }

  flush(): void {
    const now = Date.now();
    this.lastFlush = now;
    this.samples.push({ at: now, bytes: this.bytes });
    const res = this.store.db
      .prepare(
        `UPDATE migration_jobs SET bytes_done = ?, objects_done = ?, updated_at = ?
         WHERE job_id = ? AND status = ?`,
      )
      .run(this.bytes, this.objects, now, this.jobId, this.phase);
    const row = res.changes ? this.store.find(this.jobId) : undefined;
    if (row) this.store.publish(row, 'job.progress');
  }

  close(): void {
    this.store.live.delete(this.jobId);
  }

  private maybeFlush(): void {
    if (Date.now() - this.lastFlush >= FLUSH_INTERVAL_MS) this.flush();
  }
}
