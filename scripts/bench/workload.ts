/**
 * Synthetic memories, deterministic in their sequence number: unique content (so deduplication,
 * which stays on, never rejects one), 100 agents, a customer code that selects about one memory
 * in a thousand for content searches, and a few tags and event types.
 */

export const AGENTS = 100;
export const CUSTOMERS = 1_000;
const DAY_MS = 86_400_000;

const VERBS = ["Crawled", "Summarised", "Decided", "Escalated", "Answered", "Scheduled", "Refunded", "Classified", "Drafted", "Verified"];
const OBJECTS = ["the pricing page", "an invoice dispute", "a shipping delay", "the onboarding email", "a login failure", "the quarterly report", "a feature request", "the return policy"];
const DETAILS = [
  "because the previous answer was out of date",
  "after checking the order history twice",
  "and noted the preferred contact channel is email",
  "with a follow-up planned for next week",
  "since the customer asked for a human",
  "using the cached copy from the morning crawl",
];
const EVENT_TYPES = ["page_crawled", "decision", "tool_call", "message", "error"];
const MEMORY_TYPES = ["episodic", "decision", "entity", "session"];
const TAGS = ["web", "billing", "support", "urgent", "crm", "email", "followup"];

/** A small, fast, seeded hash: the same n always gives the same memory. */
function mix(n: number, salt: number): number {
  let x = Math.imul(n ^ salt, 0x9e3779b1);
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  return (x >>> 0) % 1_000_003;
}

const pick = <T>(list: readonly T[], n: number, salt: number): T => list[mix(n, salt) % list.length]!;

export const agentName = (index: number) => `agent-${String(index).padStart(3, "0")}`;
export const customerCode = (index: number) => `customer c-${String(index).padStart(4, "0")}`;

/** The agent that wrote memory `n`. */
export const agentOf = (n: number) => agentName(mix(n, 11) % AGENTS);

function content(n: number): string {
  return (
    `${pick(VERBS, n, 1)} ${pick(OBJECTS, n, 2)} for ${customerCode(mix(n, 3) % CUSTOMERS)} ` +
    `${pick(DETAILS, n, 4)}; step ${mix(n, 5) % 97} of run ${n}.`
  );
}

function tags(n: number): string {
  const first = pick(TAGS, n, 6);
  const second = pick(TAGS, n, 7);
  return first === second ? `["${first}"]` : `["${first}","${second}"]`;
}

/** A single memory as a client posts it: no time (the server's clock), no session. */
export function liveMemoryJson(n: number, runId: string): string {
  return (
    `{"agent_id":"${agentOf(n)}","event_type":"${pick(EVENT_TYPES, n, 8)}","memory_type":"${pick(MEMORY_TYPES, n, 9)}",` +
    `"content":${JSON.stringify(`${content(n)} [${runId}]`)},"tags":${tags(n)},"importance":${(mix(n, 10) % 101) / 100}}`
  );
}

export interface HistoryLayout {
  total: number;
  sessionIds: readonly string[];
  /** Event time of the newest memory, ms since the epoch. */
  endMs: number;
  days: number;
}

/**
 * Memory `n` of a seeded history: event times spread evenly over `days` ending at `endMs`, in
 * the order they are sent (as agents report them); sessions are consecutive runs of memories,
 * each written to by many agents.
 */
export function historyMemory(n: number, layout: HistoryLayout): string {
  const spanMs = layout.days * DAY_MS;
  const timeMs = Math.floor(layout.endMs - spanMs + ((n + 1) * spanMs) / layout.total);
  const session = layout.sessionIds[Math.floor((n * layout.sessionIds.length) / layout.total)]!;
  return (
    `{"agent_id":"${agentOf(n)}","session_id":"${session}","event_type":"${pick(EVENT_TYPES, n, 8)}",` +
    `"memory_type":"${pick(MEMORY_TYPES, n, 9)}","content":${JSON.stringify(content(n))},"tags":${tags(n)},` +
    `"importance":${(mix(n, 10) % 101) / 100},"metadata":{"step":${mix(n, 5) % 97}},"time":"${new Date(timeMs).toISOString()}"}`
  );
}

/** `{"memories":[…]}` for memories first..first+count-1 built by `one`. */
export function batchJson(first: number, count: number, one: (n: number) => string): string {
  const parts: string[] = new Array(count);
  for (let i = 0; i < count; i++) parts[i] = one(first + i);
  return `{"memories":[${parts.join(",")}]}`;
}
