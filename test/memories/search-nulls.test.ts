import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMemoryServer, type MemoryTestEnv } from "../support/memory-server";

/*
 * The original decoded the search body with Go's encoding/json (reference §1), where `null` for a
 * string, slice or number field leaves it unset: `{"agent_id": null}` searched the whole org. This
 * server already reads null as "not sent" in a memory and in a session update; a search body
 * built by a client that sends null for unset filters must work too, not answer 400.
 */

let env: MemoryTestEnv;
let key: string;

beforeAll(async () => {
  env = await startMemoryServer();
  ({ key } = await env.server.newOrg("search-null-org"));
});
afterAll(() => env.close());

const api = (method: string, path: string, body?: unknown) => env.server.api(method, path, { key, ...(body !== undefined ? { body } : {}) });

describe("a search body with null filters", () => {
  it("reads null as not sent, as the original did", async () => {
    expect((await api("POST", "/api/v1/memories", { agent_id: "nully", content: "found" })).status).toBe(201);
    const res = await api("POST", "/api/v1/search", {
      agent_id: "nully",
      session_id: null,
      memory_types: null,
      event_types: null,
      tags: null,
      content_contains: null,
      since: null,
      until: null,
      min_importance: null,
      limit: null,
      order: null,
      any_tags: null,
      case_sensitive: null,
      offset: null,
      order_by: null,
      cursor: null,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.map((m: { content: string }) => m.content)).toEqual(["found"]);
  });
});
