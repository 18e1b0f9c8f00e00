import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LibsqlExecutor } from "../../node-adapter/sql/libsql-executor";
import { startServeProcess, type ServeProcess } from "../support/child";
import { tempDir } from "../support/harness";

/*
 * A dedup key with a lone surrogate once reached the outbox as bytes that are not UTF-8, and
 * libSQL panics on reading those back: the server died on the next identical write and on every
 * start while the key lived (24h). The server runs as a child here, since a panic ends the process.
 */

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { MEMTRACE_DATA_DIR: dir, MEMTRACE_SERVER_HOST: "127.0.0.1", MEMTRACE_SERVER_PORT: "0", MEMTRACE_LOG_LEVEL: "warn" };

/** The memory id the crafted dedup log row names. */
const CRAFTED_ID = "0190f0f0-0000-7000-8000-000000000001";

/** A body with a lone surrogate escape in it, as a client's JSON encoder writes one. */
const withDedupKey = (content: string, escapedKey: string) => `{"agent_id":"a","content":"${content}","dedup_key":"${escapedKey}"}`;

async function post(proc: ServeProcess, key: string, body: string) {
  const res = await fetch(`${proc.url}/api/v1/memories`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body,
  });
  return { status: res.status, body: (await res.json()) as { id?: string; existing_id?: string; dedup_key?: string } };
}

/** What the outbox's own INSERT stored for a lone surrogate before keys were made well-formed. */
async function craftSurrogateKeyRow(): Promise<void> {
  const sql = await LibsqlExecutor.open({ url: `file:${join(dir, "outbox.db")}` });
  try {
    const expiresAtUs = (Date.now() + 3_600_000) * 1000;
    await sql.execute(
      `INSERT INTO dedup_log (seq, org_id, dedup_key, memory_id, expires_at_us)
       SELECT value ->> 0, 'org_default', value ->> 1, value ->> 2, ? FROM json_each(?)`,
      // Agent "a"'s claim on the key (see dedupClaim).
      [expiresAtUs, `[[1000000, "a\\nold\\ud800", "${CRAFTED_ID}"]]`],
    );
    const stored = await sql.execute("SELECT hex(dedup_key) AS hex FROM dedup_log WHERE seq = 1000000");
    expect(stored.rows[0]?.hex).toBe("610A6F6C64EDA080");
  } finally {
    await sql.close();
  }
}

describe("dedup keys with lone surrogates", () => {
  it("never kill the server: not on start over an old bad row, not on repeated writes, not on restart", async () => {
    const first = await startServeProcess(env);
    const key = /^(mtk_[A-Za-z0-9_-]{43}=)$/m.exec(first.output())?.[1];
    expect(key).toBeTruthy();
    expect(await first.stop()).toBe(0);
    await craftSurrogateKeyRow();

    const second = await startServeProcess(env);
    try {
      // The old row's key reads as the repaired text, the same a new write with that key gets.
      const same = await post(second, key!, withDedupKey("again", "old\\ud800"));
      expect(same).toEqual({ status: 409, body: { error: "duplicate memory", existing_id: CRAFTED_ID, request_id: expect.any(String) } });

      const created = await post(second, key!, withDedupKey("new", "new\\udfff"));
      expect(created.status).toBe(201);
      expect(created.body.dedup_key).toBe("new\uFFFD");
      for (let i = 0; i < 3; i++) {
        const again = await post(second, key!, withDedupKey(`new ${i}`, "new\\udfff"));
        expect(again.body.existing_id).toBe(created.body.id);
      }
      expect(second.child.exitCode).toBeNull();
      expect(await second.stop()).toBe(0);

      const third = await startServeProcess(env);
      try {
        expect((await post(third, key!, withDedupKey("after restart", "new\\udfff"))).body.existing_id).toBe(created.body.id);
        expect((await post(third, key!, withDedupKey("after restart", "old\\ud800"))).body.existing_id).toBe(CRAFTED_ID);
        expect(third.child.exitCode).toBeNull();
      } finally {
        await third.stop();
      }
    } finally {
      await second.stop();
    }
  });
});
