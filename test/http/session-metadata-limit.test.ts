import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe("PUT /api/v1/sessions/:id metadata", () => {
  it("cannot merge a session's metadata past the 65536 bytes a create refuses; the refused PUT changes nothing", async () => {
    const org = await server.newOrg("session-metadata-limit");
    await server.api("POST", "/api/v1/agents", { key: org.key, body: { name: "meta" } });
    const tooBig = await server.api("POST", "/api/v1/sessions", { key: org.key, body: { agent_id: "meta", metadata: { a: "x".repeat(40_000), b: "y".repeat(40_000) } } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error).toContain("65536");

    const session = (await server.api("POST", "/api/v1/sessions", { key: org.key, body: { agent_id: "meta", metadata: { a: "x".repeat(40_000) } } })).body;
    const grow = await server.api("PUT", `/api/v1/sessions/${session.id}`, { key: org.key, body: { status: "closed", metadata: { b: "y".repeat(40_000) } } });
    expect(grow.status).toBe(400);
    expect(grow.body.error).toContain("65536");
    const after = await server.api("GET", `/api/v1/sessions/${session.id}`, { key: org.key });
    expect(after.body.status).toBe("active");
    expect(Object.keys(after.body.metadata)).toEqual(["a"]);

    // Replacing a key (or removing one) within the limit still works.
    const replace = await server.api("PUT", `/api/v1/sessions/${session.id}`, { key: org.key, body: { metadata: { a: null, b: "y".repeat(40_000) } } });
    expect(replace.status).toBe(200);
    expect(Object.keys(replace.body.metadata)).toEqual(["b"]);
    expect((await server.api("PUT", "/api/v1/sessions/sess_000000000000000000000000", { key: org.key, body: { metadata: { c: 1 } } })).status).toBe(404);
  });
});
