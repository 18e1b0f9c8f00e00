import type { Settings } from "../../../core/config/schema";
import { createConsoleLogger } from "../../../core/logger";
import { startServer } from "../../server";
import type { CliIo } from "../types";

/** `memtrace serve`: runs until SIGINT/SIGTERM, then drains and flushes before exiting. */
export async function serveCommand(settings: Settings, io: CliIo): Promise<void> {
  const logger = createConsoleLogger({ level: settings.log.level, format: settings.log.format });
  const server = await startServer({ settings, env: io.env, logger, print: io.out });
  io.out(`Memtrace listening on ${server.url}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info("shutting down", { signal });
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close();
  logger.info("stopped");
}
