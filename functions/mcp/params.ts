import { z } from "zod";
import { MEMORY_TYPES, memoryMetadataSchema } from "../../core/memory/schema";

/*
 * Tool parameters shared by several tools. Descriptions are what the model reads, so they say
 * what a value means and its default; the server validates again with its own schemas.
 */

export const agentIdParam = z.string().min(1).describe("Agent ID");
export const memoryTypeParam = z.enum(MEMORY_TYPES).describe("Memory type: episodic (default), decision, entity, session");
export const memoryTypesParam = z.array(z.enum(MEMORY_TYPES)).describe("Filter by memory types (episodic, decision, entity, session)");
export const tagsParam = z.array(z.string()).describe("Tags for categorization (letters, digits, _ . -)");
export const importanceParam = z.number().min(0).max(1).describe("Importance score 0.0 to 1.0");
// Depth-checked here, before the tool serialises it for the API: one nested thousands of levels
// deep would exhaust the stack there.
export const metadataParam = memoryMetadataSchema.describe("Arbitrary key-value metadata");
export const sinceParam = z.string().describe("Time window (e.g. 30m, 2h, 24h, 7d) or an ISO 8601 time");
export const limitParam = z.number().int().min(0).max(1000).describe("Max results (1-1000). Default: 50");
export const cursorParam = z.string().describe("next_cursor from a previous answer, to get the following page");

/** The original treated 0 as "not set" (Go's omitempty); so do we. */
export const orDefault = (value: number | undefined, fallback: number) => (value ? value : fallback);
