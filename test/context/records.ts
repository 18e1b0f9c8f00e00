import type { MemoryRecord } from "../../core/memory/schema";
import { parseInstant } from "../../core/time/instant";

export const SESSION_ID = "sess_3f9a1c2b4d5e6f708192a3b4";

let counter = 0;

/** A stored memory for context tests; `at` is an ISO instant with up to µs precision. */
export function memory(at: string, fields: Omit<Partial<MemoryRecord>, "time_us"> = {}): MemoryRecord {
  counter++;
  const timeUs = parseInstant(at);
  if (timeUs === undefined) throw new Error(`bad test instant ${at}`);
  return {
    id: `0190a000-0000-7000-8000-${String(counter).padStart(12, "0")}`,
    org_id: "org_test",
    agent_id: "crawler",
    session_id: SESSION_ID,
    memory_type: "episodic",
    event_type: "general",
    content: "something happened",
    metadata_json: "{}",
    tags: [],
    dedup_key: "",
    importance: 0,
    parent_id: "",
    ingested_at_us: timeUs,
    ...fields,
    time_us: timeUs,
  };
}

/** `n` memories one minute apart, oldest first, all from one agent. */
export function timeline(
  n: number,
  fields: (i: number) => Omit<Partial<MemoryRecord>, "time_us"> = () => ({}),
): MemoryRecord[] {
  const start = Date.parse("2026-02-07T08:00:00Z");
  return Array.from({ length: n }, (_, i) =>
    memory(new Date(start + i * 60_000).toISOString(), { content: `step ${i}: fetched page ${i} of the catalog`, ...fields(i) }),
  );
}
