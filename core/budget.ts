/**
 * How many of `items`, from index `from`, fit `maxBytes` by `sizeOf` (and `maxCount`): always at
 * least one when there is any, so whoever sends them makes progress, and the bytes they hold.
 * Callers cutting a long list into parts pass `from` rather than slicing what is left each time.
 */
export function leadingWithin<T>(
  items: readonly T[],
  maxBytes: number,
  sizeOf: (item: T) => number,
  { maxCount = Infinity, from = 0 }: { maxCount?: number; from?: number } = {},
): { count: number; bytes: number } {
  let bytes = 0;
  let count = 0;
  while (from + count < items.length && count < maxCount) {
    const size = sizeOf(items[from + count]!);
    if (count > 0 && bytes + size > maxBytes) break;
    bytes += size;
    count++;
  }
  return { count, bytes };
}
