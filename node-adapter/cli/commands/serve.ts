import { setTimeout as delay } from "node:timers/promises";
import type { Settings } from "../../../core/config/schema";
import { createConsoleLogger } from "../../../core/logger";
import { startServer } from "../../server";
import type { CliIo } from "../types";

/**
 * A signal this soon after the first is the same request to stop: Ctrl-C under `npm start`
 * reaches the server twice, from the terminal and forwarded by npm (some milliseconds apart).
 * One later than this forces the exit.
 */
const REPEAT_WINDOW_MS = 1000;

/** How long a forced stop waits to take back a first run that has not printed its admin key. */
const UNDO_WAIT_MS = 2000;

/** `memtrace serve`: runs until SIGINT/SIGTERM, then drains and flushes before exiting. */
export async function serveCommand(settings: Settings, io: CliIo): Promise<void> {
  const logger = createConsoleLogger({ level: settings.log.level, format: settings.log.format });
  // Listen for the signals before anything starts: a signal that arrived while the server was
  // starting, or right after it announced itself, would otherwise kill the process unflushed.
  let listening = false;
  let undoFirstRun: (() => Promise<unknown>) | undefined;
  let firstSignalAtMs: number | undefined;
  let forcing = false;
  const forceExit = async (signal: NodeJS.Signals) => {
    // Nothing more is printed: a start-up finishing meanwhile must not show a key taken back below.
    forcing = true;
    logger.warn("stopping at once: a second signal", { signal });
    // Its admin key was never printed: without the org, the next start creates both and prints the key.
    const undone = undoFirstRun?.().then(
      () => logger.info("took back the first run; the next start prints the admin key"),
      (error) => logger.error("could not take back the first run: create an admin key with `memtrace key create`", { error: String(error) }),
    );
    if (undone) await Promise.race([undone, delay(UNDO_WAIT_MS)]);
    // A start-up or a drain that hangs must not need SIGKILL, and stopping now loses nothing
    // acknowledged: every memory answered 2xx is in the outbox on disk, delivered at the next start.
    // The signal again with its default action, not process.exit: that waits for worker threads,
    // and one stuck in a system call (a database file that never answers) would hold it for good.
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.kill(process.pid, signal);
  };
  let stop!: (signal: string) => void;
  const signalled = new Promise<string>((resolve) => (stop = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAtMs === undefined) {
      firstSignalAtMs = Date.now();
      if (!listening) logger.info("stopping once start-up is done", { signal });
      return stop(signal);
    }
    if (Date.now() - firstSignalAtMs >= REPEAT_WINDOW_MS) return void forceExit(signal);
    logger.info("already stopping; a signal a second or more after the first stops at once", { signal });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const server = await startServer({ settings, env: io.env, logger, print: (line) => forcing || io.out(line), onFirstRunPending: (undo) => (undoFirstRun = undo) });
    listening = true;
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
