/** Char codes of the lower-case hex digits. */
const DIGIT = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
const DASH = 45;

/**
 * Char-code arrays by length, reused between calls (they are synchronous), so building a string
 * allocates only the string: emptying and refilling one array reallocated it on every call.
 */
const codeArrays: number[][] = [];
const codesOf = (length: number): number[] => (codeArrays[length] ??= new Array<number>(length).fill(0));

/**
 * Lower-case hex of `bytes`, with a dash before each byte index in `dashesBefore` (a UUID's
 * layout). One string per call, built from char codes: appending digit pairs left a chain of
 * intermediate strings per id, and ids are made for every memory.
 */
export function hexString(bytes: ArrayLike<number>, dashesBefore: readonly number[] = []): string {
  const codes = codesOf(bytes.length * 2 + dashesBefore.length);
  let at = 0;
  let dash = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (dashesBefore[dash] === i) {
      codes[at++] = DASH;
      dash++;
    }
    const byte = bytes[i]!;
    codes[at++] = DIGIT[byte >>> 4]!;
    codes[at++] = DIGIT[byte & 15]!;
  }
  return String.fromCharCode.apply(null, codes);
}

/** The first `digits` lower-case hex digits of big-endian 32-bit `words`. */
export function wordsHex(words: ArrayLike<number>, digits: number): string {
  const codes = codesOf(digits);
  for (let i = 0; i < digits; i++) codes[i] = DIGIT[(words[i >>> 3]! >>> (28 - 4 * (i & 7))) & 15]!;
  return String.fromCharCode.apply(null, codes);
}
