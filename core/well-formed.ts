/**
 * Lone UTF-16 surrogates become U+FFFD. JSON can carry one (`"\ud800"`), but nothing downstream
 * keeps it: JSON.stringify escapes it, TextEncoder, libSQL and Arc replace it, and SQLite's JSON
 * functions decode it into invalid UTF-8. Replacing it first keeps what we echo, compare and store
 * the same. The built-ins check a string without allocating.
 */
export function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}

/**
 * A parsed JSON value with every string and every key well-formed, as Go's encoding/json decoded
 * them for the original. Copies only the objects and arrays that change, and builds objects with
 * Object.fromEntries, which defines keys: assigning would turn a `__proto__` key into a prototype.
 * Recursive: request bodies are refused past 32 levels before anything parses them.
 */
export function wellFormedJson(value: unknown): unknown {
  if (typeof value === "string") return wellFormed(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = wellFormedJson(value[i]);
      if (item !== value[i]) (copy ??= value.slice())[i] = item;
    }
    return copy ?? value;
  }
  const source = value as Record<string, unknown>;
  // Built only once something changes: most bodies are well-formed, and this runs on every write
  // (for-in rather than Object.keys: no array per object; a parsed object's keys are all its own).
  let entries: Array<[string, unknown]> | undefined;
  for (const key in source) {
    const fixedKey = wellFormed(key);
    const item = wellFormedJson(source[key]);
    if (entries === undefined && (fixedKey !== key || item !== source[key])) entries = entriesBefore(source, key);
    entries?.push([fixedKey, item]);
  }
  return entries ? Object.fromEntries(entries) : value;
}

/** The entries of `source` that come before `key`, as they are. */
function entriesBefore(source: Record<string, unknown>, key: string): Array<[string, unknown]> {
  const entries: Array<[string, unknown]> = [];
  for (const k in source) {
    if (k === key) break;
    entries.push([k, source[k]]);
  }
  return entries;
}
