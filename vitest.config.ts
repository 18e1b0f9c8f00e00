import { configDefaults, defineConfig } from "vitest/config";

/**
 * Suites that run against the Worker in workerd as well as against the Node server: the HTTP
 * contract (agents, sessions, memories, search, context, auth, errors). They reach the server
 * only through test/support/harness.ts, which starts the target named by MEMTRACE_TEST_TARGET.
 * Suites needing Node internals use startNodeTestServer and live elsewhere (e.g. test/node/).
 */
const BOTH_TARGETS = ["test/http/**/*.test.ts", "test/memories/**/*.test.ts", "test/shared-memory/**/*.test.ts"];

/**
 * Files that measure the test process itself (its heap), so they get one of their own. Every
 * other file shares its worker's modules with the files run before it (`isolate: false`): loading
 * the server's modules again for each of some 180 files took a fifth of the suite's time. A
 * file must therefore leave no module state behind that another could trip on: servers own
 * their state (ids, caches, metrics), and spies are restored.
 */
const OWN_PROCESS = ["test/node/idle-collector.test.ts"];

/** Every response a node-side file fetches from a Memtrace server is checked against its /openapi.json. */
const RESPONSES_MATCH_OPENAPI = "test/ecosystem/support/validate-all-responses.ts";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: integration tests start real servers, so keep file parallelism modest.
    maxWorkers: 2,
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/workerd/**", ...OWN_PROCESS],
          isolate: false,
          setupFiles: [RESPONSES_MATCH_OPENAPI],
        },
      },
      {
        extends: true,
        test: {
          name: "node (own process)",
          include: OWN_PROCESS,
          setupFiles: [RESPONSES_MATCH_OPENAPI],
        },
      },
      {
        extends: true,
        test: {
          name: "workerd",
          include: [...BOTH_TARGETS, "test/workerd/**/*.test.ts"],
          isolate: false,
          env: { MEMTRACE_TEST_TARGET: "workerd" },
          // Bundles the Worker once with wrangler; each test file runs it in its own workerd.
          globalSetup: ["test/workerd/support/global-setup.ts"],
        },
      },
    ],
  },
});
