// @needs s3
// Several parts of one object in flight (partConcurrency): parts finish out of order, yet
// every checkpoint the driver saves is a resume point. It holds only the contiguous prefix
// of acknowledged parts, their byte count and the CRC32C state of exactly those bytes; a
// part stored beyond a gap is sent again after a crash, and nothing else is. Against moto;
// a client middleware holds back the answer to chosen parts (the part is stored, its
// acknowledgement waits), which is how a slow part looks from the driver.
import { randomBytes, randomUUID } from 'node:crypto';
import { CreateBucketCommand, DeleteBucketCommand, ListPartsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Crc32c } from '../../core/storage/crc32c.ts';
import type { UploadState } from '../../core/storage/driver.ts';
import { S3Driver } from '../../core/storage/s3-driver.ts';
import { describeWithService, type ReadyService } from '../helpers/services.ts';
import { crc32cBase64, MemoryCheckpoint } from './driver-suite.ts';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const CONCURRENCY = 4;

async function* once(data: Buffer): AsyncGenerator<Uint8Array> {
  yield data;
}

/** Every state the driver saved, checked as it is saved. */
class RecordingCheckpoint extends MemoryCheckpoint {
  readonly saved: UploadState[] = [];
  override save(state: UploadState): void {
    super.save(state);
    this.saved.push(structuredClone(state));
  }
}

/** A resume point: parts 1..k, their sizes summing to bytesDone, the CRC state of exactly those bytes. */
function expectResumePoint(state: UploadState, blob: Buffer): void {
  expect(state.parts.map((p) => p.partNumber)).toEqual(state.parts.map((_, i) => i + 1));
  expect(state.bytesDone).toBe(state.parts.reduce((n, p) => n + p.size, 0));
  const crc = new Crc32c();
  crc.update(blob.subarray(0, state.bytesDone));
  expect(state.crcState).toBe(crc.value);
  let at = 0;
  for (const p of state.parts) {
    expect(p.crc32c).toBe(crc32cBase64(blob.subarray(at, at + p.size)));
    at += p.size;
  }
}

/** Resolves once `cond()` holds, re-checked whenever `poke` is called. */
function waitUntil(cond: () => boolean, pokes: (() => void)[]): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (cond() ? resolve() : pokes.push(check));
    check();
  });
}

/**
 * Counts UploadParts in flight and held back on the driver's real client: `hold(n)` keeps
 * part n's answer (after S3 stored it) until `release(n)`, or rejects it on `signal`'s abort.
 */
function instrument(driver: S3Driver, signal?: AbortSignal) {
  const gates = new Map<number, () => void>();
  const held = new Set<number>();
  const acked: number[] = [];
  const sent: number[] = [];
  const pokes: (() => void)[] = [];
  const poke = () => pokes.splice(0).forEach((f) => f());
  let inFlight = 0;
  let maxInFlight = 0;
  driver.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'UploadPartCommand') return next(args);
      const n = (args.input as { PartNumber: number }).PartNumber;
      sent.push(n);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        const out = await next(args);
        const gate = gates.get(n);
        if (gate) {
          held.add(n);
          poke();
          await new Promise<void>((resolve, reject) => {
            gates.set(n, resolve);
            signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
          });
        }
        acked.push(n);
        return out;
      } finally {
        inFlight--;
        poke();
      }
    },
    { step: 'initialize', name: 'dmTestHoldParts' },
  );
  return {
    sent,
    acked,
    held,
    get maxInFlight() {
      return maxInFlight;
    },
    hold: (n: number) => gates.set(n, () => undefined),
    release: (n: number) => gates.get(n)?.(),
    until: (cond: () => boolean) => waitUntil(cond, pokes),
  };
}

describeWithService('s3', 'S3Driver with several parts in flight', (s3: ReadyService) => {
  const drivers: S3Driver[] = [];
  let bucket = '';
  const makeDriver = () => {
    const d = new S3Driver({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: s3.env.AWS_REGION ?? 'us-east-1',
      credentials: {
        accessKeyId: s3.env.AWS_ACCESS_KEY_ID ?? 'test',
        secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY ?? 'test',
      },
      multipartThreshold: PART,
      partSize: PART,
      partConcurrency: CONCURRENCY,
    });
    drivers.push(d);
    return d;
  };
  beforeAll(async () => {
    bucket = `dm-parts-${randomUUID()}`;
    await makeDriver().client.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    const d = drivers[0] as S3Driver;
    await d.cleanupPartials(`s3://${bucket}`);
    await d.removeRoot(`s3://${bucket}`);
    await d.client.send(new DeleteBucketCommand({ Bucket: bucket }));
    for (const x of drivers) x.close();
  });

  test('part 1 answers last: no checkpoint until it does, then one covering parts 1-4 with their CRC state', async () => {
    const driver = makeDriver();
    const parts = instrument(driver);
    const blob = randomBytes(10 * PART + 123);
    const checkpoint = new RecordingCheckpoint();
    parts.hold(1);

    const writing = driver.write(`s3://${bucket}/late-first`, 'blob.bin', once(blob), {
      size: blob.length,
      checkpoint,
    });
    // Parts 2-4 acknowledged while part 1 (stored) waits for its answer.
    await parts.until(() => parts.held.has(1) && [2, 3, 4].every((n) => parts.acked.includes(n)));
    expect(parts.acked).toEqual(expect.arrayContaining([2, 3, 4]));
    expect(parts.acked).not.toContain(1);
    expect(checkpoint.saved).toEqual([]);
    // Part 5 waits until part 1 is in the checkpoint: at most partConcurrency parts beyond it.
    expect([...parts.sent].sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);

    parts.release(1);
    const written = await writing;

    expect(written).toEqual({ size: blob.length, crc32c: crc32cBase64(blob) });
    expect(parts.maxInFlight).toBeGreaterThanOrEqual(2);
    expect(parts.maxInFlight).toBeLessThanOrEqual(CONCURRENCY);
    const first = checkpoint.saved[0] as UploadState;
    expect(first.parts.length).toBeGreaterThanOrEqual(4);
    for (const state of checkpoint.saved) expectResumePoint(state, blob);
    expect(checkpoint.saved.map((s) => s.parts.length)).toEqual(
      [...checkpoint.saved.map((s) => s.parts.length)].sort((a, b) => a - b),
    );
    expect(checkpoint.state).toBeUndefined(); // cleared once the object exists
    const stored = await driver.stat(`s3://${bucket}/late-first`, 'blob.bin');
    expect(stored).toMatchObject({ size: blob.length, crc32c: crc32cBase64(blob) });
  });

  test('a crash with part 2 unanswered and 3-4 stored resumes after part 1, re-sending only what the prefix lacked', async () => {
    const crashed = new AbortController();
    const first = makeDriver();
    const parts = instrument(first, crashed.signal);
    const blob = randomBytes(8 * PART);
    const root = `s3://${bucket}/gap`;
    const checkpoint = new RecordingCheckpoint();
    parts.hold(2);

    const writing = first.write(root, 'blob.bin', once(blob), {
      size: blob.length,
      checkpoint,
      signal: crashed.signal,
    });
    const outcome = writing.then(
      () => 'written',
      (e: unknown) => e,
    );
    await parts.until(() => parts.held.has(2) && [1, 3, 4].every((n) => parts.acked.includes(n)));
    // The process dies here: part 2 is stored but never acknowledged.
    crashed.abort(new Error('simulated crash'));
    expect(await outcome).toMatchObject({ message: expect.stringMatching(/simulated crash|abort/i) });

    const atCrash = checkpoint.load() as UploadState;
    expectResumePoint(atCrash, blob);
    expect(atCrash.parts.map((p) => p.partNumber)).toEqual([1]);
    const storedAtCrash = await first.client.send(
      new ListPartsCommand({ Bucket: bucket, Key: 'gap/blob.bin', UploadId: atCrash.uploadId }),
    );
    const beyond = (storedAtCrash.Parts ?? []).map((p) => p.PartNumber).filter((n) => (n ?? 0) > 1);
    expect(beyond).toEqual(expect.arrayContaining([2, 3, 4]));

    // A fresh process resumes the same upload from the checkpoint.
    const second = makeDriver();
    const resumedParts = instrument(second);
    const offset = await second.resumeOffset(root, 'blob.bin', checkpoint);
    expect(offset).toBe(PART);
    const written = await second.write(root, 'blob.bin', once(blob.subarray(offset)), {
      size: blob.length,
      checkpoint,
    });

    expect(written).toEqual({ size: blob.length, crc32c: crc32cBase64(blob) });
    expect([...resumedParts.sent].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    // Re-sent although stored: never more than the window of parts beyond the checkpoint.
    const resentStored = resumedParts.sent.filter((n) => beyond.includes(n));
    expect(resentStored.length).toBeLessThanOrEqual(CONCURRENCY);
    for (const state of checkpoint.saved) expectResumePoint(state, blob);
    const stored = await second.stat(root, 'blob.bin');
    expect(stored).toMatchObject({ size: blob.length, crc32c: crc32cBase64(blob) });
  });
});
