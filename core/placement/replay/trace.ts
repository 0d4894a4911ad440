import { DataMotionError } from '../../errors.ts';

/**
 * Access traces for the replay benchmark: CSV `timestamp,key,op,size` (timestamp in epoch
 * ms, op read|write (get|put accepted), size in bytes), an optional header line.
 *
 * Keys are grouped into datasets by their first path segment: `logs/2024/a.parquet` belongs
 * to dataset `logs`; a key without a `/` is a dataset of its own. A dataset's objects are
 * its distinct keys; without a sizes file, its stored size is the sum over its keys of the
 * largest size seen for each key.
 */

export interface TraceEvent {
  t: number;
  read: boolean;
  bytes: number;
}

export interface TraceDataset {
  name: string;
  events: TraceEvent[];
  objects: number;
  /** Derived from the trace (see above). */
  derived_bytes: number;
}

export interface Trace {
  datasets: TraceDataset[];
  start: number;
  end: number;
  lines: number;
}

const bad = (line: number, field: string, message: string) =>
  new DataMotionError('invalid_input', `trace line ${line}: ${field} ${message}`, `line ${line}.${field}`);

export function datasetOf(key: string): string {
  const i = key.indexOf('/');
  return i > 0 ? key.slice(0, i) : key;
}

/** Parses a trace; `timeScale` stretches time from the first event (a trace of hours can stand for months). */
export function parseTrace(text: string, timeScale = 1): Trace {
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new DataMotionError(
      'invalid_input',
      `--time-scale must be a number > 0, got ${timeScale}`,
      'time-scale',
    );
  }
  const byName = new Map<string, { events: TraceEvent[]; keys: Map<string, number> }>();
  let lineNo = 0;
  let t0 = Infinity;
  let rows = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (rows === 0 && /^timestamp\s*,/i.test(line)) continue;
    const cols = line.split(',');
    if (cols.length !== 4) {
      throw bad(lineNo, 'line', `has ${cols.length} fields; expected timestamp,key,op,size`);
    }
    const [ts, key, op, size] = cols.map((c) => c.trim()) as [string, string, string, string];
    const t = Number(ts);
    if (ts === '' || !Number.isFinite(t) || t < 0) {
      throw bad(lineNo, 'timestamp', `must be epoch milliseconds ≥ 0, got "${ts}"`);
    }
    if (key === '') throw bad(lineNo, 'key', 'is empty');
    const o = op.toLowerCase();
    const read = o === 'read' || o === 'get';
    if (!read && o !== 'write' && o !== 'put') {
      throw bad(lineNo, 'op', `must be read or write (get, put), got "${op}"`);
    }
    const bytes = Number(size);
    if (size === '' || !Number.isInteger(bytes) || bytes < 0) {
      throw bad(lineNo, 'size', `must be a whole number of bytes ≥ 0, got "${size}"`);
    }
    const name = datasetOf(key);
    let ds = byName.get(name);
    if (!ds) byName.set(name, (ds = { events: [], keys: new Map() }));
    ds.events.push({ t, read, bytes });
    ds.keys.set(key, Math.max(ds.keys.get(key) ?? 0, bytes));
    if (t < t0) t0 = t;
    rows++;
  }
  if (rows === 0) throw new DataMotionError('invalid_input', 'the trace holds no events', 'trace');
  let end = -Infinity;
  const datasets: TraceDataset[] = [];
  for (const [name, ds] of [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const e of ds.events) {
      e.t = t0 + (e.t - t0) * timeScale;
      if (e.t > end) end = e.t;
    }
    ds.events.sort((a, b) => a.t - b.t);
    let derived = 0;
    for (const b of ds.keys.values()) derived += b;
    datasets.push({ name, events: ds.events, objects: ds.keys.size, derived_bytes: derived });
  }
  return { datasets, start: t0, end, lines: rows };
}

export interface SizeRow {
  bytes: number;
  /** Optional third column: the dataset's first-byte latency SLO in ms. */
  slo_ms: number | null;
}

/** `dataset,size_bytes[,latency_slo_ms]`, an optional header line. */
export function parseSizes(text: string): Map<string, SizeRow> {
  const out = new Map<string, SizeRow>();
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (out.size === 0 && /^dataset\s*,/i.test(line)) continue;
    const cols = line.split(',').map((c) => c.trim());
    if (cols.length < 2 || cols.length > 3) {
      throw new DataMotionError(
        'invalid_input',
        `sizes line ${lineNo}: has ${cols.length} fields; expected dataset,size_bytes[,latency_slo_ms]`,
        `line ${lineNo}`,
      );
    }
    const [name, size, slo] = cols as [string, string, string | undefined];
    const bytes = Number(size);
    if (name === '') {
      throw new DataMotionError(
        'invalid_input',
        `sizes line ${lineNo}: dataset is empty`,
        `line ${lineNo}.dataset`,
      );
    }
    if (size === '' || !Number.isInteger(bytes) || bytes < 0) {
      throw new DataMotionError(
        'invalid_input',
        `sizes line ${lineNo}: size_bytes must be a whole number ≥ 0, got "${size}"`,
        `line ${lineNo}.size_bytes`,
      );
    }
    let sloMs: number | null = null;
    if (slo !== undefined && slo !== '') {
      sloMs = Number(slo);
      if (!Number.isFinite(sloMs) || sloMs <= 0) {
        throw new DataMotionError(
          'invalid_input',
          `sizes line ${lineNo}: latency_slo_ms must be a number > 0, got "${slo}"`,
          `line ${lineNo}.latency_slo_ms`,
        );
      }
    }
    out.set(name, { bytes, slo_ms: sloMs });
  }
  return out;
}
