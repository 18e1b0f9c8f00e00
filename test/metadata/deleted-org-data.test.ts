import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArcClient } from "../../core/arc/client";
import { DeletedOrgData } from "../../core/arc-routing/deleted-org-data";
import { openStoreHarness, type StoreHarness } from "./harness";

// The pass over a real metadata store, against a scripted Arc: what it asks Arc, in which order,
// when it settles a drop, and what it logs when Arc keeps refusing.
const SETTLE_MS = 10_000;

let h: StoreHarness;
let calls: string[];
let dropStatus: number;
let warnings: Array<Record<string, unknown> | undefined>;

function dropper(options: { noDefaultArc?: boolean } = {}): DeletedOrgData {
  const fetch = (async (url: string, init: RequestInit) => {
    const path = new URL(url).pathname;
    calls.push(`${init.method} ${path}`);
    if (path.startsWith("/api/v1/databases/")) {
      const name = decodeURIComponent(path.split("/").at(-1)!);
      return dropStatus === 404
        ? Response.json({ error: `Database '${name}' not found` }, { status: 404 })
        : Response.json(dropStatus === 200 ? { message: "deleted", files_deleted: 1 } : { error: "no" }, { status: dropStatus });
    }
    return Response.json({ status: "success" });
  }) as typeof globalThis.fetch;
  return new DeletedOrgData({
    store: h.store,
    arc: {
      defaultClientFor: (orgId) =>
        options.noDefaultArc ? undefined : new ArcClient({ fetch, baseUrl: "http://arc.test", database: orgId, measurement: "events" }),
    },
    clock: h.clock,
    logger: { info: () => {}, warn: (_message, fields) => warnings.push(fields) },
    settleAfterMs: SETTLE_MS,
  });
}

const owed = async () => (await h.store.listDeletedOrgData(100)).map((row) => row.orgId);

beforeEach(async () => {
  h = await openStoreHarness();
  calls = [];
  dropStatus = 200;
  warnings = [];
});
afterEach(() => h.close());

describe("DeletedOrgData", () => {
  it("flushes Arc, then drops the org's database, at every pass until the settle time has passed", async () => {
    const org = await h.store.createOrg("gone");
    await h.store.deleteOrg(org.id);
    const data = dropper();
    await data.drop();
    expect(calls).toEqual(["POST /api/v1/write/line-protocol/flush", `DELETE /api/v1/databases/${org.id}`]);
    expect(await owed()).toEqual([org.id]);

    h.clock.advance(SETTLE_MS - 1);
    dropStatus = 404;
    await data.drop();
    expect(calls).toHaveLength(4);
    expect(await owed()).toEqual([org.id]);
    h.clock.advance(1);
    await data.drop();
    expect(await owed()).toEqual([]);
    await data.drop();
    expect(calls).toHaveLength(6);
  });

  it("flushes Arc once per pass, however many drops the pass makes", async () => {
    const [a, b] = [await h.store.createOrg("first"), await h.store.createOrg("second")];
    await h.store.deleteOrg(a.id);
    await h.store.deleteOrg(b.id);
    await dropper().drop();
    expect(calls.filter((call) => call.includes("/flush"))).toHaveLength(1);
    expect(calls.filter((call) => call.startsWith("DELETE")).sort()).toEqual([`DELETE /api/v1/databases/${a.id}`, `DELETE /api/v1/databases/${b.id}`].sort());
    expect(calls[0]).toContain("/flush");
  });

  it("keeps a refused drop, warns once however many passes it is refused, and warns again after a success", async () => {
    const org = await h.store.createOrg("refused");
    await h.store.deleteOrg(org.id);
    const data = dropper();
    dropStatus = 403;
    h.clock.advance(SETTLE_MS);
    for (let pass = 0; pass < 3; pass++) await data.drop();
    expect(await owed()).toEqual([org.id]);
    expect(warnings).toEqual([expect.objectContaining({ org_id: org.id, error: expect.stringContaining("HTTP 403") })]);
    dropStatus = 200;
    await data.drop();
    expect(await owed()).toEqual([]);
  });

  it("takes an Arc's 404 without its 'not found' for a failure, not for a database already gone", async () => {
    const org = await h.store.createOrg("routeless");
    await h.store.deleteOrg(org.id);
    const data = dropper();
    h.clock.advance(SETTLE_MS);
    dropStatus = 418;
    await data.drop();
    expect(await owed()).toEqual([org.id]);
    dropStatus = 404;
    await data.drop();
    expect(await owed()).toEqual([]);
  });

  it("settles without asking anything when there is no default Arc, or when the org exists again", async () => {
    const [gone, back] = [await h.store.createOrg("no arc"), await h.store.createOrg("back")];
    await h.store.deleteOrg(gone.id);
    await h.store.deleteOrg(back.id);
    await h.store.createOrg("back again", back.id);
    h.clock.advance(SETTLE_MS);
    await dropper({ noDefaultArc: true }).drop();
    expect(calls).toEqual([]);
    expect(await owed()).toEqual([]);
  });

  it("owes nothing for an org that did not exist, and owes again for an org deleted again", async () => {
    expect(await h.store.deleteOrg("org_000000000000000000000000")).toBe(false);
    expect(await owed()).toEqual([]);
    const org = await h.store.createOrg("twice", "org_twice");
    await h.store.deleteOrg(org.id);
    const [first] = await h.store.listDeletedOrgData(1);
    h.clock.advance(1_000);
    await h.store.createOrg("twice again", org.id);
    await h.store.deleteOrg(org.id);
    // Settling the first delete's row leaves the second's.
    await h.store.settleDeletedOrgData(first!);
    expect(await owed()).toEqual([org.id]);
  });
});
