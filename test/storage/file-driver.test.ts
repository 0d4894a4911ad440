// The file driver against the shared driver suite, plus what only a file system has:
// temp files that never show, and folders pruned after a job.
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { FileDriver, PARTIAL_SUFFIX } from '../../core/storage/file-driver.ts';
import { runDriverSuite } from './driver-suite.ts';

runDriverSuite('FileDriver', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dm-file-driver-'));
  return {
    driver: new FileDriver(),
    rootUri: (sub) => pathToFileURL(join(dir, sub)).href,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

test('temp files are never listed and cleanupPartials removes them; pruneEmptyFolders keeps files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dm-file-driver-'));
  try {
    const d = new FileDriver();
    const root = pathToFileURL(dir).href;
    await mkdir(join(dir, 'a', 'empty'), { recursive: true });
    await writeFile(join(dir, 'a', `x.1234${PARTIAL_SUFFIX}`), 'partial');
    await writeFile(join(dir, 'a', 'real'), 'real');
    const keys: string[] = [];
    for await (const o of d.list(root)) keys.push(o.key);
    expect(keys).toEqual(['a/real']);
    expect(await d.cleanupPartials(root, new Set(['ignored']))).toBe(1);
    await d.pruneEmptyFolders(root);
    expect(await readdir(join(dir, 'a'))).toEqual(['real']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
