import { z } from "zod";

/*
 * What the original SDKs parse out of a success, written down from their sources (Python 0.2.0
 * pydantic models, TypeScript 0.2.0 types): required keys, the memory_type enum, ints where the
 * models say int, ISO 8601 datetimes. Optional keys may be absent or null (pydantic `X | None`),
 * and unknown keys are ignored (pydantic's default), so our extra fields are allowed.
 */

/** pydantic v2 parses RFC 3339 / ISO 8601 date-times with up to microsecond fractions. */
const datetime = z.string().regex(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/, "not an ISO 8601 datetime");
const int = z.number().int();
const opt = <T extends z.ZodType>(schema: T) => schema.nullish();

const memory = z.looseObject({
  time: datetime,
  org_id: z.string(),
  agent_id: z.string(),
  session_id: opt(z.string()),
  memory_type: z.enum(["episodic", "session", "decision", "entity"]),
  event_type: z.string(),
  content: z.string(),
  metadata: opt(z.record(z.string(), z.unknown())),
  tags: opt(z.array(z.string())),
  dedup_key: opt(z.string()),
  importance: opt(z.number()),
  parent_id: opt(z.string()),
});

const agent = z.looseObject({
  id: z.string(),
  org_id: z.string(),
  name: z.string(),
  description: opt(z.string()),
  config: opt(z.record(z.string(), z.unknown())),
  created_at: datetime,
  last_active_at: opt(datetime),
});

const session = z.looseObject({
  id: z.string(),
  org_id: z.string(),
  agent_id: z.string(),
  status: z.string(),
  metadata: opt(z.record(z.string(), z.unknown())),
  created_at: datetime,
  updated_at: datetime,
  closed_at: opt(datetime),
});

export const SDK_CONTRACTS = {
  Memory: memory,
  /** add_memories reads `data["memories"]`; addMemories returns `.memories`. */
  MemoryBatch: z.looseObject({ memories: z.array(memory) }),
  MemoryList: z.looseObject({ memories: z.array(memory), count: int, has_more: z.boolean() }),
  SearchResult: z.looseObject({ results: z.array(memory), count: int, query_time_ms: int }),
  Agent: agent,
  AgentList: z.looseObject({ agents: z.array(agent), count: int }),
  AgentStats: z.looseObject({
    agent_id: z.string(),
    memory_count: int,
    memories_24h: int,
    errors_24h: int,
    session_count: int,
    active_sessions: int,
    last_active_at: opt(datetime),
    memory_types: z.record(z.string(), int),
  }),
  Session: session,
  SessionList: z.looseObject({ sessions: z.array(session), count: int }),
  SessionContext: z.looseObject({ session_id: z.string(), context: z.string(), memory_count: int }),
} as const;

export type ContractName = keyof typeof SDK_CONTRACTS;

export type SdkErrorClass = "AuthenticationError" | "NotFoundError" | "ConflictError" | "NoArcInstanceError" | "MemtraceError";

/**
 * Both SDKs' error mapping (TS `handleError`, Python `handle_error`): the message is the body's
 * `error`, else the raw text, else `HTTP <status>`; a 503 is NoArcInstanceError only when the
 * message names an "arc instance".
 */
export function classifySdkError(status: number, text: string): { errorClass: SdkErrorClass; message: string } {
  let message = "";
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    message = typeof parsed.error === "string" ? parsed.error : "";
  } catch {
    message = text;
  }
  if (!message) message = `HTTP ${status}`;
  const errorClass: SdkErrorClass =
    status === 401
      ? "AuthenticationError"
      : status === 404
        ? "NotFoundError"
        : status === 409
          ? "ConflictError"
          : status === 503 && message.toLowerCase().includes("arc instance")
            ? "NoArcInstanceError"
            : "MemtraceError";
  return { errorClass, message };
}
