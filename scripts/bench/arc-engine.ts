import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArcClient } from "../../core/arc/client";
import { arcCount, rowsByName } from "../../core/arc/arc-values";
import type { MemoryRecord } from "../../core/memory/schema";
import { ArcEngine } from "../../node-adapter/arc-engine/engine";
import { agentOf, customerCode } from "./workload";

export interface EngineAppendResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  batchRows: number;
}

const quiet = { warn: () => undefined, error: (message: string) => console.error(`[arc-engine] ${message}`) };

/** An ArcClient that calls the engine's `fetch` directly, as the server's embedded mode does. */
export function engineClient(engine: ArcEngine, database: string): ArcClient {
  return new ArcClient({
    fetch: engine.fetch,
    baseUrl: "http://embedded-arc.local",
    database,
    measurement: "events",
  });
}

function record(n: number, nowUs: number): MemoryRecord {
  return {
    id: `0190a000-0000-7000-8000-${String(n).padStart(12, "0")}`,
    org_id: "org_bench",
    agent_id: agentOf(n),
    session_id: `sess_${Math.floor(n / 1000)}`,
    memory_type: "episodic",
    event_type: "page_crawled",
    content: `Crawled the pricing page for ${customerCode(n % 1000)} and noted the change; step ${n}.`,
    metadata_json: "{}",
    tags: ["web", "billing"],
    dedup_key: (n * 2654435761).toString(16).padStart(32, "0").slice(-32),
    importance: 0.5,
    parent_id: "",
    time_us: nowUs - (1_000_000 - n) * 1000,
    ingested_at_us: nowUs,
  };
}

/**
 * The embedded engine's own append rate, with no Memtrace in front: the same columnar msgpack
 * batches the outbox delivers, written back to back through the engine's HTTP handler, then one
 * flush so every row is stored; the count is checked before the figure is reported.
 */
export async function measureEngineAppend(options: { maxRows: number; seconds: number; batchRows: number }): Promise<EngineAppendResult> {
  const dir = mkdtempSync(join(tmpdir(), "memtrace-bench-engine-"));
  const engine = await ArcEngine.open({ dataDir: dir, logger: quiet });
  try {
    const client = engineClient(engine, "bench");
    const nowUs = Date.now() * 1000;
    const started = performance.now();
    const deadline = started + options.seconds * 1000;
    let rows = 0;
    while (rows < options.maxRows && performance.now() < deadline) {
      const batch: MemoryRecord[] = [];
      for (let i = 0; i < options.batchRows; i++) batch.push(record(rows + i, nowUs));
      await client.write(batch);
      rows += batch.length;
    }
    await engine.flush();
    const seconds = (performance.now() - started) / 1000;
    const [row] = rowsByName(await client.query("SELECT count(*) AS n FROM events"));
    const stored = row ? arcCount(row.n) : 0;
    if (stored !== rows) throw new Error(`engine baseline stored ${stored} of ${rows} rows`);
    return { rows, seconds: Math.round(seconds * 100) / 100, rowsPerSecond: Math.round(rows / seconds), batchRows: options.batchRows };
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What Arc holds for one org in a stopped server's data folder: its rows and its distinct memory ids. */
export interface StoredInArc {
  rows: number;
  ids: Set<string>;
}

/**
 * Reads every memory id Arc holds for one org in a stopped server's data folder, through the
 * engine's query API. Opened only after the server exited (DuckDB allows one process per file).
 */
export async function readStoredInArc(dataDir: string, orgId: string): Promise<StoredInArc> {
  const engine = await ArcEngine.open({ dataDir: join(dataDir, "arc"), logger: quiet });
  try {
    const client = engineClient(engine, orgId);
    const [count] = rowsByName(await client.query("SELECT count(*) AS n FROM events"));
    const ids = new Set<string>();
    for (const row of (await client.query("SELECT DISTINCT id FROM events")).rows) ids.add(String(row[0]));
    return { rows: count ? arcCount(count.n) : 0, ids };
  } finally {
    await engine.close();
  }
}

/** Acknowledged memories against what Arc holds: every acknowledged id must be there. */
export interface ArcCheck {
  acknowledged: number;
  found: number;
  /** Rows in Arc: more than `found` when the load stopped with writes in flight (stored, answer unread). */
  rows: number;
  distinctIds: number;
}

export function checkAcknowledged(acknowledged: Iterable<string>, stored: StoredInArc): ArcCheck {
  let count = 0;
  let found = 0;
  for (const id of acknowledged) {
    count++;
    if (stored.ids.has(id)) found++;
  }
  return { acknowledged: count, found, rows: stored.rows, distinctIds: stored.ids.size };
}
