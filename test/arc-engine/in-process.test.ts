import { encode } from "@msgpack/msgpack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answer, ArcServer, micros, type HttpAnswer } from "./harness";

// The Memtrace client calls engine.fetch with no socket; it must see what a socket client sees.
const TOKEN = "in-process-token-0123456789abcdefghijkl";
const T0 = micros("2026-01-01T00:00:00Z");
let arc: ArcServer;
beforeAll(async () => {
  arc = await ArcServer.start({ token: TOKEN, flushDelayMs: 0 });
});
afterAll(() => arc.close());

type Step = { path: string; init: RequestInit };
const json = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };

/** The same exchange, run twice: once per transport, against measurements of its own. */
const steps = (m: string): Step[] => [
  {
    path: "/api/v1/write/msgpack",
    init: { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: encode({ m, columns: { time: [T0], v: [1.5], s: ["x"] } }) },
  },
  { path: "/api/v1/write/msgpack", init: { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: new Uint8Array(0) } },
  { path: "/api/v1/write/msgpack", init: { method: "POST", body: encode({ m, columns: { time: [T0] } }) } },
  { path: "/api/v1/query", init: { method: "POST", headers: json, body: JSON.stringify({ sql: `SELECT v, s, time FROM ${m}` }) } },
  { path: "/api/v1/query", init: { method: "POST", headers: json, body: JSON.stringify({ sql: "SELECT * FROM nothing_here" }) } },
  { path: "/api/v1/query", init: { method: "POST", headers: json, body: JSON.stringify({ sql: "DROP TABLE x" }) } },
  { path: "/api/v1/query", init: { method: "POST", headers: json, body: JSON.stringify({ sql: `SELECT nope FROM ${m}` }) } },
  { path: "/api/v1/write/line-protocol/flush", init: { method: "POST", headers: json } },
  { path: "/nowhere", init: {} },
];

/** Masks what legitimately differs between two runs: timings, clocks, and the measurement name. */
function normalise(res: HttpAnswer, m: string) {
  const text = res.text
    .replaceAll(m, "M")
    .replace(/"execution_time_ms":\d+/g, '"execution_time_ms":0')
    .replace(/"timestamp":"[^"]+"/g, '"timestamp":"T"');
  return { status: res.status, contentType: res.headers.get("content-type"), text };
}

describe("engine.fetch and the socket", () => {
  it("give the same statuses, headers and bodies", async () => {
    const direct = [];
    for (const step of steps("direct_m")) {
      direct.push(normalise(await answer(await arc.engine.fetch(new Request(`http://engine${step.path}`, step.init))), "direct_m"));
    }
    const socket = [];
    for (const step of steps("socket_m")) socket.push(normalise(await arc.request(step.path, step.init), "socket_m"));
    expect(socket).toEqual(direct);
    expect(direct.map((d) => d.status)).toEqual([204, 400, 401, 200, 200, 400, 500, 200, 401]);
  });
});
