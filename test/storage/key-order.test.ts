import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../core/storage/key-order.ts';

describe('compareKeys', () => {
  it('orders keys exactly as their UTF-8 bytes (S3, GCS and SQLite order)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const bytes = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
        expect(Math.sign(compareKeys(a, b))).toBe(bytes);
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it('puts characters above U+FFFF after U+E000..U+FFFF, unlike UTF-16 order', () => {
    const astral = '\u{1F4E6}'; // 📦, a surrogate pair in UTF-16
    const privateUse = '\uE000';
    expect(astral < privateUse).toBe(true); // JavaScript's code-unit order
    expect(compareKeys(astral, privateUse)).toBeGreaterThan(0); // byte order
    expect(compareKeys('a-c', 'a/b')).toBeLessThan(0);
  });
});
