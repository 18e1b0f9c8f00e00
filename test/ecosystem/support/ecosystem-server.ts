import { MemtraceApiError, MemtraceClient } from "memtrace/client";
import { startTestServer, type StartTestServerOptions, type TestServer } from "../../support/harness";
import { OpenApiResponseValidator } from "./openapi-validator";

export interface EcosystemServer {
  server: TestServer;
  validator: OpenApiResponseValidator;
  /** A typed client whose every response is checked against the served OpenAPI document. */
  client(apiKey?: string | null): MemtraceClient;
  close(): Promise<void>;
}

/** A real server on a loopback port, its own OpenAPI document, and validated clients for it. */
export async function startEcosystemServer(options: StartTestServerOptions = {}): Promise<EcosystemServer> {
  const server = await startTestServer(options);
  const response = await fetch(`${server.url}/openapi.json`);
  if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
  const validator = new OpenApiResponseValidator(await response.json());
  return {
    server,
    validator,
    client: (apiKey = server.adminKey) =>
      new MemtraceClient({ baseUrl: server.url, ...(apiKey ? { apiKey } : {}), fetch: validator.fetch() }),
    close: () => server.close(),
  };
}

/** Runs `call` and returns the API error it must throw. */
export async function apiError(call: Promise<unknown>): Promise<MemtraceApiError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof MemtraceApiError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}
