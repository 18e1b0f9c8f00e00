import type { SettingsInput } from "../../core/config/schema";
import { ArcSocket } from "./arc-socket";
import { startTestServer, type TestServer } from "./harness";

export interface MemoryTestEnv {
  server: TestServer;
  arc: ArcSocket;
  close(): Promise<void>;
}

/**
 * A Memtrace server whose Arc is the embedded engine on a loopback socket. `visibility` is how
 * long delivered memories stay in the coordinator's recent window: short values make reads come
 * from Arc itself; `arcFlushDelayMs` is how long Arc hides rows it accepted.
 */
export async function startMemoryServer(
  options: { visibility?: string; arcFlushDelayMs?: number; arcDeletes?: boolean; settings?: SettingsInput } = {},
): Promise<MemoryTestEnv> {
  const arc = await ArcSocket.start({ flushDelayMs: options.arcFlushDelayMs ?? 0, ...(options.arcDeletes === false ? { deleteEnabled: false } : {}) });
  const server = await startTestServer({
    defaultArc: { url: arc.url },
    settings: {
      ...options.settings,
      arc: { visibility_delay: options.visibility ?? "65s", ...options.settings?.arc },
      write_buffer: { max_interval: "200ms", ...options.settings?.write_buffer },
    },
  });
  return {
    server,
    arc,
    close: async () => {
      await server.close();
      await arc.close();
    },
  };
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 15_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Walks every page of a list with its cursor and returns all ids in order. */
export async function collectAllPages(server: TestServer, key: string, path: string, pageSize: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const sep = path.includes("?") ? "&" : "?";
    const url = `${path}${sep}limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res = await server.api("GET", url, { key });
    if (res.status !== 200) throw new Error(`page failed: ${res.status} ${res.text}`);
    ids.push(...res.body.memories.map((m: { id: string }) => m.id));
    if (!res.body.has_more) {
      if (res.body.next_cursor) throw new Error("next_cursor without has_more");
      return ids;
    }
    if (res.body.memories.length !== pageSize) throw new Error("has_more on a short page");
    cursor = res.body.next_cursor;
  }
  throw new Error("too many pages");
}
