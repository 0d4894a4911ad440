import { crc32c } from '@node-rs/crc32';

/** Incremental CRC32C (Castagnoli), SIMD-accelerated native code. */
export class Crc32c {
  private state = 0;
  update(chunk: Uint8Array): void {
    this.state = crc32c(chunk, this.state);
  }
  /** Base64 of the big-endian 32-bit value, as S3 (x-amz-checksum-crc32c) and GCS (crc32c) encode it. */
  digest(): string {
    return encodeCrc32c(this.state);
  }
}

export function encodeCrc32c(value: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b.toString('base64');
}
