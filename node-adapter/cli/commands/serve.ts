import type { Settings } from "../../../core/config/schema";
import { createConsoleLogger } from "../../../core/logger";
import { startServer } from "../../server";
import type { CliIo } from "../types";

/** `memtrace serve`: runs until SIGINT/SIGTERM, then drains and flushes before exiting. */
export async function serveCommand(settings: Settings, io: CliIo): Promise<void> {
  const logger = createConsoleLogger({ level: settings.log.level, format: settings.log.format });
  // Listen for the signals before anything starts: a signal that arrived while the server was
  // starting, or right after it announced itself, would otherwise kill the process unflushed.
  // Kept until the server has stopped, and repeats ignored (as the original's signal.Notify did):
  // Ctrl-C under `npm start` reaches the server twice, from the terminal and forwarded by npm.
  let stopping = false;
  let onSignal!: (signal: string) => void;
  const signalled = new Promise<string>((resolve) => {
    onSignal = (signal) => {
      if (stopping) return logger.info("already shutting down", { signal });
      stopping = true;
      resolve(signal);
    };
  });
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const server = await startServer({ settings, env: io.env, logger, print: io.out });
    // The URL is one to connect to; on the default host the server takes connections from every interface too.
    const everywhere = settings.server.host === "0.0.0.0" ? " (and every other interface: server.host is 0.0.0.0)" : "";
    io.out(`Memtrace listening on ${server.url}${everywhere}`);
    logger.info("shutting down", { signal: await signalled });
    await server.close();
    logger.info("stopped");
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
