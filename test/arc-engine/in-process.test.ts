import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answer, ArcServer, micros } from "./harness";
import { normaliseAnswer, TRANSPORT_STEP_STATUSES, transportSteps } from "./transport-steps";

// The Memtrace client calls engine.fetch with no socket; it must see what a socket client sees.
const TOKEN = "in-process-token-0123456789abcdefghijkl";
const T0 = micros("2026-01-01T00:00:00Z");
let arc: ArcServer;
beforeAll(async () => {
  arc = await ArcServer.start({ token: TOKEN, flushDelayMs: 0 });
});
afterAll(() => arc.close());

describe("engine.fetch and the socket", () => {
  it("give the same statuses, headers and bodies", async () => {
    const direct = [];
    for (const step of transportSteps("direct_m", TOKEN, T0)) {
      direct.push(normaliseAnswer(await answer(await arc.engine.fetch(new Request(`http://engine${step.path}`, step.init))), "direct_m"));
    }
    const socket = [];
    for (const step of transportSteps("socket_m", TOKEN, T0)) socket.push(normaliseAnswer(await arc.request(step.path, step.init), "socket_m"));
    expect(socket).toEqual(direct);
    expect(direct.map((d) => d.status)).toEqual(TRANSPORT_STEP_STATUSES);
  });
});
