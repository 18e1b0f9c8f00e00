import { createRoute, z } from "@hono/zod-openapi";
import { scopeMemoryInput } from "../../../core/auth/scope";
import type { AcceptResult } from "../../../core/coordinator/port";
import { badRequest, conflict } from "../../../core/errors";
import { toApiMemory } from "../../../core/memory/normalize";
import { sessionClosed } from "../../../core/memory/service";
import { MEMORY_LIMITS, memoryInputSchema, memorySchema, type MemoryInput } from "../../../core/memory/schema";
import type { Router } from "../../app";
import { describeZodError } from "../../errors";
import { jsonBytes } from "../../json-bytes";
import { requirePermission } from "../../middleware/auth";
import { AUTH_ERRORS, errorBodySchema, errorResponses, jsonBody, jsonContent } from "../../openapi";

/**
 * The body's two forms as documented components, built from the validation schema's own fields
 * (with the OpenAPI-aware zod, so they can carry a component name). Batch items are validated one
 * by one in the handler, so each gets a result.
 */
const memoryInputComponent = z.object(memoryInputSchema.shape);
const batchInputComponent = z.object({ memories: z.array(memoryInputComponent).min(1).max(MEMORY_LIMITS.batchMax) });

/**
 * One memory, or `{"memories": [...]}`: the original told them apart by a non-empty `memories`
 * array. Validated as any object (the handler parses each form), documented as either form.
 */
const createBodySchema = z.record(z.string(), z.unknown(), { message: "request body must be a JSON object" }).openapi({
  type: "object",
  anyOf: [{ $ref: "#/components/schemas/MemoryInput" }, { $ref: "#/components/schemas/MemoryBatchInput" }],
});

export const itemResultSchema = z.object({
  index: z.number().int(),
  status: z.enum(["created", "duplicate", "invalid", "not_written"]),
  id: z.string().optional(),
  existing_id: z.string().optional(),
  error: z.string().optional(),
});

export const batchResultSchema = z.object({
  memories: z.array(memorySchema),
  count: z.number().int(),
  duplicates: z.number().int(),
  invalid: z.number().int(),
  results: z.array(itemResultSchema),
});

const createMemories = createRoute({
  method: "post",
  path: "/api/v1/memories",
  tags: ["memories"],
  middleware: [requirePermission("write")] as const,
  request: {
    body: jsonBody(createBodySchema),
    query: z.object({ partial: z.enum(["true", "false"]).optional() }),
  },
  responses: {
    201: jsonContent(z.union([memorySchema, batchResultSchema]), "Stored durably: the memory, or the batch's per-item results"),
    ...errorResponses(400, ...AUTH_ERRORS, 409, 413, 415, 503),
    400: jsonContent(
      errorBodySchema.extend({ results: z.array(itemResultSchema).optional() }),
      "Invalid input; for a batch, `results` gives each item's outcome and nothing was stored",
    ),
  },
});

type ItemResult = z.infer<typeof itemResultSchema>;

/** The fields only a memory of its own has: set beside `memories`, they are one. */
const SINGLE_MEMORY_FIELDS = ["agent_id", "content"] as const;

const itemResult = (index: number, result: AcceptResult): ItemResult =>
  result.status === "created"
    ? { index, status: "created", id: result.record.id }
    : { index, status: "duplicate", existing_id: result.existing_id };

/**
 * Memory ingestion. A 201 means the memory is on disk (the outbox), not just in RAM. A batch is
 * all-or-nothing on validation unless `?partial=true`, and every item gets its own result. A
 * memory naming a closed session is refused: 409 alone, an invalid item in a batch.
 */
export function registerCreateMemories(app: Router) {
  app.openAPIRegistry.register("MemoryInput", memoryInputComponent);
  app.openAPIRegistry.register("MemoryBatchInput", batchInputComponent);
  app.openapi(createMemories, async (c) => {
    const { memories } = c.get("services");
    const { orgId, scope } = c.get("caller");
    const body = c.req.valid("json");
    const items = body.memories;
    const isBatch = Array.isArray(items) && items.length > 0;
    if (!isBatch && "memories" in body && !("agent_id" in body)) throw badRequest("memories must be a non-empty array");
    if (!isBatch) {
      const parsed = memoryInputSchema.safeParse(body);
      if (!parsed.success) throw badRequest(describeZodError(parsed.error));
      const [result] = await memories.create(orgId, [scopeMemoryInput(scope, parsed.data)]);
      if (result?.status === "duplicate") throw conflict("duplicate memory", { existing_id: result.existing_id });
      if (result?.status !== "created") throw badRequest("memory was not accepted");
      return c.json(toApiMemory(result.record), 201);
    }

    // A memory of its own beside the batch would be silently left out (the original did so).
    if (SINGLE_MEMORY_FIELDS.some((field) => body[field] !== undefined && body[field] !== null && body[field] !== "")) {
      throw badRequest('send one memory or {"memories": [...]}, not both: move the top-level memory into the batch');
    }
    if (items.length > MEMORY_LIMITS.batchMax) throw badRequest(`a batch holds at most ${MEMORY_LIMITS.batchMax} memories`);
    const results: ItemResult[] = [];
    let valid: Array<{ index: number; input: MemoryInput }> = [];
    items.forEach((item, index) => {
      const parsed = memoryInputSchema.safeParse(item);
      // An agent token's batch is refused whole (403) if any item is another agent's.
      if (parsed.success) valid.push({ index, input: scopeMemoryInput(scope, parsed.data) });
      else results[index] = { index, status: "invalid", error: describeZodError(parsed.error) };
    });
    // A memory may not join a closed session: such items are invalid like any other.
    const closed = await memories.closedSessionsOf(orgId, valid.map((v) => v.input));
    if (closed.size > 0) {
      valid = valid.filter(({ index, input }) => {
        if (!input.session_id || !closed.has(input.session_id)) return true;
        results[index] = { index, status: "invalid", error: sessionClosed(input.session_id).message };
        return false;
      });
    }
    const invalid = items.length - valid.length;
    if (invalid > 0 && c.req.valid("query").partial !== "true") {
      for (const { index } of valid) results[index] = { index, status: "not_written" };
      throw badRequest(`${invalid} of ${items.length} memories are invalid; nothing was stored (send ?partial=true to store the valid ones)`, {
        results,
      });
    }
    const accepted = await memories.create(orgId, valid.map((v) => v.input));
    const created: ReturnType<typeof toApiMemory>[] = [];
    accepted.forEach((result, i) => {
      const index = valid[i]!.index;
      results[index] = itemResult(index, result);
      if (result.status === "created") created.push(toApiMemory(result.record));
    });
    const answer: z.infer<typeof batchResultSchema> = {
      memories: created,
      count: created.length,
      duplicates: accepted.length - created.length,
      invalid,
      results,
    };
    return jsonBytes(c, answer, 201);
  });
}
