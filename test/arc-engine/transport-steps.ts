import { encode } from "@msgpack/msgpack";
import type { HttpAnswer } from "./harness";

/** One request of an exchange every transport of the engine must answer alike. */
export interface TransportStep {
  path: string;
  init: RequestInit;
}

/**
 * Writes, a bad write, an unauthenticated write, queries good and bad, a flush and an unknown
 * path, against measurement `m` of an engine whose token is `token`.
 */
export function transportSteps(m: string, token: string, t0: number): TransportStep[] {
  const auth = { authorization: `Bearer ${token}` };
  const json = { "content-type": "application/json", ...auth };
  return [
    { path: "/api/v1/write/msgpack", init: { method: "POST", headers: auth, body: encode({ m, columns: { time: [t0], v: [1.5], s: ["x"] } }) } },
    { path: "/api/v1/write/msgpack", init: { method: "POST", headers: auth, body: new Uint8Array(0) } },
    { path: "/api/v1/write/msgpack", init: { method: "POST", body: encode({ m, columns: { time: [t0] } }) } },
    { path: "/api/v1/query", init: { method: "POST", headers: json, body: JSON.stringify({ sql: `SELECT v, s, time FROM ${m}` }) } },
    { path: "/api/v1/query", init: { method: "POST", headers: json, body: JSON.stringify({ sql: "SELECT * FROM nothing_here" }) } },
    { path: "/api/v1/query", init: { method: "POST", headers: json, body: JSON.stringify({ sql: "DROP TABLE x" }) } },
    { path: "/api/v1/query", init: { method: "POST", headers: json, body: JSON.stringify({ sql: `SELECT nope FROM ${m}` }) } },
    { path: "/api/v1/write/line-protocol/flush", init: { method: "POST", headers: json } },
    { path: "/nowhere", init: {} },
  ];
}

/** The statuses `transportSteps` must get. */
export const TRANSPORT_STEP_STATUSES = [204, 400, 401, 200, 200, 400, 500, 200, 401];

/** Masks what legitimately differs between two runs: timings, clocks, and the measurement name. */
export function normaliseAnswer(res: HttpAnswer, m: string) {
  const text = res.text
    .replaceAll(m, "M")
    .replace(/"execution_time_ms":\d+/g, '"execution_time_ms":0')
    .replace(/"timestamp":"[^"]+"/g, '"timestamp":"T"');
  return { status: res.status, contentType: res.headers.get("content-type"), text };
}
