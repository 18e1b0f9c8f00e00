import { createRoute, z } from "@hono/zod-openapi";
import { memoryInScope } from "../../../core/auth/scope";
import { forbidden } from "../../../core/errors";
import { toApiMemory } from "../../../core/memory/normalize";
import { memoryPatchSchema } from "../../../core/memory/patch";
import { memorySchema } from "../../../core/memory/schema";
import type { Router } from "../../app";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorResponses, jsonBody, jsonContent } from "../../openapi";
import { etagHeader, ifMatchHeaders, showVersion } from "./version-headers";

const updateMemory = createRoute({
  method: "patch",
  path: "/api/v1/memories/{id}",
  tags: ["memories"],
  description:
    "Changes a memory. A field left out or null stays as it is; \"\" or [] means what it means on create (no session, no " +
    "tags, a derived dedup key, the default types). `metadata` is a JSON merge patch: keys set to null are removed. The " +
    "agent cannot change. The memory keeps its id and event time (unless `time` is sent) and gets a new `ingested_at`; a " +
    "dedup key the server derived is derived again. The new version is stored durably together with the removal of the " +
    "old one from Arc, which needs Arc to allow deletes (else 502, and nothing changes); a 503 after that means Arc has " +
    "not removed the old version yet: it is retried until it has, and repeating the call is harmless. 409 when another " +
    "memory of the agent holds the new dedup key, or the memory's session (new or kept) is closed. With If-Match (the " +
    "ETag of a read, or `\"<ingested_at>\"`), the change applies only to that version: 412, naming the current " +
    "`ingested_at`, when another update came first. Without it, the patch is applied to the memory as it is when stored " +
    "(one that lost a race with another update is applied again on top of it).",
  middleware: [requirePermission("write")] as const,
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    headers: ifMatchHeaders,
    body: jsonBody(memoryPatchSchema),
  },
  responses: {
    200: { ...jsonContent(memorySchema, "The memory as it now is"), headers: etagHeader },
    ...errorResponses(400, ...AUTH_ERRORS, 404, 409, 412, 413, 415, 502, 503),
  },
});

/** Memory updates (the original had none; its memories had no id to name). */
export function registerUpdateMemory(app: Router) {
  app.openapi(updateMemory, async (c) => {
    const { orgId, scope } = c.get("caller");
    const { memories } = c.get("services");
    const next = await memories.update(orgId, c.req.valid("param").id, c.req.valid("json"), {
      visible: (record) => memoryInScope(scope, record),
      ifMatch: c.req.valid("header")["if-match"],
      // A session-bound token may not move the memory out of its session (nor see it after).
      check: (record) => {
        if (!memoryInScope(scope, record)) throw forbidden(`this token is limited to session '${scope?.sessionId}'`);
      },
    });
    showVersion(c, next);
    return c.json(toApiMemory(next), 200);
  });
}
