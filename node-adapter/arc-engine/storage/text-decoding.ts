import { createRequire } from "node:module";

/**
 * @duckdb/node-api decodes every VARCHAR with a default `TextDecoder`, which drops a leading
 * U+FEFF: a stored "\uFEFFa" would read back as "a", so a memory's content would not round-trip.
 * The library reads its decoder from this module's exports at each call, so swapping it for one
 * that keeps the mark fixes every read. The version is pinned, and
 * test/arc-client/engine-integration.test.ts fails if an upgrade moves this.
 */
export function keepByteOrderMarks(): void {
  const require = createRequire(import.meta.url);
  const accessors = require("@duckdb/node-api/lib/vectors/dataAccessors.js") as { textDecoder: TextDecoder };
  if (!accessors.textDecoder.ignoreBOM) accessors.textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
}
