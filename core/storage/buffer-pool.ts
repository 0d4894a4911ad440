/**
 * Reusable I/O buffers. Fresh multi-megabyte allocations cost a page fault per 4 KiB
 * and GC pressure on every object; a small free list makes a 1 GB copy allocate a few
 * buffers instead of a thousand.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  give(buf: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buf);
  }
}
