import { ArcClient } from "../../../core/arc/client";
import type { ArcSocket } from "../../support/arc-socket";
import type { TestServer } from "../../support/harness";

/** One org's coordinator object, driven through the test Worker's hooks (fixtures/coordinator-test-worker.ts). */
export class CoordinatorHooks {
  constructor(
    private readonly server: TestServer,
    readonly orgId: string,
  ) {}

  private async call<T>(hook: string, ...args: unknown[]): Promise<T> {
    const res = await this.server.api("POST", `/__test/coordinator/${this.orgId}/${hook}`, { key: null, body: args });
    if (res.status !== 200) throw new Error(`${hook} failed: ${res.status} ${res.text}`);
    return res.body.result as T;
  }

  instanceId = () => this.call<string>("instanceId");
  advanceClock = (ms: number) => this.call<number>("advanceClock", ms);
  runAlarm = () => this.call<boolean>("runAlarm");
  alarmAt = () => this.call<number | null>("alarmAt");
  deleteAlarm = () => this.call<null>("deleteAlarm");
  now = () => this.call<number>("now");
  pendingRows = () => this.call<number>("pendingRows");
  outbox = () => this.call<Array<{ id: string; state: string; attempts: number }>>("outbox");

  /** Resets the object; the call that does it fails by design, so its answer is ignored. */
  async evict(): Promise<void> {
    await this.server.api("POST", `/__test/coordinator/${this.orgId}/evict`, { key: null, body: [] });
  }
}

/** Every memory id in an Arc database, one entry per stored row (read in-process, socket or not). */
export async function idsInArc(arc: Pick<ArcSocket, "engine">, database: string, token?: string): Promise<string[]> {
  await arc.engine.flush();
  const client = new ArcClient({
    fetch: arc.engine.fetch,
    baseUrl: "http://arc.test",
    ...(token ? { token } : {}),
    database,
    measurement: "events",
  });
  const result = await client.query("SELECT id FROM events ORDER BY id");
  return result.rows.map((row) => String(row[0]));
}
