// One behavioural suite for every StorageDriver (file://, s3://, gs://): the mover relies
// on these properties, not on any one driver's internals, so each driver proves them here.
//
// Usage, from a driver's test file:
//
//   runDriverSuite('S3Driver', async () => ({ driver, rootUri: (sub) => `s3://${bucket}/${sub}`, cleanup, ... }));
//
// `makeEnv` runs once (in beforeAll) and `cleanup` once (in afterAll). Every test works in
// its own root from `rootUri(sub)` with a sub unique to the test, so roots never overlap.
// Object stores describe what they can do through the optional fields of DriverTestEnv;
// a driver without them (the file driver) is checked for the simpler contract instead
// (no classes, no resumable uploads).
import { randomBytes } from 'node:crypto';
import { crc32c } from '@node-rs/crc32';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ObjectHead, StorageDriver, UploadCheckpoint, UploadState } from '../../core/storage/driver.ts';

export interface DriverTestEnv {
  driver: StorageDriver;
  /** A root URI for `sub` (a short ASCII name); the same sub gives the same root. */
  rootUri(sub: string): string;
  /** Removes everything the env created (bucket, temp folder) and closes clients. */
  cleanup(): Promise<void>;
  /**
   * Bytes per part of a multipart / resumable upload as the driver was built with. Absent:
   * the driver writes atomically in one go and has nothing to resume (the file driver).
   */
  partSize?: number;
  /** Object size above which the driver uploads in parts (defaults to partSize). */
  multipartThreshold?: number;
  /** Two storage classes to transition an object to, in order; absent when the store has none. */
  storageClasses?: readonly [string, string];
  /** The driver's listing page size, when it was built small so the suite crosses pages. */
  listPageSize?: number;
  /** How many requests of a kind the driver has sent so far (counted on its real client). */
  count?(what: 'partUploads' | 'listPages'): number;
  /**
   * cleanupPartials finds the uploads a failed write left behind (S3 multipart uploads) and
   * counts them; false or absent where none are left or they cannot be listed.
   */
  listsAbandonedUploads?: boolean;
  /**
   * Why the store keeps an object's storage class through the rewrite a transition sends
   * (fake-gcs-server ignores the class on rewrite); when set, the transition test checks
   * bytes and CRC32C but not the class, and the driver's own test checks the request.
   */
  classAfterTransitionUnobservable?: string;
  /** An independent client's view of an object (e.g. the aws CLI), to cross-check the driver. */
  externalHead?(rootUri: string, key: string): Promise<ObjectHead | null>;
}

const MiB = 1024 * 1024;

/** S3's and GCS's encoding of a CRC32C: base64 of the big-endian value. */
export function crc32cBase64(data: Uint8Array): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32c(data) >>> 0);
  return out.toString('base64');
}

/** A checkpoint kept in memory, as the manifest keeps it in SQLite; counts saves. */
export class MemoryCheckpoint implements UploadCheckpoint {
  state: UploadState | undefined;
  saves = 0;
  load(): UploadState | undefined {
    return this.state && structuredClone(this.state);
  }
  save(state: UploadState): void {
    this.state = structuredClone(state);
    this.saves++;
  }
  clear(): void {
    this.state = undefined;
  }
}

/** Yields `data` in chunks of `chunk` bytes (each a fresh copy, like a real source). */
async function* chunks(data: Uint8Array, chunk = 256 * 1024): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < data.byteLength; off += chunk) yield data.slice(off, off + chunk);
}

/** Yields `data` up to `stopAt` bytes, then fails the way a dropped source connection does. */
async function* failingAfter(
  data: Uint8Array,
  stopAt: number,
  chunk = 256 * 1024,
): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < stopAt; off += chunk) yield data.slice(off, Math.min(stopAt, off + chunk));
  throw Object.assign(new Error('source connection reset (test)'), { code: 'ECONNRESET' });
}

/**
 * A source that stops after `pauseAt` bytes until released: `paused` resolves once the
 * driver has consumed everything before the pause and asked for more.
 */
function pausingSource(data: Uint8Array, pauseAt: number, chunk = 256 * 1024) {
  let release!: () => void;
  let onPaused!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const paused = new Promise<void>((r) => (onPaused = r));
  async function* source(): AsyncGenerator<Uint8Array> {
    for (let off = 0; off < data.byteLength; off += chunk) {
      if (off >= pauseAt && off - chunk < pauseAt) {
        onPaused();
        await released;
      }
      yield data.slice(off, off + chunk);
    }
  }
  return { source: source(), paused, release };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function readAll(driver: StorageDriver, root: string, key: string, offset?: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  // Chunks may be views of reused buffers (the contract): copy each one.
  for await (const c of driver.read(root, key, offset === undefined ? {} : { offset }))
    parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Registers the shared driver tests in a describe block titled `name`. */
export function runDriverSuite(name: string, makeEnv: () => Promise<DriverTestEnv>): void {
  describe(`${name} (driver suite)`, () => {
    let env: DriverTestEnv;
    let d: StorageDriver;
    beforeAll(async () => {
      env = await makeEnv();
      d = env.driver;
    });
    afterAll(async () => {
      await env?.cleanup();
    });

    /** Size of an object the driver must upload in several parts (two full parts and a tail). */
    const largeSize = () => {
      const part = env.partSize ?? 5 * MiB;
      return Math.max(env.multipartThreshold ?? part, 2 * part) + 123_457;
    };

    test('lists every object in byte order of its UTF-8 key, across pages, relative to the root', async () => {
      const root = env.rootUri('list');
      const other = env.rootUri('list-sibling');
      const special = [
        'a b',
        'a-c',
        'a/b',
        'a0',
        'A',
        'z',
        'é',
        'é x/y',
        'b/c/d',
        'b/c-d',
        'b/c0',
        'b/c/d e',
      ];
      const numbered = Array.from({ length: 20 }, (_, i) => `n/${String(i).padStart(2, '0')}`);
      const keys = [...special, ...numbered];
      await Promise.all(keys.map((k, i) => d.write(root, k, chunks(Buffer.alloc(i, i)))));
      // A sibling root whose name extends this one's must not leak into the listing.
      await d.write(other, 'x', chunks(Buffer.from('x')));

      const pagesBefore = env.count?.('listPages') ?? 0;
      const listed = await collect(d.list(root));
      expect(listed.map((o) => o.key)).toEqual([...keys].sort(byteOrder));
      expect(listed.map((o) => o.size)).toEqual([...keys].sort(byteOrder).map((k) => keys.indexOf(k)));
      if (env.listPageSize && env.count) {
        expect(env.count('listPages') - pagesBefore).toBeGreaterThanOrEqual(
          Math.ceil(keys.length / env.listPageSize),
        );
      }
      expect(await d.exists(root)).toBe(true);
      expect(await d.exists(env.rootUri('list-never-written'))).toBe(false);
      expect(await collect(d.list(env.rootUri('list-never-written')))).toEqual([]);
    });

    test('round-trips an empty, a 1-byte and a multipart-sized object, with their CRC32C', async () => {
      const root = env.rootUri('roundtrip');
      const large = randomBytes(largeSize());
      for (const [key, data] of [
        ['empty', Buffer.alloc(0)],
        ['one', Buffer.from([0x5a])],
        ['dir/large.bin', large],
      ] as const) {
        const written = await d.write(root, key, chunks(data), { size: data.byteLength });
        expect(written).toEqual({ size: data.byteLength, crc32c: crc32cBase64(data) });
        expect((await readAll(d, root, key)).equals(data)).toBe(true);
        expect(await d.head(root, key)).toBe(data.byteLength);
        expect(await d.checksum(root, key)).toEqual({ size: data.byteLength, crc32c: crc32cBase64(data) });
      }
      // Unknown size: the driver has to decide single or multipart upload by itself.
      const unsized = await d.write(root, 'unsized.bin', chunks(large, 1 * MiB + 17));
      expect(unsized.crc32c).toBe(crc32cBase64(large));
      expect(await d.checksum(root, 'unsized.bin')).toEqual({
        size: large.byteLength,
        crc32c: crc32cBase64(large),
      });
    });

    test('reads from an offset', async () => {
      const root = env.rootUri('offset');
      const data = randomBytes(largeSize());
      await d.write(root, 'obj', chunks(data), { size: data.byteLength });
      for (const offset of [0, 1, 5 * MiB + 3, data.byteLength - 1, data.byteLength]) {
        expect((await readAll(d, root, 'obj', offset)).equals(data.subarray(offset))).toBe(true);
      }
    });

    test('checksum, head and stat are null for a missing object', async () => {
      const root = env.rootUri('missing');
      await d.write(root, 'present', chunks(Buffer.from('x')));
      expect(await d.checksum(root, 'absent')).toBeNull();
      expect(await d.checksum(root, 'present/absent')).toBeNull();
      expect(await d.head(root, 'absent')).toBeNull();
      expect(await d.stat(root, 'absent')).toBeNull();
    });

    test('stat reports size, storage class and the stored CRC32C', async () => {
      const root = env.rootUri('stat');
      const data = randomBytes(1000);
      await d.write(root, 'obj', chunks(data), { size: data.byteLength });
      const head = await d.stat(root, 'obj');
      if (env.storageClasses) {
        expect(head).toEqual({ size: 1000, storageClass: expect.any(String), crc32c: crc32cBase64(data) });
      } else {
        expect(head).toEqual({ size: 1000, storageClass: null, crc32c: null });
      }
      if (env.storageClasses) {
        await d.write(root, 'classed', chunks(data), { size: 1000, storageClass: env.storageClasses[0] });
        expect((await d.stat(root, 'classed'))?.storageClass).toBe(env.storageClasses[0]);
      }
    });

    test('a write in progress is invisible: not listed, head null; then it appears whole', async () => {
      const root = env.rootUri('atomic');
      const part = env.partSize ?? 1 * MiB;
      for (const [key, data, pauseAt] of [
        ['small', randomBytes(300 * 1024), 256 * 1024],
        // Paused after a whole part, so an object store has already received bytes of it.
        ['large', randomBytes(largeSize()), part + 256 * 1024],
      ] as const) {
        const src = pausingSource(data, pauseAt);
        const writing = d.write(root, key, src.source, { size: data.byteLength });
        await src.paused;
        expect((await collect(d.list(root))).map((o) => o.key)).not.toContain(key);
        expect(await d.head(root, key)).toBeNull();
        expect(await d.checksum(root, key)).toBeNull();
        src.release();
        await writing;
        expect(await d.head(root, key)).toBe(data.byteLength);
      }
      expect((await collect(d.list(root))).map((o) => o.key)).toEqual(['large', 'small']);
    });

    test('a failed write leaves nothing under the key, and cleanupPartials sweeps what it left', async () => {
      const root = env.rootUri('partials');
      const data = randomBytes(largeSize());
      const part = env.partSize ?? 1 * MiB;
      // With a checkpoint the driver keeps its partial upload for a resume.
      const cp = new MemoryCheckpoint();
      await expect(
        d.write(root, 'kept', failingAfter(data, part + 1024), { size: data.byteLength, checkpoint: cp }),
      ).rejects.toThrow(/connection reset/);
      await expect(
        d.write(root, 'spared', failingAfter(data, part + 1024), {
          size: data.byteLength,
          checkpoint: new MemoryCheckpoint(),
        }),
      ).rejects.toThrow();
      expect(await d.head(root, 'kept')).toBeNull();
      expect(await collect(d.list(root))).toEqual([]);
      const keep = cp.state ? new Set([cp.state.uploadId]) : undefined;
      // Only the upload not named in `keep` goes.
      expect(await d.cleanupPartials(root, keep)).toBe(env.listsAbandonedUploads ? 1 : 0);
      // The spared upload still resumes.
      if (env.partSize && cp.state) {
        const offset = await d.resumeOffset(root, 'kept', cp);
        expect(offset).toBe(part);
        await d.write(root, 'kept', chunks(data.subarray(offset)), { size: data.byteLength, checkpoint: cp });
        expect((await readAll(d, root, 'kept')).equals(data)).toBe(true);
      }
      expect(await d.cleanupPartials(root)).toBe(0);
    });

    test('resumes a multipart write from its checkpoint, uploading only the remaining parts', async () => {
      const root = env.rootUri('resume');
      const part = env.partSize;
      const data = randomBytes((part ?? 1 * MiB) * 3 + 77_777);
      const cp = new MemoryCheckpoint();
      const storageClass = env.storageClasses?.[0];
      const opts = { size: data.byteLength, checkpoint: cp, ...(storageClass ? { storageClass } : {}) };

      await expect(d.write(root, 'obj', failingAfter(data, 2 * (part ?? 1 * MiB)), opts)).rejects.toThrow(
        /connection reset/,
      );
      expect(await d.head(root, 'obj')).toBeNull();
      const offset = await d.resumeOffset(root, 'obj', cp, storageClass);
      if (!part) {
        // Atomic temp+rename: nothing to resume, and the checkpoint holds nothing.
        expect(offset).toBe(0);
        expect(cp.load()).toBeUndefined();
      } else {
        expect(offset).toBe(2 * part);
        expect(cp.load()?.bytesDone).toBe(2 * part);
      }

      const uploadsBefore = env.count?.('partUploads') ?? 0;
      const written = await d.write(root, 'obj', chunks(data.subarray(offset)), opts);
      expect(written).toEqual({ size: data.byteLength, crc32c: crc32cBase64(data) });
      expect((await readAll(d, root, 'obj')).equals(data)).toBe(true);
      expect(await d.checksum(root, 'obj')).toEqual({ size: data.byteLength, crc32c: crc32cBase64(data) });
      expect(cp.load()).toBeUndefined();
      if (part && env.count) {
        expect(env.count('partUploads') - uploadsBefore).toBe(Math.ceil((data.byteLength - offset) / part));
      }
    });

    test('a resume with another storage class restarts from byte 0', async () => {
      const root = env.rootUri('resume-class');
      const cp = new MemoryCheckpoint();
      const data = randomBytes(largeSize());
      const [first, second] = env.storageClasses ?? [undefined, undefined];
      await expect(
        d.write(root, 'obj', failingAfter(data, (env.partSize ?? MiB) + 1), {
          size: data.byteLength,
          checkpoint: cp,
          ...(first ? { storageClass: first } : {}),
        }),
      ).rejects.toThrow();
      expect(await d.resumeOffset(root, 'obj', cp, second)).toBe(0);
      expect(cp.load()).toBeUndefined();
      expect(await d.cleanupPartials(root)).toBe(0);
    });

    test('transition changes the storage class in place, bytes and CRC32C unchanged', async () => {
      const root = env.rootUri('transition');
      const small = randomBytes(4096);
      const large = randomBytes(largeSize());
      await d.write(root, 'small', chunks(small), { size: small.byteLength });
      await d.write(root, 'large', chunks(large), { size: large.byteLength });
      for (const [key, data] of [
        ['small', small],
        ['large', large],
      ] as const) {
        const crc = crc32cBase64(data);
        for (const cls of env.storageClasses ?? ['archive']) {
          await d.transition(root, key, cls);
          const head = await d.stat(root, key);
          expect(head?.size).toBe(data.byteLength);
          if (!env.classAfterTransitionUnobservable)
            expect(head?.storageClass).toBe(env.storageClasses ? cls : null);
          if (env.storageClasses) expect(head?.crc32c).toBe(crc);
          expect(await d.checksum(root, key)).toEqual({ size: data.byteLength, crc32c: crc });
          if (env.externalHead) {
            expect(await env.externalHead(root, key)).toEqual({
              size: data.byteLength,
              storageClass: env.classAfterTransitionUnobservable ? expect.any(String) : cls,
              crc32c: crc,
            });
          }
        }
        // Again to the class it has: nothing to change, and no error.
        const last = env.storageClasses?.[1];
        if (last) await d.transition(root, key, last);
        expect((await readAll(d, root, key)).equals(data)).toBe(true);
      }
    });

    test('remove deletes one object; removeRoot deletes the whole root and nothing beside it', async () => {
      const root = env.rootUri('remove');
      const sibling = env.rootUri('remove-sibling');
      await Promise.all(['a', 'b/c', 'b/d'].map((k) => d.write(root, k, chunks(Buffer.from(k)))));
      await d.write(sibling, 'keep', chunks(Buffer.from('keep')));
      await d.remove(root, 'a');
      await d.remove(root, 'never-existed');
      expect((await collect(d.list(root))).map((o) => o.key)).toEqual(['b/c', 'b/d']);
      await d.removeRoot(root);
      expect(await collect(d.list(root))).toEqual([]);
      expect(await d.exists(root)).toBe(false);
      expect((await collect(d.list(sibling))).map((o) => o.key)).toEqual(['keep']);
      await d.pruneEmptyFolders(root);
      await d.ensureRoot(root);
    });
  });
}
