import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe("a bad cursor on the agent and session lists", () => {
  it("is a 400 naming the query parameter the client sent (cursor), not an internal name", async () => {
    for (const path of ["/api/v1/agents?cursor=garbage", "/api/v1/sessions?cursor=WyJ4Il0"]) {
      const res = await server.api("GET", path);
      expect(res.status, path).toBe(400);
      expect(res.body.error).toBe("invalid cursor");
      expect(res.body.field, path).toBe("cursor");
    }
  });
});
