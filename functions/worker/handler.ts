import { redactSecrets } from "../../core/auth/redact";
import { runRetention } from "../../core/memory/retention";
import { REQUEST_ID_HEADER, requestIdOf } from "../middleware/request-id";
import { parseWorkerBindings, WorkerConfigError } from "./bindings";
import { startWorkerRuntime, type WorkerRuntime } from "./services";

/**
 * The Worker's fetch entry. On an isolate's first request it validates the bindings and builds
 * the services. A bad configuration answers with a 500 that names the bindings to fix (and logs
 * it); any other failed start (metadata database unreachable) answers 503 with Retry-After. Both
 * are retried on the next request rather than cached for the isolate's lifetime.
 */
export function createWorkerHandler() {
  let runtime: Promise<WorkerRuntime> | undefined;

  const start = (env: unknown): Promise<WorkerRuntime> => {
    runtime ??= (async () => startWorkerRuntime(parseWorkerBindings(env)))().catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
    return runtime;
  };

  return {
    async fetch(request: Request, env: unknown, ctx: ExecutionContext): Promise<Response> {
      let started: WorkerRuntime;
      try {
        started = await start(env);
      } catch (error) {
        // Before the services exist there is no logger: these lines are scrubbed as its lines are,
        // and carry the request id the answer gives, as every other failure's do.
        const requestId = requestIdOf(request);
        const answer = (status: number, message: string, headers: Record<string, string> = {}) =>
          Response.json({ error: message, request_id: requestId }, { status, headers: { [REQUEST_ID_HEADER]: requestId, ...headers } });
        if (error instanceof WorkerConfigError) {
          console.error(redactSecrets(`${error.message}\n(request_id=${requestId})`));
          return answer(500, error.message);
        }
        const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
        console.error(redactSecrets(`memtrace failed to start (request_id=${requestId}): ${detail}`));
        return answer(503, "service unavailable: start-up failed; retry shortly", { "retry-after": "5" });
      }
      try {
        return await started.app.fetch(request, env, ctx);
      } finally {
        started.tasks.keepAlive(ctx);
      }
    },

    /**
     * The cron trigger (wrangler.toml): drops what deleted orgs left in the default Arc, and runs
     * a retention pass when `MEMTRACE_RETENTION_DAYS` is set. A start-up failure throws, so the
     * runtime logs the failed invocation.
     */
    async scheduled(_controller: ScheduledController, env: unknown, ctx: ExecutionContext): Promise<void> {
      const { services, tasks } = await start(env);
      try {
        await services.deletedOrgData.drop();
        const days = parseWorkerBindings(env).settings.retention.days;
        if (days > 0) await runRetention(services, days);
      } finally {
        tasks.keepAlive(ctx);
      }
    },
  };
}
