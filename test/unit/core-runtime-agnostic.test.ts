import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const coreDir = join(import.meta.dirname, "../../core");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

// core/ must run unchanged on Node and in workerd: Web APIs only.
const forbidden: Array<[RegExp, string]> = [
  [/from\s+["']node:/, "a node: import"],
  [/require\(\s*["']node:/, "a node: require"],
  [/from\s+["'](fs|path|os|crypto|child_process|net|http|url|buffer|stream)["']/, "a Node built-in import"],
  [/from\s+["']cloudflare:/, "a cloudflare: import"],
  [/\bprocess\./, "the Node `process` global"],
  [/\bBuffer\./, "the Node `Buffer` global"],
  [/\b(caches\.default|HTMLRewriter|WebSocketPair)\b/, "a Workers-only global"],
  [/from\s+["']@duckdb\//, "the Node-only DuckDB binding"],
  [/from\s+["']@libsql\/client["']/, "a runtime-specific libSQL entry (import only types)"],
];

describe("core/ is runtime-agnostic", () => {
  const files = tsFiles(coreDir);
  it("has files to check", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(file.slice(coreDir.length + 1), () => {
      const lines = readFileSync(file, "utf8").split("\n");
      const problems = lines.flatMap((line, i) =>
        forbidden.filter(([re]) => re.test(line) && !/^\s*import type /.test(line)).map(([, what]) => `line ${i + 1}: ${what}`),
      );
      expect(problems).toEqual([]);
    });
  }
});
