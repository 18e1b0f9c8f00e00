import { parseArgs } from "node:util";
import { z } from "zod";
import { ArcEngine } from "./engine";
import { serveArcEngine } from "./serve";

/**
 * Standalone engine: `tsx node-adapter/arc-engine/main.ts --data-dir DIR --port N [--token T]
 * [--flush-delay-ms N] [--host H]`. Prints one `arc-engine listening on <url>` line when ready
 * (tests wait for it) and shuts down cleanly, flushing the buffer, on SIGTERM or SIGINT.
 */
const argsSchema = z.object({
  "data-dir": z.string().min(1, "--data-dir is required"),
  port: z.coerce.number().int().min(0).max(65_535).default(8000),
  host: z.string().default("127.0.0.1"),
  token: z.string().min(1).optional(),
  "flush-delay-ms": z.coerce.number().int().min(0).optional(),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "data-dir": { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      token: { type: "string" },
      "flush-delay-ms": { type: "string" },
    },
    strict: true,
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    console.error(`arc-engine: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    process.exit(2);
  }
  const args = parsed.data;
  const engine = await ArcEngine.open({
    dataDir: args["data-dir"],
    token: args.token,
    flushDelayMs: args["flush-delay-ms"],
  });
  const served = await serveArcEngine(engine, { host: args.host, port: args.port });
  console.log(`arc-engine listening on ${served.url}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await served.close();
    await engine.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}

main().catch((error: unknown) => {
  console.error("arc-engine failed to start:", error);
  process.exit(1);
});
