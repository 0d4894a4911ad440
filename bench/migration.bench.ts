// ~1 GB in a few hundred files of mixed sizes: DataMotion (copy + CRC32C + re-read
// verify + switch) against `rclone copy --checksum` and `cp -r` of the same files,
// in the same run, alternating, median of N rounds. Prints both ratios.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomFillSync } from 'node:crypto';
import { pino } from 'pino';
import { createCore } from '../core/create-core.ts';
import { MiB, median, printTable, ratio, tempDir, time } from './lib.ts';

/** Deterministic mixed sizes: many small, some medium, a few large (log-uniform 4 KiB .. 32 MiB). */
export function fileSizes(totalBytes: number): number[] {
  const sizes: number[] = [];
  let sum = 0;
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  while (sum < totalBytes) {
    const size = Math.round(Math.exp(Math.log(4096) + rand() * (Math.log(32 * MiB) - Math.log(4096))));
    const s = Math.min(size, totalBytes - sum);
    sizes.push(s);
    sum += s;
  }
  return sizes;
}

function writeCorpus(root: string, sizes: number[]): void {
  sizes.forEach((size, i) => {
    const dir = join(root, `part-${i % 8}`);
    mkdirSync(dir, { recursive: true });
    // Random bytes: nothing in the path may profit from compressible data.
    writeFileSync(join(dir, `file-${String(i).padStart(4, '0')}.bin`), randomFillSync(Buffer.alloc(size)));
  });
}

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

export async function benchMigration(totalBytes = 1024 * MiB, rounds = 3): Promise<void> {
  const tmp = tempDir('dm-bench-mig-');
  const store = join(tmp.dir, 'store');
  const src = join(store, 'corpus');
  const sizes = fileSizes(totalBytes);
  writeCorpus(src, sizes);
  const total = sizes.reduce((a, b) => a + b, 0);
  const core = createCore({
    dataDir: join(tmp.dir, 'data'),
    locations: [{ id: 'b', uri: pathToFileURL(store).href }],
    logger: pino({ level: 'silent' }),
  });
  const dm: number[] = [];
  const rc: number[] = [];
  const rcSync: number[] = [];
  const cp: number[] = [];
  const haveRclone = hasCommand('rclone');
  try {
    const ds = await core.datasets.create({ name: 'corpus', path_uri: pathToFileURL(src).href });
    let current = src;
    for (let round = 0; round < rounds; round++) {
      // DataMotion: plan, wait for completed (the mover re-reads every destination object).
      const dest = join(store, `dm-${round}`);
      const { ms } = await time(
        () =>
          new Promise<void>((resolve, reject) => {
            const off = core.bus.on('job.updated', ({ job }) => {
              if (job.status === 'completed') {
                off();
                resolve();
              } else if (job.status === 'failed' || job.status === 'canceled') {
                off();
                reject(new Error(job.error ?? job.status));
              }
            });
            core.jobs.plan({
              dataset_id: ds.id,
              target_location: pathToFileURL(dest).href,
              storage_class: 'standard',
            });
          }),
      );
      dm.push(ms);
      // Next round moves it back out of the copy just made; the old copy is dropped.
      rmSync(current, { recursive: true, force: true });
      current = dest;
      const other = join(tmp.dir, `rclone-${round}`);
      if (haveRclone) {
        rc.push(
          (
            await time(() =>
              execFileSync('rclone', ['copy', '--checksum', '--transfers', '4', current, other], {
                stdio: 'ignore',
              }),
            )
          ).ms,
        );
        rmSync(other, { recursive: true, force: true });
        // The mover fsyncs every object before the switch; rclone does not. This run pays
        // for its durability the same way (a sync(1) after it), for a like-for-like ratio.
        execFileSync('sync');
        rcSync.push(
          (
            await time(() => {
              execFileSync('rclone', ['copy', '--checksum', '--transfers', '4', current, other], {
                stdio: 'ignore',
              });
              execFileSync('sync');
            })
          ).ms,
        );
        rmSync(other, { recursive: true, force: true });
      }
      const plain = join(tmp.dir, `cp-${round}`);
      cp.push((await time(() => execFileSync('cp', ['-r', current, plain]))).ms);
      rmSync(plain, { recursive: true, force: true });
    }
    const mbps = (ms: number) => total / MiB / (ms / 1000);
    const rows = [
      {
        name: `DataMotion copy+verify+switch`,
        value: mbps(median(dm)),
        unit: 'MiB/s',
        note: `median ${median(dm).toFixed(0)} ms`,
      },
    ];
    if (haveRclone) {
      rows.push({
        name: 'rclone copy --checksum',
        value: mbps(median(rc)),
        unit: 'MiB/s',
        note: `median ${median(rc).toFixed(0)} ms; DataMotion/rclone = ${ratio(median(rc), median(dm))} (target ≥ 1.50x)`,
      });
    }
    if (haveRclone) {
      rows.push({
        name: 'rclone copy --checksum, then sync',
        value: mbps(median(rcSync)),
        unit: 'MiB/s',
        note: `median ${median(rcSync).toFixed(0)} ms; DataMotion/(rclone+sync) = ${ratio(median(rcSync), median(dm))}`,
      });
    }
    rows.push({
      name: 'cp -r (no verification)',
      value: mbps(median(cp)),
      unit: 'MiB/s',
      note: `median ${median(cp).toFixed(0)} ms; DataMotion/cp = ${ratio(median(cp), median(dm))}`,
    });
    printTable(
      `Migration of ${(total / MiB).toFixed(0)} MiB in ${sizes.length} files, ${rounds} rounds`,
      rows,
    );
    if (!haveRclone) console.log('  rclone is not installed (apt-get install rclone): its ratio is missing');
  } finally {
    await core.close();
    tmp.cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const mb = Number(process.env.DATAMOTION_BENCH_MB ?? 1024);
  await benchMigration(mb * MiB, Number(process.env.DATAMOTION_BENCH_ROUNDS ?? 3));
}
