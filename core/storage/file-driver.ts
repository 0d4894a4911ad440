import { mkdir, open, opendir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Crc32c, hashStream } from './crc32c.ts';
import { BufferPool } from './buffer-pool.ts';
import type {
  ObjectHead,
  ObjectInfo,
  StorageDriver,
  UploadCheckpoint,
  WriteOptions,
  WrittenObject,
} from './driver.ts';

/** Marks a file being written; never listed, removed by cleanupPartials. */
export const PARTIAL_SUFFIX = '.dm-partial';
const READ_CHUNK = 4 << 20;
/** Two buffers per reader (one being consumed, one being filled); enough kept for 16 readers. */
const pool = new BufferPool(READ_CHUNK, 32);

function rootPath(rootUri: string): string {
  return fileURLToPath(rootUri);
}

function objectPath(rootUri: string, key: string): string {
  const root = rootPath(rootUri);
  const p = join(root, ...key.split('/'));
  // Keys come from our own listing, but a manifest row is data: never leave the root.
  if (p !== root && !p.startsWith(root + sep)) throw new Error(`object key escapes its root: ${key}`);
  return p;
}

async function* walk(dir: string): AsyncGenerator<{ path: string; size: number }> {
  let handle;
  try {
    handle = await opendir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  // One directory's entries at a time (never the whole tree). Sorting a folder "x" as
  // "x/" puts its subtree exactly where its keys fall in byte order of the full key
  // ("x-y" < "x/..." < "x0"), so the walk yields S3's order without a global sort.
  const entries: { name: string; isDir: boolean; isFile: boolean; sortKey: Buffer }[] = [];
  for await (const d of handle) {
    const isDir = d.isDirectory();
    entries.push({
      name: d.name,
      isDir,
      isFile: d.isFile(),
      sortKey: Buffer.from(isDir ? d.name + '/' : d.name),
    });
  }
  entries.sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
  for (const e of entries) {
    const p = join(dir, e.name);
    // Symlinks and special files are skipped: following them could leave the location.
    if (e.isDir) yield* walk(p);
    else if (e.isFile && !e.name.endsWith(PARTIAL_SUFFIX)) yield { path: p, size: (await stat(p)).size };
  }
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * fsyncs `dir` and, when mkdir created folders on the way to it (`created` is the
 * topmost), the parents holding their entries, deepest first.
 */
async function syncDirs(dir: string, created: string | undefined): Promise<void> {
  const stop = created === undefined ? dir : dirname(created);
  for (let d = dir; ; d = dirname(d)) {
    const fh = await open(d, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (d === stop || dirname(d) === d) return;
  }
}

export class FileDriver implements StorageDriver {
  readonly scheme = 'file' as const;

  async *list(rootUri: string): AsyncIterable<ObjectInfo> {
    const root = rootPath(rootUri);
    for await (const f of walk(root))
      yield { key: relative(root, f.path).split(sep).join('/'), size: f.size };
  }

  async exists(rootUri: string): Promise<boolean> {
    try {
      return (await stat(rootPath(rootUri))).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * Reads with two pooled buffers: while the consumer handles one chunk the next is
   * already being read. A chunk is valid until the consumer asks for the next one
   * (the driver contract); callers that keep chunks must copy them.
   */
  async *read(
    rootUri: string,
    key: string,
    opts: { offset?: number; signal?: AbortSignal } = {},
  ): AsyncIterable<Uint8Array> {
    const fh = await open(objectPath(rootUri, key), 'r');
    let filling = pool.take();
    let spare = pool.take();
    // Explicit positions (pread): a read at a given position does not move the file offset.
    let position = opts.offset ?? 0;
    let pending: Promise<{ bytesRead: number }> | null = fh.read(filling, 0, READ_CHUNK, position);
    try {
      for (;;) {
        const { bytesRead } = await pending;
        pending = null;
        if (bytesRead === 0) return;
        opts.signal?.throwIfAborted();
        position += bytesRead;
        const ready = filling;
        [filling, spare] = [spare, ready];
        pending = fh.read(filling, 0, READ_CHUNK, position);
        yield ready.subarray(0, bytesRead);
      }
    } finally {
      await pending?.catch(() => undefined);
      await fh.close();
      pool.give(filling);
      pool.give(spare);
    }
  }

  /** Always 0: a write is temp file + rename, so an interrupted one leaves nothing to continue. */
  async resumeOffset(_rootUri: string, _key: string, checkpoint: UploadCheckpoint): Promise<number> {
    if (checkpoint.load() !== undefined) checkpoint.clear();
    return 0;
  }

  /** The checkpoint option is ignored: see resumeOffset. */
  async write(
    rootUri: string,
    key: string,
    data: AsyncIterable<Uint8Array>,
    opts: WriteOptions = {},
  ): Promise<WrittenObject> {
    const final = objectPath(rootUri, key);
    const createdDir = await mkdir(dirname(final), { recursive: true });
    const temp = `${final}.${randomBytes(4).toString('hex')}${PARTIAL_SUFFIX}`;
    const fh = await open(temp, 'w');
    const crc = new Crc32c();
    let size = 0;
    try {
      for await (const chunk of data) {
        opts.signal?.throwIfAborted();
        crc.update(chunk);
        size += chunk.byteLength;
        let off = 0;
        while (off < chunk.byteLength) off += (await fh.write(chunk, off)).bytesWritten;
      }
      await fh.sync();
    } catch (e) {
      await fh.close();
      await unlink(temp).catch(() => undefined);
      throw e;
    }
    await fh.close();
    // rename(2) is atomic: readers see the old object or the complete new one, never a prefix.
    await rename(temp, final);
    // The rename lives in the directory, not the file: without this fsync a power loss
    // right after the switch (when the source may already be deleted) can lose the name.
    await syncDirs(dirname(final), createdDir);
    return { size, crc32c: crc.digest() };
  }

  async checksum(rootUri: string, key: string, signal?: AbortSignal): Promise<WrittenObject | null> {
    try {
      return await hashStream(this.read(rootUri, key, signal ? { signal } : {}));
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async stat(rootUri: string, key: string): Promise<ObjectHead | null> {
    const size = await this.head(rootUri, key);
    return size === null ? null : { size, storageClass: null, crc32c: null };
  }

  /** A no-op: a file system has no storage classes; the class is catalog metadata only. */
  async transition(): Promise<void> {}

  async head(rootUri: string, key: string): Promise<number | null> {
    try {
      const s = await stat(objectPath(rootUri, key));
      return s.isFile() ? s.size : null;
    } catch {
      return null;
    }
  }

  async remove(rootUri: string, key: string): Promise<void> {
    await rm(objectPath(rootUri, key), { force: true });
  }

  async removeRoot(rootUri: string): Promise<void> {
    await rm(rootPath(rootUri), { recursive: true, force: true });
  }

  /** `keep` is accepted for the interface: a file write never leaves anything resumable. */
  async cleanupPartials(rootUri: string, _keep?: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    const sweep = async (dir: string): Promise<void> => {
      let handle;
      try {
        handle = await opendir(dir);
      } catch {
        return;
      }
      for await (const d of handle) {
        const p = join(dir, d.name);
        if (d.isDirectory()) await sweep(p);
        else if (d.isFile() && d.name.endsWith(PARTIAL_SUFFIX)) {
          await rm(p, { force: true });
          removed++;
        }
      }
    };
    await sweep(rootPath(rootUri));
    return removed;
  }

  async ensureRoot(rootUri: string): Promise<void> {
    await mkdir(rootPath(rootUri), { recursive: true });
  }

  async pruneEmptyFolders(rootUri: string): Promise<void> {
    // Deepest first; rmdir refuses a non-empty folder, so a file someone else put there survives.
    const prune = async (dir: string): Promise<void> => {
      let handle;
      try {
        handle = await opendir(dir);
      } catch {
        return;
      }
      const subdirs: string[] = [];
      for await (const d of handle) if (d.isDirectory()) subdirs.push(join(dir, d.name));
      for (const s of subdirs) await prune(s);
      await rmdir(dir).catch(() => undefined);
    };
    await prune(rootPath(rootUri));
  }
}
