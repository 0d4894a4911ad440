/**
 * Compares two keys in the order of their UTF-8 bytes, which is the order S3 and GCS list
 * in and SQLite's BINARY collation sorts in. JavaScript's `<` compares UTF-16 code units,
 * which differs for characters above U+FFFF against U+E000..U+FFFF; shifting the code
 * units as below restores code point (= UTF-8) order without allocating.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
