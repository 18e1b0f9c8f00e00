import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMemoryServer, type MemoryTestEnv } from "../support/memory-server";

let env: MemoryTestEnv;
let key: string;

beforeAll(async () => {
  env = await startMemoryServer({ visibility: "200ms" });
  ({ key } = await env.server.newOrg("id-shapes-org", ["read", "write", "admin"]));
});
afterAll(() => env.close());

const api = (method: string, path: string, body?: unknown) => env.server.api(method, path, { key, ...(body !== undefined ? { body } : {}) });

/*
 * Ids are the server's UUIDv7s, whose first 48 bits are a millisecond that the lookup uses to
 * narrow Arc's scan. A client may send any id-shaped text, including a UUIDv7 whose millisecond
 * lies past what microseconds can hold as a safe integer (the year 2255 and later): that memory
 * does not exist, and the answer is a 404 like any other unknown id, never a 500.
 */
describe("ids that look like UUIDv7s from far in the future", () => {
  const FAR = ["ffffffff-ffff-7fff-bfff-ffffffffffff", "10000000-0000-7000-8000-000000000000"];

  it("GET, PATCH and DELETE answer 404", async () => {
    for (const id of FAR) {
      expect((await api("GET", `/api/v1/memories/${id}`)).status, id).toBe(404);
      expect((await api("PATCH", `/api/v1/memories/${id}`, { content: "x" })).status, id).toBe(404);
      expect((await api("DELETE", `/api/v1/memories/${id}`)).status, id).toBe(404);
    }
  });
});
