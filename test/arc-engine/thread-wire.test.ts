import { describe, expect, it } from "vitest";
import { fetchArgsToWire, requestToWire, type WireRequest } from "../../node-adapter/arc-engine/thread/wire";

const URL_ = "http://embedded-arc.local/api/v1/query";

/** A wire request with its body as text, so two can be compared. */
function readable(wire: WireRequest) {
  return { ...wire, headers: [...wire.headers].sort(), body: wire.body === null ? null : new TextDecoder().decode(wire.body) };
}

async function viaRequest(input: string | URL, init: RequestInit) {
  return readable(await requestToWire(new Request(input, init)));
}

describe("fetchArgsToWire", () => {
  const cases: Array<[string, string | URL, RequestInit]> = [
    ["a string body with its type", URL_, { method: "POST", headers: { "content-type": "application/json", "x-arc-database": "db" }, body: '{"sql":"SELECT \'é\'"}' }],
    ["a string body without a type", URL_, { method: "POST", headers: { "x-arc-database": "db" }, body: "SELECT 1" }],
    ["an empty string body", URL_, { method: "POST", body: "" }],
    ["bytes", new URL(URL_), { method: "POST", headers: [["content-type", "application/msgpack"]], body: Uint8Array.of(1, 2, 255) }],
    ["bytes seen through a view", URL_, { method: "POST", body: new Uint8Array(Uint8Array.of(9, 8, 7, 6).buffer, 1, 2) }],
    ["a GET", URL_, { method: "GET", headers: { authorization: "Bearer t" } }],
  ];

  for (const [name, input, init] of cases) {
    it(`gives the wire request a Request would for ${name}`, async () => {
      expect(readable(await fetchArgsToWire(input, init))).toEqual(await viaRequest(input, init));
    });
  }

  it("leaves the caller's bytes intact", async () => {
    const bytes = Uint8Array.of(1, 2, 3);
    const wire = await fetchArgsToWire(URL_, { method: "POST", body: bytes });
    expect(wire.body).not.toBe(bytes.buffer);
    expect([...bytes]).toEqual([1, 2, 3]);
  });
});
