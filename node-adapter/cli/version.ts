import { readFileSync } from "node:fs";
import { z } from "zod";

const packageSchema = z.object({ name: z.string(), version: z.string() });

/**
 * `memtrace --version`, worded as the original's cobra printed it (`memtrace version X`), so
 * scripts that parse it keep working. Read from package.json so it cannot drift from a release.
 */
export function versionLine(): string {
  const pkg = packageSchema.parse(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")));
  return `memtrace version ${pkg.version}`;
}
