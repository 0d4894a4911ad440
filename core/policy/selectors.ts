import type { SelectableDataset, Selector } from './document.ts';

const GLOB_CHARS = /[*?]/;

/** A glob (* any run, ? one character) as an anchored regular expression. */
export function globRegExp(glob: string): RegExp {
  const body = [...glob]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}

export const globMatch = (glob: string, text: string): boolean =>
  GLOB_CHARS.test(glob) ? globRegExp(glob).test(text) : glob === text;

/** Whether a dataset is one a selector names: every field given must match; in a list, any value. */
export function matches(sel: Selector, ds: SelectableDataset): boolean {
  if (sel.name && !sel.name.some((g) => globMatch(g, ds.name))) return false;
  if (sel.owner && (ds.owner === null || !sel.owner.includes(ds.owner))) return false;
  if (sel.location && !sel.location.includes(ds.location)) return false;
  if (sel.tags) {
    for (const [key, values] of Object.entries(sel.tags)) {
      const v = ds.tags[key];
      if (v === undefined || !values.includes(v)) return false;
    }
  }
  if (sel.size) {
    if (sel.size.min !== undefined && ds.size_bytes < sel.size.min) return false;
    if (sel.size.max !== undefined && ds.size_bytes > sel.size.max) return false;
  }
  return true;
}

/** The fixed text before the first wildcard and after the last one. */
function affixes(glob: string): { prefix: string; suffix: string; wild: boolean } {
  const first = glob.search(GLOB_CHARS);
  if (first < 0) return { prefix: glob, suffix: glob, wild: false };
  const last = Math.max(glob.lastIndexOf('*'), glob.lastIndexOf('?'));
  return { prefix: glob.slice(0, first), suffix: glob.slice(last + 1), wild: true };
}

/** Whether two globs might match one name; false only when they surely cannot. */
export function globsMayOverlap(a: string, b: string): boolean {
  const A = affixes(a);
  const B = affixes(b);
  if (!A.wild && !B.wild) return a === b;
  if (!A.wild) return globMatch(b, a);
  if (!B.wild) return globMatch(a, b);
  const prefixOk = A.prefix.startsWith(B.prefix) || B.prefix.startsWith(A.prefix);
  const suffixOk = A.suffix.endsWith(B.suffix) || B.suffix.endsWith(A.suffix);
  return prefixOk && suffixOk;
}

const intersects = (a: string[] | undefined, b: string[] | undefined): boolean =>
  !a || !b || a.some((x) => b.includes(x));

/**
 * Whether some dataset could match both selectors. Sound for "false": when it says the two
 * cannot overlap, no dataset matches both (test/policy/selectors.property.test.ts checks it
 * over generated catalogues). "true" may be a maybe (two globs).
 */
export function mayOverlap(a: Selector, b: Selector): boolean {
  if (a.name && b.name && !a.name.some((x) => b.name!.some((y) => globsMayOverlap(x, y)))) return false;
  if (!intersects(a.owner, b.owner) || !intersects(a.location, b.location)) return false;
  if (a.tags && b.tags) {
    for (const [key, values] of Object.entries(a.tags)) {
      const other = b.tags[key];
      if (other && !values.some((v) => other.includes(v))) return false;
    }
  }
  const lo = Math.max(a.size?.min ?? 0, b.size?.min ?? 0);
  const hi = Math.min(a.size?.max ?? Infinity, b.size?.max ?? Infinity);
  return lo <= hi;
}
