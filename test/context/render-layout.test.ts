import { beforeAll, describe, expect, it } from "vitest";
import { renderSessionContext } from "../../core/context/render";
import { countContextTokens, loadContextTokenizer } from "../../core/context/tokens";
import { memory, SESSION_ID } from "./records";

beforeAll(loadContextTokenizer);

const CRAWLED = "Crawled https://example.com/catalog and found three product pages plus twelve outbound links";

/** Compares line by line, so a failure names the first differing line. */
function expectLines(actual: string, expected: string[]) {
  expect(actual.split("\n")).toEqual(expected);
}

describe("renderSessionContext layout", () => {
  it("matches the original byte for byte on the original's own example (one agent)", () => {
    const records = [
      memory("2026-02-07T20:13:00Z", { memory_type: "session", event_type: "error", content: "Rate limited by target API, backing off" }),
      memory("2026-02-07T20:15:00.123456Z", { memory_type: "episodic", event_type: "page_crawled", content: CRAWLED }),
      memory("2026-02-07T20:14:00Z", { memory_type: "decision", event_type: "decision", content: "Skip pagination" }),
    ];
    const out = renderSessionContext({ sessionId: SESSION_ID, records });
    expect(out.context).toBe(
      "## Session Context (sess_3f9a1c2b4d5e6f708192a3b4)\n" +
        "\n" +
        "### Recent Actions (1)\n" +
        "- [2026-02-07T20:15:00.123456Z] page_crawled: Crawled https://example.com/catalog and found three product pages plus twelve ou...\n" +
        "\n" +
        "### Decisions Made (1)\n" +
        "- [2026-02-07T20:14:00Z] decision: Skip pagination\n" +
        "\n" +
        "### Errors (1)\n" +
        "- [2026-02-07T20:13:00Z] error: Rate limited by target API, backing off\n" +
        "\n",
    );
    expect(out).toMatchObject({ memory_count: 3, omitted_count: 0 });
    expect(out.token_count).toBe(countContextTokens(out.context));
  });

  it("groups every memory and event type from two agents, newest first, naming each line's agent", () => {
    // Given out of order on purpose: the renderer sorts.
    const records = [
      memory("2026-02-07T20:09:00Z", { agent_id: "crawler", memory_type: "entity", event_type: "general", content: "ACME Corp sells widgets" }),
      memory("2026-02-07T20:16:00.5Z", { agent_id: "crawler", memory_type: "episodic", event_type: "error", content: "Timeout fetching page 4" }),
      memory("2026-02-07T20:12:00Z", { agent_id: "planner", memory_type: "decision", event_type: "error", content: "Abort the retry loop" }),
      memory("2026-02-07T20:15:00.123456Z", { agent_id: "crawler", memory_type: "episodic", event_type: "page_crawled", content: CRAWLED }),
      memory("2026-02-07T20:10:00Z", { agent_id: "planner", memory_type: "entity", event_type: "error", content: "Unknown entity" }),
      memory("2026-02-07T20:13:00Z", { agent_id: "planner", memory_type: "session", event_type: "error", content: "Rate limited by target API, backing off" }),
      memory("2026-02-07T20:17:00Z", { agent_id: "crawler", memory_type: "episodic", event_type: "general", content: "Opened the catalog" }),
      memory("2026-02-07T20:11:00.000001Z", { agent_id: "crawler", memory_type: "session", event_type: "user_message", content: "What did you find?" }),
      memory("2026-02-07T20:14:00Z", { agent_id: "planner", memory_type: "decision", event_type: "decision", content: "Skip pagination" }),
    ];
    const out = renderSessionContext({ sessionId: SESSION_ID, records });
    expectLines(out.context, [
      "## Session Context (sess_3f9a1c2b4d5e6f708192a3b4)",
      "",
      "### Recent Actions (2)",
      "- [2026-02-07T20:17:00Z] crawler · general: Opened the catalog",
      "- [2026-02-07T20:15:00.123456Z] crawler · page_crawled: Crawled https://example.com/catalog and found three product pages plus twelve ou...",
      "",
      "### Decisions Made (2)",
      "- [2026-02-07T20:14:00Z] planner · decision: Skip pagination",
      "- [2026-02-07T20:12:00Z] planner · error: Abort the retry loop",
      "",
      "### Errors (2)",
      "- [2026-02-07T20:16:00.5Z] crawler · error: Timeout fetching page 4",
      "- [2026-02-07T20:13:00Z] planner · error: Rate limited by target API, backing off",
      "",
      "### Other (3)",
      "- [2026-02-07T20:11:00.000001Z] crawler · user_message: What did you find?",
      "- [2026-02-07T20:10:00Z] planner · error: Unknown entity",
      "- [2026-02-07T20:09:00Z] crawler · general: ACME Corp sells widgets",
      "",
    ]);
    expect(out.context.endsWith("ACME Corp sells widgets\n")).toBe(true);
    expect(out).toMatchObject({ memory_count: 9, omitted_count: 0 });
  });

  it("files an episodic error under Errors, not Recent Actions (the original's fault)", () => {
    const records = [
      memory("2026-02-07T20:16:00Z", { event_type: "error", content: "Timeout fetching page 4" }),
      memory("2026-02-07T20:15:00Z", { event_type: "page_crawled", content: "Crawled page 3" }),
    ];
    expectLines(renderSessionContext({ sessionId: SESSION_ID, records }).context, [
      "## Session Context (sess_3f9a1c2b4d5e6f708192a3b4)",
      "",
      "### Recent Actions (1)",
      "- [2026-02-07T20:15:00Z] page_crawled: Crawled page 3",
      "",
      "### Errors (1)",
      "- [2026-02-07T20:16:00Z] error: Timeout fetching page 4",
      "",
      "",
    ]);
  });

  it("ends an Other-only context without a blank line, as the original", () => {
    const records = [memory("2026-02-07T20:09:00Z", { memory_type: "entity", content: "ACME Corp sells widgets" })];
    expect(renderSessionContext({ sessionId: SESSION_ID, records }).context).toBe(
      "## Session Context (sess_3f9a1c2b4d5e6f708192a3b4)\n\n### Other (1)\n- [2026-02-07T20:09:00Z] general: ACME Corp sells widgets\n",
    );
  });

  it("orders equal times by id, larger first, whatever the input order", () => {
    const a = memory("2026-02-07T20:00:00Z", { id: "0190a000-0000-7000-8000-00000000000a", content: "first written" });
    const b = memory("2026-02-07T20:00:00Z", { id: "0190a000-0000-7000-8000-00000000000b", content: "second written" });
    for (const records of [[a, b], [b, a]]) {
      const lines = renderSessionContext({ sessionId: SESSION_ID, records }).context.split("\n");
      expect(lines.slice(3, 5)).toEqual([
        "- [2026-02-07T20:00:00Z] general: second written",
        "- [2026-02-07T20:00:00Z] general: first written",
      ]);
    }
  });

  it("renders only the header for a session without memories", () => {
    const out = renderSessionContext({ sessionId: SESSION_ID, records: [] });
    expect(out).toEqual({
      context: "## Session Context (sess_3f9a1c2b4d5e6f708192a3b4)\n\n",
      memory_count: 0,
      omitted_count: 0,
      token_count: countContextTokens("## Session Context (sess_3f9a1c2b4d5e6f708192a3b4)\n\n"),
    });
  });

  it("keeps each memory on one line when content has line breaks", () => {
    const records = [memory("2026-02-07T20:00:00Z", { content: "line one\r\nline two\n\nline three" })];
    const lines = renderSessionContext({ sessionId: SESSION_ID, records }).context.split("\n");
    expect(lines[3]).toBe("- [2026-02-07T20:00:00Z] general: line one line two line three");
  });

  it("counts special-token text in content as plain text instead of throwing", () => {
    const records = [memory("2026-02-07T20:00:00Z", { content: "model said <|endoftext|> then stopped" })];
    const out = renderSessionContext({ sessionId: SESSION_ID, records, maxTokens: 1_000 });
    expect(out.context).toContain("<|endoftext|>");
    expect(out.token_count).toBeGreaterThan(0);
  });
});
