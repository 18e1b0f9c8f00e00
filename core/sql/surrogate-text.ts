/*
 * SQLite's JSON functions decode a lone surrogate escape (`"\ud800"`) into the three bytes
 * ED A0..BF 80..BF: a surrogate encoded as if it were a character, which is not UTF-8. libSQL
 * cannot hand such text back (its Rust layer panics and takes the process with it), so a column
 * that may hold it is read through these: as hex when it has an ED byte, repaired here.
 */

/** SQL: whether `column` may hold an encoded surrogate (ED also leads U+D000 to U+D7FF, which are fine). */
export const mayHoldSurrogate = (column: string) => `instr(CAST(${column} AS BLOB), X'ED') > 0`;

const decoder = new TextDecoder();

/**
 * The text of `hex` (a column's bytes), each encoded surrogate as U+FFFD: what wellFormed makes of
 * the string it was written from. Any other invalid byte becomes U+FFFD too.
 */
export function textFromHex(hex: string): string {
  const bytes = new Uint8Array(hex.length >>> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  let out = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b1 = bytes[i + 1] ?? 0;
    const b2 = bytes[i + 2] ?? 0;
    if (bytes[i] === 0xed && b1 >= 0xa0 && b1 <= 0xbf && b2 >= 0x80 && b2 <= 0xbf) {
      // U+FFFD is three bytes as well, so it fits where the surrogate was.
      bytes[out++] = 0xef;
      bytes[out++] = 0xbf;
      bytes[out++] = 0xbd;
      i += 2;
    } else bytes[out++] = bytes[i]!;
  }
  return decoder.decode(bytes.subarray(0, out));
}
