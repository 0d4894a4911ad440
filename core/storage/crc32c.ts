import { crc32c } from '@node-rs/crc32';

/** Incremental CRC32C (Castagnoli), SIMD-accelerated native code. */
export class Crc32c {
  private state = 0;

  /** Continues a CRC from a saved state (UploadState.crcState), so a resumed upload needs no re-read. */
  static fromState(state: number): Crc32c {
    const c = new Crc32c();
    c.state = state >>> 0;
    return c;
  }

  update(chunk: Uint8Array): void {
    this.state = crc32c(chunk, this.state);
  }

  /** The running value as a uint32: what a checkpoint stores. */
  get value(): number {
    return this.state >>> 0;
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

/** The CRC32C of one buffer, encoded as S3 and GCS expect it. */
export function crc32cOf(data: Uint8Array): string {
  return encodeCrc32c(crc32c(data));
}

/** Size and CRC32C of a stream of bytes: how a driver checks an object it has no stored checksum for. */
export async function hashStream(
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ size: number; crc32c: string }> {
  const crc = new Crc32c();
  let size = 0;
  for await (const chunk of chunks) {
    crc.update(chunk);
    size += chunk.byteLength;
  }
  return { size, crc32c: crc.digest() };
}
