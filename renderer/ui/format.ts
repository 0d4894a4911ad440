/** Numbers as an operator reads them. Binary units for bytes (what file managers show). */
export function formatBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const s = i === 0 ? String(v) : v >= 100 ? v.toFixed(0) : v.toFixed(1);
  return `${n < 0 ? '-' : ''}${s} ${units[i]}`;
}

export const formatRate = (bps: number | null | undefined): string =>
  bps == null ? '—' : `${formatBytes(bps)}/s`;

/** 75 → "1 min 15 s", 7300 → "2 h 2 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.round(h / 24)} days`;
}

export const formatUsd = (n: number | null | undefined): string =>
  n == null
    ? '—'
    : n.toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2 });

export const formatCount = (n: number | null | undefined): string =>
  n == null ? '—' : n.toLocaleString('en-US');

export const formatTime = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString() : '—';

export const percent = (fraction: number): string =>
  `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
