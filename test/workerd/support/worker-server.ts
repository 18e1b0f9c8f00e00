import { inject } from "vitest";
import { generateApiKey } from "../../../core/auth/api-key";
import { settingsSchema, type SettingsInput } from "../../../core/config/schema";
import { generateMasterKey } from "../../../core/crypto/envelope";
import { ArcSocket } from "../../support/arc-socket";
import { HttpTestServer, type StartTestServerOptions } from "../../support/harness";
import { startWorkerd, type RunningWorkerd } from "./miniflare";

/**
 * Test settings as Worker variables, under the names the Worker reads (`MEMTRACE_<SECTION>_<KEY>`,
 * values as given: a number for a duration means seconds on both targets).
 */
export function settingsBindings(settings: SettingsInput = {}): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [section, values] of Object.entries(settings)) {
    if (typeof values !== "object" || values === null) continue;
    for (const [key, value] of Object.entries(values)) {
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        out[`MEMTRACE_${section}_${key}`.toUpperCase()] = value;
      }
    }
  }
  return out;
}

/**
 * The Worker in workerd as a TestServer. Its Arc is `defaultArc` when given, else an embedded
 * engine on a loopback socket started here, standing in for the Node target's in-process engine
 * (with the same `embedded_arc` flush and visibility settings). The admin key is bootstrapped
 * through MEMTRACE_BOOTSTRAP_ADMIN_KEY, as a real deployment does it.
 */
export class WorkerTestServer extends HttpTestServer {
  constructor(
    readonly workerd: RunningWorkerd,
    protected readonly bootstrapKey: string,
    private readonly ownArc: ArcSocket | undefined,
  ) {
    super();
  }

  get url(): string {
    return this.workerd.url;
  }

  async close(): Promise<void> {
    try {
      await this.workerd.dispose();
    } finally {
      await this.ownArc?.close();
    }
  }
}

export interface WorkerServerOptions extends StartTestServerOptions {
  /** Which bundle to run; the production Worker by default. */
  bundle?: string;
  /** Extra variables over the ones derived from `settings`. */
  bindings?: Record<string, string | number | boolean>;
  /** Run without the D1 binding (metadata then needs MEMTRACE_AUTH_DB_URL). */
  withoutD1?: boolean;
}

export async function startWorkerTestServer(options: WorkerServerOptions = {}): Promise<WorkerTestServer> {
  const settings = settingsSchema.parse(options.settings ?? {});
  const ownArc = options.defaultArc ? undefined : await ArcSocket.start({ flushDelayMs: settings.embedded_arc.flush_delay });
  const arcUrl = options.defaultArc?.url ?? ownArc!.url;
  const arcToken = options.defaultArc?.token;
  // As on Node: an Arc of its own gets arc.visibility_delay, the embedded engine embedded_arc's.
  const visibilityMs = options.defaultArc || settings.arc.url ? settings.arc.visibility_delay : settings.embedded_arc.visibility_delay;
  const adminKey = generateApiKey();
  try {
    const workerd = await startWorkerd({
      bundle: options.bundle ?? inject("workerBundle"),
      ...(options.dir ? { persistDir: options.dir } : {}),
      ...(options.withoutD1 ? { withoutD1: true } : {}),
      bindings: {
        MEMTRACE_LOG_LEVEL: "error",
        ...settingsBindings(options.settings),
        MEMTRACE_ARC_VISIBILITY_DELAY: `${visibilityMs}ms`,
        MEMTRACE_ARC_URL: arcUrl,
        ...(arcToken ? { MEMTRACE_ARC_API_KEY: arcToken } : {}),
        MEMTRACE_MASTER_KEY: options.masterKey ?? generateMasterKey(),
        MEMTRACE_BOOTSTRAP_ADMIN_KEY: adminKey,
        ...options.bindings,
      },
    });
    return new WorkerTestServer(workerd, adminKey, ownArc);
  } catch (error) {
    await ownArc?.close();
    throw error;
  }
}
