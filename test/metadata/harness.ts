import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../core/clock";
import { SqlMetadataStore } from "../../core/metadata/store";
import { LibsqlExecutor } from "../../node-adapter/sql/libsql-executor";

/** A migrated store on a fresh libSQL file of its own, plus a hand-driven clock. */
export interface StoreHarness {
  store: SqlMetadataStore;
  sql: LibsqlExecutor;
  clock: ManualClock;
  dir: string;
  url: string;
  close(): Promise<void>;
}

export async function openStoreHarness(): Promise<StoreHarness> {
  const dir = mkdtempSync(join(tmpdir(), "memtrace-metadata-"));
  const url = `file:${join(dir, "metadata.db")}`;
  const sql = await LibsqlExecutor.open({ url });
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const store = new SqlMetadataStore({ sql, clock });
  await store.migrate();
  return {
    store,
    sql,
    clock,
    dir,
    url,
    async close() {
      await sql.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The ServiceError code a promise rejects with (fails the test if it resolves). */
export async function errorCode(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { code: e.code ?? "none", message: e.message };
  }
  throw new Error("expected the call to fail");
}
