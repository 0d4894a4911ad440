import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matches, mayOverlap } from '../../core/policy/selectors.ts';
import type { SelectableDataset, Selector } from '../../core/policy/document.ts';
import { parsePolicyDocument } from '../../core/policy/parse-document.ts';

// Small alphabets so that generated globs and names actually meet.
const name = fc.stringMatching(/^[ab-]{1,6}$/);
const glob = fc.stringMatching(/^[ab*?-]{1,5}$/);
const owner = fc.constantFrom('x', 'y', 'z');
const location = fc.constantFrom('l1', 'l2', 'l3');
const tagValue = fc.constantFrom('a', 'b', 'c');

const dataset: fc.Arbitrary<SelectableDataset> = fc.record({
  name,
  owner: fc.option(owner, { nil: null }),
  location,
  tags: fc.dictionary(fc.constantFrom('env', 'team'), tagValue),
  size_bytes: fc.integer({ min: 0, max: 100 }),
});
const catalog = fc.array(dataset, { minLength: 1, maxLength: 40 });

const selector: fc.Arbitrary<Selector> = fc.record(
  {
    name: fc.array(glob, { minLength: 1, maxLength: 2 }),
    owner: fc.uniqueArray(owner, { minLength: 1, maxLength: 2 }),
    location: fc.uniqueArray(location, { minLength: 1, maxLength: 2 }),
    tags: fc.dictionary(
      fc.constantFrom('env', 'team'),
      fc.uniqueArray(tagValue, { minLength: 1, maxLength: 2 }),
      {
        minKeys: 1,
      },
    ),
    size: fc
      .tuple(fc.option(fc.integer({ min: 0, max: 100 })), fc.option(fc.integer({ min: 0, max: 100 })))
      .map(([a, b]) => ({
        ...(a !== null ? { min: Math.min(a, b ?? a) } : {}),
        ...(b !== null ? { max: Math.max(b, a ?? b) } : {}),
      })),
  },
  { requiredKeys: [] },
);

/** Reference glob matcher, written independently of the one under test: plain recursion. */
function globRef(g: string, s: string): boolean {
  if (g === '') return s === '';
  const [c, rest] = [g[0], g.slice(1)];
  if (c === '*') return globRef(rest, s) || (s !== '' && globRef(g, s.slice(1)));
  if (s === '') return false;
  return (c === '?' || c === s[0]) && globRef(rest, s.slice(1));
}

/** What the README says a selector means, field by field. */
function says(sel: Selector, ds: SelectableDataset): boolean {
  const checks = [
    !sel.name || sel.name.some((g) => globRef(g, ds.name)),
    !sel.owner || (ds.owner !== null && sel.owner.includes(ds.owner)),
    !sel.location || sel.location.includes(ds.location),
    !sel.tags ||
      Object.entries(sel.tags).every(([k, vs]) => ds.tags[k] !== undefined && vs.includes(ds.tags[k])),
    !sel.size || ((sel.size.min ?? 0) <= ds.size_bytes && ds.size_bytes <= (sel.size.max ?? Infinity)),
  ];
  return checks.every(Boolean);
}

describe('selectors match what they say (property tests over generated catalogues)', () => {
  it('a selector picks exactly the datasets that satisfy every field it states', () => {
    fc.assert(
      fc.property(selector, catalog, (sel, cat) => {
        const picked = cat.filter((ds) => matches(sel, ds));
        expect(picked).toEqual(cat.filter((ds) => says(sel, ds)));
      }),
      { numRuns: 500 },
    );
  });

  it('a field added to a selector never selects more', () => {
    fc.assert(
      fc.property(selector, selector, catalog, (a, b, cat) => {
        const narrowed = {
          ...a,
          ...Object.fromEntries(Object.entries(b).filter(([k]) => !(k in a))),
        } as Selector;
        for (const ds of cat) if (matches(narrowed, ds)) expect(matches(a, ds)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a selector written from a dataset selects it', () => {
    fc.assert(
      fc.property(dataset, (ds) => {
        const sel: Selector = {
          name: [ds.name],
          location: [ds.location],
          tags: Object.fromEntries(Object.entries(ds.tags).map(([k, v]) => [k, [v]])),
          size: { min: ds.size_bytes, max: ds.size_bytes },
          ...(ds.owner ? { owner: [ds.owner] } : {}),
        };
        expect(matches(sel, ds)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('when two selectors are said not to overlap, no dataset matches both (so conflicts are never missed)', () => {
    let disjointSeen = 0;
    fc.assert(
      fc.property(selector, selector, catalog, (a, b, cat) => {
        if (mayOverlap(a, b)) return;
        disjointSeen++;
        expect(cat.filter((ds) => matches(a, ds) && matches(b, ds))).toEqual([]);
      }),
      { numRuns: 1000 },
    );
    // The property is not vacuous: the generator does produce disjoint pairs.
    expect(disjointSeen).toBeGreaterThan(100);
  });

  it('a selector written in YAML means the same as the one built directly', () => {
    fc.assert(
      fc.property(selector, catalog, (sel, cat) => {
        const yaml = `policies:\n  - id: p\n    select: ${JSON.stringify({
          ...sel,
          ...(sel.size ? { size: sel.size } : {}),
        })}\n    rules: { replicas: 1 }\n`;
        const r = parsePolicyDocument(yaml);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const parsed = r.doc.policies[0]!.select;
        for (const ds of cat) expect(matches(parsed, ds)).toBe(matches(sel, ds));
      }),
      { numRuns: 200 },
    );
  });
});
