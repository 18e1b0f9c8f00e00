import { z } from "zod";
import { dedupKeyOf } from "./dedup-key";
import { toMemoryRecord, type NormalizeOptions } from "./normalize";
import { memoryInputSchema, type MemoryInput, type MemoryRecord } from "./schema";

/**
 * A change to a memory (PATCH /api/v1/memories/{id}): the create fields but `agent_id`, each
 * optional. A field left out or null stays as it is; "" or [] means what it means on create
 * (the default: no session, no tags, a derived dedup key, episodic, general). `metadata` is a
 * JSON merge patch (RFC 7396), as on a session: keys set to null are removed, objects merge.
 * Unknown fields are refused, so a misspelt one cannot look applied.
 */
export const memoryPatchSchema = memoryInputSchema
  .omit({ agent_id: true })
  .extend({ content: memoryInputSchema.shape.content.nullish() })
  .strict()
  .refine((patch) => Object.values(patch).some((value) => value !== undefined && value !== null), {
    message: "name at least one field to change",
  });
export type MemoryPatch = z.infer<typeof memoryPatchSchema>;

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * RFC 7396 on parsed JSON, into new objects (neither argument changes). Hand-written: the npm
 * package stops at a `__proto__` key and silently drops the keys after it. `Object.fromEntries`
 * makes own properties, so a `__proto__` key is data here, as JSON.parse made it.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const merged = new Map(Object.entries(isObject(target) ? target : {}));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else merged.set(key, applyMergePatch(merged.get(key), value));
  }
  return Object.fromEntries(merged);
}

function storedMetadata(json: string): JsonObject {
  try {
    const parsed: unknown = JSON.parse(json);
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/**
 * The new version of `current` under `patch`: same id, agent and (unless patched) event time;
 * a fresh ingest time, always after the old one's, since deleting the old version in Arc names it
 * by id and ingest time. A dedup key the server derived is derived again from the new content and
 * event type; one the client chose stays unless the patch names another. Checked as a create
 * would be (time range, metadata size).
 */
export function patchedRecord(current: MemoryRecord, patch: MemoryPatch, options: NormalizeOptions): MemoryRecord {
  const keep = <T>(patched: T | null | undefined, stored: T): T => (patched === undefined || patched === null ? stored : patched);
  const derivedKey =
    options.dedupEnabled && current.dedup_key === dedupKeyOf(current.agent_id, current.event_type, current.content, options.sha256Hex);
  const metadata = storedMetadata(current.metadata_json);
  const input: MemoryInput = {
    agent_id: current.agent_id,
    content: keep(patch.content, current.content),
    memory_type: keep(patch.memory_type, current.memory_type),
    event_type: keep(patch.event_type, current.event_type),
    session_id: keep(patch.session_id, current.session_id),
    metadata: patch.metadata == null ? metadata : (applyMergePatch(metadata, patch.metadata) as JsonObject),
    tags: keep(patch.tags, current.tags),
    importance: keep(patch.importance, current.importance),
    dedup_key: keep(patch.dedup_key, derivedKey ? "" : current.dedup_key),
    parent_id: keep(patch.parent_id, current.parent_id),
    time: patch.time ?? null,
  };
  const next = toMemoryRecord(current.org_id, input, options);
  return {
    ...next,
    id: current.id,
    time_us: patch.time == null ? current.time_us : next.time_us,
    ingested_at_us: Math.max(next.ingested_at_us, current.ingested_at_us + 1),
  };
}
