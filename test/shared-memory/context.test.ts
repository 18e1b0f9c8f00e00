import { encode } from "gpt-tokenizer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMemoryServer, type MemoryTestEnv } from "../support/memory-server";

let env: MemoryTestEnv;
let key: string;

beforeAll(async () => {
  env = await startMemoryServer();
  ({ key } = await env.server.newOrg("context-org", ["read", "write", "admin"]));
});
afterAll(() => env.close());

const api = (method: string, path: string, body?: unknown) => env.server.api(method, path, { key, ...(body !== undefined ? { body } : {}) });

/** Whole seconds, an hour ago: inside the default 24h window, and printed without a fraction. */
const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
const shown = (minutes: number) => at(minutes).replace(".000Z", "Z");

async function newSession(agentName: string): Promise<string> {
  const agent = (await api("POST", "/api/v1/agents", { name: agentName })).body;
  return (await api("POST", "/api/v1/sessions", { agent_id: agent.id })).body.id;
}

describe("POST /api/v1/sessions/:id/context", () => {
  it("renders the original's layout for one agent, line by line", async () => {
    const session = await newSession("solo");
    const long = "Crawled https://example.com/catalog and found three product pages plus twelve outbound links to review";
    const res = await api("POST", "/api/v1/memories", {
      memories: [
        { agent_id: "solo", session_id: session, event_type: "page_crawled", content: long, time: at(3) },
        { agent_id: "solo", session_id: session, memory_type: "decision", event_type: "decision", content: "Skip pagination", time: at(2) },
        { agent_id: "solo", session_id: session, memory_type: "session", event_type: "error", content: "Rate limited by target API, backing off", time: at(1) },
      ],
    });
    expect(res.status).toBe(201);
    const context = await api("POST", `/api/v1/sessions/${session}/context`, {});
    expect(context.status).toBe(200);
    expect(context.body.session_id).toBe(session);
    expect(context.body.memory_count).toBe(3);
    expect(context.body.context.split("\n")).toEqual([
      `## Session Context (${session})`,
      "",
      "### Recent Actions (1)",
      `- [${shown(3)}] page_crawled: ${long.slice(0, 80)}...`,
      "",
      "### Decisions Made (1)",
      `- [${shown(2)}] decision: Skip pagination`,
      "",
      "### Errors (1)",
      `- [${shown(1)}] error: Rate limited by target API, backing off`,
      "",
      "",
    ]);
  });

  it("renders every type from two agents, newest first within each group, naming the agent", async () => {
    const session = await newSession("duo");
    await api("POST", "/api/v1/memories", {
      memories: [
        { agent_id: "alice", session_id: session, event_type: "search", content: "Searched the docs", time: at(1) },
        { agent_id: "bob", session_id: session, event_type: "fetch", content: "Fetched the page", time: at(5) },
        { agent_id: "alice", session_id: session, memory_type: "decision", event_type: "choose", content: "Use the v2 API", time: at(2) },
        { agent_id: "bob", session_id: session, event_type: "error", content: "Timeout on fetch", time: at(6) },
        { agent_id: "alice", session_id: session, memory_type: "session", event_type: "error", content: "Lost the cursor", time: at(3) },
        { agent_id: "bob", session_id: session, memory_type: "entity", event_type: "fact", content: "Customer prefers email", time: at(4) },
        { agent_id: "alice", session_id: session, memory_type: "session", event_type: "note", content: "Halfway there", time: at(7) },
      ],
    });
    const context = await api("POST", `/api/v1/sessions/${session}/context`, {});
    expect(context.body.memory_count).toBe(7);
    expect(context.body.context.split("\n")).toEqual([
      `## Session Context (${session})`,
      "",
      "### Recent Actions (2)",
      `- [${shown(5)}] bob · fetch: Fetched the page`,
      `- [${shown(1)}] alice · search: Searched the docs`,
      "",
      "### Decisions Made (1)",
      `- [${shown(2)}] alice · choose: Use the v2 API`,
      "",
      "### Errors (2)",
      `- [${shown(6)}] bob · error: Timeout on fetch`,
      `- [${shown(3)}] alice · error: Lost the cursor`,
      "",
      "### Other (2)",
      `- [${shown(7)}] alice · note: Halfway there`,
      `- [${shown(4)}] bob · fact: Customer prefers email`,
      "",
    ]);

    const decisionsOnly = await api("POST", `/api/v1/sessions/${session}/context`, { include_types: ["decision"] });
    expect(decisionsOnly.body.memory_count).toBe(1);
    expect(decisionsOnly.body.context).toContain("### Decisions Made (1)");
    expect(decisionsOnly.body.context).not.toContain("### Recent Actions");

    const window = await api("POST", `/api/v1/sessions/${session}/context`, { since: at(4), until: at(7) });
    expect(window.body.memory_count).toBe(2);
    const relative = await api("POST", `/api/v1/sessions/${session}/context`, { since: "30m" });
    expect(relative.body.memory_count).toBe(0);
  });

  it("fits max_tokens by the same tokenizer, keeps the newest memory and says how many were left out", async () => {
    const session = await newSession("budget");
    const memories = Array.from({ length: 60 }, (_, i) => ({
      agent_id: "budget",
      session_id: session,
      event_type: "step",
      content: `Step ${i}: ${"analysed the next part of the problem with some care ".repeat(2)}`,
      importance: (i % 10) / 10,
      time: at(i),
    }));
    await api("POST", "/api/v1/memories", { memories });
    const full = await api("POST", `/api/v1/sessions/${session}/context`, {});
    expect(full.body.memory_count).toBe(60);
    for (const budget of [120, 400, 900]) {
      const res = await api("POST", `/api/v1/sessions/${session}/context`, { max_tokens: budget });
      expect(res.status).toBe(200);
      const tokens = encode(res.body.context, { disallowedSpecial: new Set() }).length;
      expect(tokens).toBeLessThanOrEqual(budget);
      expect(res.body.token_count).toBe(tokens);
      expect(res.body.context).toContain("Step 59:");
      expect(res.body.omitted_count).toBeGreaterThan(0);
      expect(res.body.memory_count + res.body.omitted_count).toBe(60);
      expect(res.body.context).toContain(`${res.body.omitted_count} older or less important memories omitted`);
    }
    // max_tokens 0 means no budget, as the original's clients send it.
    expect((await api("POST", `/api/v1/sessions/${session}/context`, { max_tokens: 0 })).body.memory_count).toBe(60);
  });

  it("never splits a character when it truncates", async () => {
    const session = await newSession("utf8");
    const content = `${"é".repeat(79)}🙂🙂 and more`;
    await api("POST", "/api/v1/memories", { agent_id: "utf8", session_id: session, content, time: at(1) });
    const res = await api("POST", `/api/v1/sessions/${session}/context`, {});
    expect(res.body.context).toContain(`${"é".repeat(79)}🙂...`);
    expect(res.body.context).not.toContain("\uFFFD");
  });

  it("uses the defaults for a null or empty JSON body, as the original's SDKs send them", async () => {
    const session = await newSession("no-options");
    await api("POST", "/api/v1/memories", { agent_id: "no-options", session_id: session, content: "one step", time: at(1) });
    const defaults = await api("POST", `/api/v1/sessions/${session}/context`, {});
    expect(defaults.body.memory_count).toBe(1);
    // The Go SDK's GetSessionContext(ctx, id, nil) marshals a nil pointer: the body is `null`.
    const nullBody = await api("POST", `/api/v1/sessions/${session}/context`, null);
    expect(nullBody.status).toBe(200);
    expect(nullBody.body).toEqual(defaults.body);
    for (const rawBody of ["", " \n"]) {
      const empty = await env.server.api("POST", `/api/v1/sessions/${session}/context`, { key, rawBody, headers: { "content-type": "application/json" } });
      expect(empty.status, JSON.stringify(rawBody)).toBe(200);
      expect(empty.body).toEqual(defaults.body);
    }
    const malformed = await env.server.api("POST", `/api/v1/sessions/${session}/context`, { key, rawBody: "{", headers: { "content-type": "application/json" } });
    expect(malformed.status).toBe(400);
    for (const body of [[], "24h", 7]) {
      expect((await api("POST", `/api/v1/sessions/${session}/context`, body)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it("404s an unknown session and another org's session, and rejects bad input", async () => {
    const missing = await api("POST", "/api/v1/sessions/sess_000000000000000000000000/context", {});
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: "session not found", request_id: missing.headers.get("x-request-id") });
    const session = await newSession("private");
    await api("POST", "/api/v1/memories", { agent_id: "private", session_id: session, content: "secret plan", time: at(1) });
    const other = await env.server.newOrg("other-org");
    const leak = await env.server.api("POST", `/api/v1/sessions/${session}/context`, { key: other.key, body: {} });
    expect(leak.status).toBe(404);
    expect(leak.text).not.toContain("secret plan");
    for (const body of [{ since: "yesterday" }, { include_types: ["procedural"] }, { max_tokens: -1 }, { max_tokens: "lots" }]) {
      expect((await api("POST", `/api/v1/sessions/${session}/context`, body)).status, JSON.stringify(body)).toBe(400);
    }
  });
});
