import { Ajv2020 } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/harness";

/*
 * The memory request bodies the OpenAPI document describes are the ones the server takes: each
 * sample is checked against the served document and sent to the server, and both must agree.
 * Only what a JSON Schema can say is sampled (not the time range or the metadata size).
 */

let server: TestServer;
let key: string;
let documentAccepts: (body: unknown) => boolean;

beforeAll(async () => {
  server = await startTestServer();
  key = (await server.newOrg("openapi-input")).key;
  const doc = await (await fetch(`${server.url}/openapi.json`)).json();
  const ajv = new Ajv2020({ strict: false });
  (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
  ajv.addSchema(doc, "openapi.json");
  const body = ajv.compile({ $ref: "openapi.json#/paths/~1api~1v1~1memories/post/requestBody/content/application~1json/schema" });
  documentAccepts = (value) => body(value) as boolean;
});
afterAll(() => server?.close());

let counter = 0;
/** A memory with its own content, so no sample is a duplicate of another. */
const memory = (fields: Record<string, unknown> = {}) => ({ agent_id: "doc", content: `sample ${++counter}`, ...fields });

const ACCEPTED: Array<[string, () => unknown]> = [
  ["the Go SDK's empty memory_type and event_type", () => memory({ memory_type: "", event_type: "" })],
  ["empty session_id, parent_id and dedup_key", () => memory({ session_id: "", parent_id: "", dedup_key: "" })],
  ["null for every optional field", () =>
    memory({ memory_type: null, event_type: null, session_id: null, parent_id: null, dedup_key: null, metadata: null, tags: null, importance: null, time: null })],
  ["empty tags among real ones", () => memory({ tags: ["", "web"] })],
  ["a batch of such memories", () => ({ memories: [memory({ memory_type: "", event_type: "" }), memory({ tags: [""] })] })],
];

const REFUSED: Array<[string, () => unknown]> = [
  ["an unknown memory_type", () => memory({ memory_type: "other" })],
  ["an event_type with a hyphen", () => memory({ event_type: "has-hyphen" })],
  ["a tag with a space", () => memory({ tags: ["a b"] })],
  ["empty content", () => memory({ content: "" })],
  ["null content", () => memory({ content: null })],
  ["importance above 1", () => memory({ importance: 2 })],
  ["metadata that is a list", () => memory({ metadata: ["x"] })],
];

describe("POST /api/v1/memories bodies in the OpenAPI document", () => {
  it.each(ACCEPTED)("accept %s, as the server does", async (_name, sample) => {
    const body = sample();
    expect(documentAccepts(body)).toBe(true);
    expect((await server.api("POST", "/api/v1/memories", { key, body })).status).toBe(201);
  });

  it.each(REFUSED)("refuse %s, as the server does", async (_name, sample) => {
    const body = sample();
    expect(documentAccepts(body)).toBe(false);
    expect((await server.api("POST", "/api/v1/memories", { key, body })).status).toBe(400);
  });
});
