/**
 * 1536 → "1.5 KiB": sizes in messages an operator reads. `pad` keeps the decimal
 * ("3.0 KiB") so columns of a table line up; messages drop it ("2 MiB").
 */
export const formatBytes = (n: number, opts: { pad?: boolean } = {}): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${n} B`;
  return `${opts.pad ? v.toFixed(1) : +v.toFixed(1)} ${units[u]}`;
};
