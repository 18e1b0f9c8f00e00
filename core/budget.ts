/**
 * How many of `items`, from the start, fit `maxBytes` by `sizeOf` (and `maxCount`): always at
 * least one when there is any, so whoever sends them makes progress, and the bytes they hold.
 */
export function leadingWithin<T>(
  items: readonly T[],
  maxBytes: number,
  sizeOf: (item: T) => number,
  maxCount = items.length,
): { count: number; bytes: number } {
  let bytes = 0;
  let count = 0;
  while (count < items.length && count < maxCount) {
    const size = sizeOf(items[count]!);
    if (count > 0 && bytes + size > maxBytes) break;
    bytes += size;
    count++;
  }
  return { count, bytes };
}
