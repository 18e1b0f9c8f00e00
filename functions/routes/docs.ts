import { swaggerUI } from "@hono/swagger-ui";
import type { Router } from "../app";
import { MEMTRACE_VERSION } from "../mcp/server";

export const OPENAPI_PATH = "/openapi.json";
export const DOCS_PATH = "/docs";

type OpenApiDocument = ReturnType<Router["getOpenAPI31Document"]>;

/** Routes anyone may call; everything else needs an API key. */
const PUBLIC_PATHS = new Set(["/health", "/ready"]);
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

const ERROR_SCHEMA = { type: "object", properties: { error: { type: "string" } }, required: ["error"] };

const TAGS = [
  { name: "memories", description: "Write, list, get and search memories" },
  { name: "agents", description: "The agent registry, an agent's memories and stats" },
  { name: "sessions", description: "Sessions, their memories and their markdown context" },
  { name: "tokens", description: "Short-lived agent tokens minted by an API key" },
  { name: "admin", description: "Organizations, API keys, Arc bindings (admin keys)" },
  { name: "mcp", description: "The Model Context Protocol endpoint" },
];

const DESCRIPTION = [
  "Memtrace: a memory layer for AI agents. API-compatible with the original Go Memtrace (same paths, fields and success shapes).",
  "",
  "Send the API key in `x-api-key` (or `Authorization: Bearer`). Errors are JSON `{\"error\": \"...\"}`; a 503 carries `Retry-After`.",
].join("\n");

type Operation = NonNullable<NonNullable<OpenApiDocument["paths"]>[string]["get"]>;

const errorContent = (description: string) => ({ description, content: { "application/json": { schema: ERROR_SCHEMA } } });

/**
 * Answers the app gives around every handler (functions/app.ts), which no route declares itself:
 * the 500 of the error model, the rate limiter's 429 on /api/v1, the body limit's 413 and the
 * JSON depth limit's 400 on /api writes, and the 400 for a path parameter that fails validation.
 */
function addAppWideResponses(path: string, method: string, operation: Operation): void {
  const responses = (operation.responses ??= {});
  responses["500"] ??= errorContent("Unexpected server error (logged; no details leak)");
  if (path.startsWith("/api/v1/")) responses["429"] ??= errorContent("Rate limit exceeded; see Retry-After");
  if (path.startsWith("/api/") && method !== "get") {
    responses["413"] ??= errorContent("Request body too large");
    responses["400"] ??= errorContent("Invalid input (a JSON body nested too deep, for one)");
  }
  if (path.includes("{")) responses["400"] ??= errorContent("Invalid input (a path parameter that fails validation)");
}

/** Query text is never null, though the generator marks coerced numbers nullable. */
function dropNullFromQueryTypes(operation: Operation): void {
  for (const parameter of operation.parameters ?? []) {
    const schema = "schema" in parameter ? (parameter.schema as { type?: unknown } | undefined) : undefined;
    if (!schema || !Array.isArray(schema.type)) continue;
    const types = schema.type.filter((t) => t !== "null");
    schema.type = types.length === 1 ? types[0] : types;
  }
}

/**
 * The OpenAPI 3.1 document, generated from the zod schemas the routes validate with (so it cannot
 * drift from them), plus what the route list cannot say by itself: the API-key security schemes,
 * which paths are public, and the answers the app gives around every handler.
 */
export function buildOpenApiDocument(app: Router): OpenApiDocument {
  const doc = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "Memtrace API", version: MEMTRACE_VERSION, description: DESCRIPTION },
    tags: TAGS,
  });
  doc.components = {
    ...doc.components,
    securitySchemes: {
      apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      bearer: { type: "http", scheme: "bearer", description: "The same API key as a bearer token" },
    },
  };
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operation.security = PUBLIC_PATHS.has(path) ? [] : [{ apiKey: [] }, { bearer: [] }];
      addAppWideResponses(path, method, operation);
      dropNullFromQueryTypes(operation);
    }
  }
  return doc;
}

/** GET /openapi.json and the interactive reference at GET /docs, both without auth. */
export function registerDocs(app: Router): void {
  let cached: OpenApiDocument | undefined;
  // Built on first request, when every route is registered; routes do not change afterwards.
  app.get(OPENAPI_PATH, (c) => c.json((cached ??= buildOpenApiDocument(app))));
  app.get(DOCS_PATH, swaggerUI({ url: OPENAPI_PATH, title: "Memtrace API reference" }));
}
