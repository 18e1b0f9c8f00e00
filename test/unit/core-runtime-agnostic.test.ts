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

/** What in this source ties it to one runtime (type-only imports are fine). */
function problemsIn(source: string): string[] {
  return source.split("\n").flatMap((line, i) =>
    forbidden.filter(([re]) => re.test(line) && !/^\s*import type /.test(line)).map(([, what]) => `line ${i + 1}: ${what}`),
  );
}

describe("the runtime check itself", () => {
  it("catches node: imports, Node globals and Workers-only APIs", () => {
    expect(problemsIn('import { readFileSync } from "node:fs";')).toHaveLength(1);
    expect(problemsIn("const home = process.env.HOME;")).toHaveLength(1);
    expect(problemsIn('import { DurableObject } from "cloudflare:workers";')).toHaveLength(1);
    expect(problemsIn("const b = Buffer.from('x');")).toHaveLength(1);
    expect(problemsIn('import type { Client } from "@libsql/client";')).toEqual([]);
    expect(problemsIn("const data = new TextEncoder().encode('x');")).toEqual([]);
  });
});

describe("core/ is runtime-agnostic", () => {
  const files = tsFiles(coreDir);
  it("has files to check", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(file.slice(coreDir.length + 1), () => {
      expect(problemsIn(readFileSync(file, "utf8"))).toEqual([]);
    });
  }
});
