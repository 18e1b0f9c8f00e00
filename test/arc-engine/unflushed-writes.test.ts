import { describe, expect, it } from "vitest";
import { UnflushedWrites } from "../../node-adapter/arc-engine/thread/unflushed-writes";
import type { WireRequest } from "../../node-adapter/arc-engine/thread/wire";

const request = (n: number): WireRequest => ({ method: "POST", url: `http://arc/api/v1/write/msgpack?n=${n}`, headers: [], body: new ArrayBuffer(n) });

describe("UnflushedWrites", () => {
  it("hands on only accepted writes, oldest first, until each is forgotten", () => {
    const writes = new UnflushedWrites();
    const a = writes.keep(request(1));
    const b = writes.keep(request(2));
    const c = writes.keep(request(3));
    writes.accept(c);
    writes.accept(a);
    expect(writes.acceptedWrites().map(([key]) => key)).toEqual([a, c]);
    expect(writes.size).toBe(3);

    writes.forget(a);
    writes.forget(b);
    expect(writes.acceptedWrites()).toEqual([[c, request(3)]]);
    expect(writes.size).toBe(1);
  });

  it("keeps a write forgotten when its flush notice outran its acceptance", () => {
    const writes = new UnflushedWrites();
    const key = writes.keep(request(1));
    writes.forget(key);
    writes.accept(key);
    expect(writes.acceptedWrites()).toEqual([]);
    expect(writes.size).toBe(0);
  });
});
