import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { createCore, type Core, type CreateCoreOptions } from '../../core/create-core.ts';

export interface TempCore {
  core: Core;
  dir: string;
  /** Root folder of the location "t" (file://<dir>/store). */
  store: string;
  uri(relative: string): string;
  cleanup(): Promise<void>;
}

/** A core on its own temp data folder, with one location "t"; the mover is off unless asked for. */
export function tempCore(options: CreateCoreOptions = {}): TempCore {
  const dir = mkdtempSync(join(tmpdir(), 'dm-test-'));
  const store = join(dir, 'store');
  mkdirSync(store, { recursive: true });
  const core = createCore({
    dataDir: join(dir, 'data'),
    locations: [{ id: 't', uri: pathToFileURL(store).href }],
    logger: pino({ level: 'silent' }),
    ...options,
    mover: { concurrency: 2, objectConcurrency: 4, enabled: false, maxAttempts: 3, ...options.mover },
  });
  return {
    core,
    dir,
    store,
    uri: (relative) => pathToFileURL(join(store, relative)).href,
    async cleanup() {
      await core.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes files (relative path → size in bytes, filled with a repeating pattern) under root. */
export function writeTree(root: string, files: Record<string, number>): void {
  for (const [rel, size] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    const buf = Buffer.alloc(size);
    for (let i = 0; i < size; i++) buf[i] = (i * 31 + rel.length) & 0xff;
    writeFileSync(p, buf);
  }
}
