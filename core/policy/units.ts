const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  pb: 1e15,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
};

/**
 * "10GiB", "1.5 TB", "512" or a number → bytes; undefined when it is not a size. Decimal
 * units are powers of 1000, binary ones (KiB, MiB...) of 1024, as cloud price pages use them.
 */
export function parseBytes(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = UNITS[(m[2] || 'b').toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** "HH:MM" → minutes after midnight, or undefined. */
export function parseClock(value: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

export const DAY_MS = 24 * 3600 * 1000;

/** 00:00 UTC of the day `now` falls in. */
export const utcDayStart = (now: number): number => now - (((now % DAY_MS) + DAY_MS) % DAY_MS);

/** Whether `now` is inside a window of minutes after 00:00 UTC (end < start wraps past midnight). */
export function inWindow(window: { startMin: number; endMin: number } | null, now: number): boolean {
  if (!window) return true;
  const min = Math.floor((now - utcDayStart(now)) / 60_000);
  const { startMin, endMin } = window;
  return startMin < endMin ? min >= startMin && min < endMin : min >= startMin || min < endMin;
}
