/** `parts` joined into one new array (`length`, when the caller has counted it, saves a pass). */
export function concatBytes(parts: readonly Uint8Array[], length?: number): Uint8Array<ArrayBuffer> {
  let total = length ?? 0;
  if (length === undefined) for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
