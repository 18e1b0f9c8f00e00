import { countTokens as countCl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens as countO200k } from "gpt-tokenizer/encoding/o200k_base";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { renderSessionContext } from "../../core/context/render";
import { countContextTokens, loadContextTokenizer } from "../../core/context/tokens";
import { ServiceError } from "../../core/errors";
import type { MemoryRecord } from "../../core/memory/schema";
import { memory, SESSION_ID, timeline } from "./records";

beforeAll(loadContextTokenizer);

const HEADER = `## Session Context (${SESSION_ID})\n\n`;
const contentOf = (r: MemoryRecord) => r.content;
const linesOf = (context: string) => context.split("\n").filter((l) => l.startsWith("- ["));
const newest = (records: MemoryRecord[]) => records.reduce((a, b) => (b.time_us > a.time_us ? b : a));

/** A mixed session: two agents, all four groups, varied importance and content lengths. */
function mixedSession(n: number): MemoryRecord[] {
  const types = ["episodic", "decision", "session", "entity"] as const;
  return timeline(n, (i) => ({
    agent_id: i % 3 === 0 ? "planner" : "crawler",
    memory_type: types[i % 4]!,
    event_type: i % 5 === 0 ? "error" : "page_crawled",
    importance: (i * 37) % 10 / 10,
    content: `step ${i}: ${"fetched the catalog page and parsed the listing ".repeat(1 + (i % 3))}`,
  }));
}

function expectWithinBudget(out: ReturnType<typeof renderSessionContext>, maxTokens: number, total: number) {
  const independent = countO200k(out.context, { disallowedSpecial: new Set() });
  expect(independent).toBeLessThanOrEqual(maxTokens);
  expect(out.token_count).toBe(independent);
  expect(out.memory_count + out.omitted_count).toBe(total);
  expect(linesOf(out.context)).toHaveLength(out.memory_count);
}

describe("renderSessionContext with max_tokens", () => {
  it("counts with o200k_base, the package default, not cl100k_base", () => {
    const text = "Сессия: агент обработал каталог и нашёл три страницы товаров";
    expect(countO200k(text)).not.toBe(countCl100k(text));
    expect(countContextTokens(text)).toBe(countO200k(text));
  });

  it("returns the unbudgeted output unchanged when everything fits", () => {
    const records = mixedSession(12);
    const free = renderSessionContext({ sessionId: SESSION_ID, records });
    const budgeted = renderSessionContext({ sessionId: SESSION_ID, records, maxTokens: free.token_count });
    expect(budgeted).toEqual(free);
    expect(budgeted.omitted_count).toBe(0);
  });

  it("fits the budget, keeps the newest memory and reports what it left out", () => {
    const records = timeline(200);
    const out = renderSessionContext({ sessionId: SESSION_ID, records, maxTokens: 300 });
    expectWithinBudget(out, 300, 200);
    expect(out.omitted_count).toBeGreaterThan(0);
    expect(out.memory_count).toBeGreaterThan(0);
    // Equal importance: the newest survive, in the usual newest-first order.
    const kept = records.slice(-out.memory_count).reverse().map(contentOf);
    expect(linesOf(out.context).map((l) => l.slice(l.indexOf("general: ") + 9))).toEqual(kept);
    expect(out.context.endsWith(`\n\n_(${out.omitted_count} older or less important memories omitted to fit max_tokens)_\n`)).toBe(true);
    expect(out.context.startsWith(`${HEADER}### Recent Actions (${out.memory_count})\n`)).toBe(true);
  });

  it("holds for every budget on a mixed two-agent session", () => {
    const records = mixedSession(60);
    const last = newest(records);
    const priorityOf = (r: MemoryRecord) => (r === last ? Number.POSITIVE_INFINITY : r.importance);
    for (let maxTokens = 1; maxTokens <= 2_600; maxTokens += 11) {
      const out = renderSessionContext({ sessionId: SESSION_ID, records, maxTokens });
      expectWithinBudget(out, maxTokens, records.length);
      if (out.memory_count === 0) continue;
      const shown = new Set(linesOf(out.context).map((l) => l.slice(l.indexOf(": ") + 2)));
      const isShown = (r: MemoryRecord) => shown.has(r.content.length > 80 ? `${r.content.slice(0, 80)}...` : r.content);
      expect(isShown(last)).toBe(true);
      // Dropped strictly by priority: nothing kept ranks below anything left out.
      const keptMin = Math.min(...records.filter(isShown).map(priorityOf));
      const droppedMax = Math.max(-1, ...records.filter((r) => !isShown(r)).map(priorityOf));
      expect(keptMin).toBeGreaterThanOrEqual(droppedMax);
    }
  });

  it("keeps an old important memory over newer unimportant ones, and the newest regardless", () => {
    const records = timeline(40, (i) => ({ importance: i === 3 ? 0.9 : 0 }));
    const out = renderSessionContext({ sessionId: SESSION_ID, records, maxTokens: 120 });
    expectWithinBudget(out, 120, 40);
    const contents = linesOf(out.context).map((l) => l.slice(l.indexOf("general: ") + 9));
    expect(contents).toContain(records[39]!.content);
    expect(contents).toContain(records[3]!.content);
    expect(contents.indexOf(records[39]!.content)).toBeLessThan(contents.indexOf(records[3]!.content));
  });

  it("uses the budget fully: keeping one more memory would not have fitted", () => {
    const records = timeline(100);
    for (const maxTokens of [150, 400, 777, 1_500]) {
      const out = renderSessionContext({ sessionId: SESSION_ID, records, maxTokens });
      expectWithinBudget(out, maxTokens, 100);
      // One group, so its blank line ends the text and the note appends without merging tokens.
      const oneMore = renderSessionContext({ sessionId: SESSION_ID, records: records.slice(-(out.memory_count + 1)) });
      const stillOmitted = out.omitted_count - 1;
      const note = stillOmitted > 0 ? countContextTokens(`_(${stillOmitted} older or less important memories omitted to fit max_tokens)_\n`) : 0;
      expect(oneMore.token_count + note).toBeGreaterThan(maxTokens);
    }
  });

  it("puts a blank line before the note when the last group is Other", () => {
    const records = timeline(50, () => ({ memory_type: "entity" }));
    const out = renderSessionContext({ sessionId: SESSION_ID, records, maxTokens: 200 });
    expectWithinBudget(out, 200, 50);
    const lines = out.context.split("\n");
    expect(lines.slice(-3)).toEqual(["", `_(${out.omitted_count} older or less important memories omitted to fit max_tokens)_`, ""]);
  });

  it("says memory, not memories, when exactly one is left out", () => {
    const records = timeline(5);
    const all = renderSessionContext({ sessionId: SESSION_ID, records });
    const out = renderSessionContext({ sessionId: SESSION_ID, records, maxTokens: all.token_count - 1 });
    expect(out.omitted_count).toBe(1);
    expect(out.context.endsWith("\n_(1 older or less important memory omitted to fit max_tokens)_\n")).toBe(true);
    expectWithinBudget(out, all.token_count - 1, 5);
  });

  it("falls back to the header and the note when no memory fits", () => {
    const records = timeline(3, () => ({ content: "x".repeat(80) }));
    const minimal = `${HEADER}_(3 older or less important memories omitted to fit max_tokens)_\n`;
    const budget = countContextTokens(minimal);
    const out = renderSessionContext({ sessionId: SESSION_ID, records, maxTokens: budget });
    expect(out).toEqual({ context: minimal, memory_count: 0, omitted_count: 3, token_count: budget });
  });

  it("returns an empty context when not even the header and note fit", () => {
    const records = timeline(3);
    for (const maxTokens of [1, 5, countContextTokens(HEADER)]) {
      const out = renderSessionContext({ sessionId: SESSION_ID, records, maxTokens });
      expect(out).toEqual({ context: "", memory_count: 0, omitted_count: 3, token_count: 0 });
    }
  });

  it("handles an empty session: the header when it fits, else empty", () => {
    const headerTokens = countContextTokens(HEADER);
    expect(renderSessionContext({ sessionId: SESSION_ID, records: [], maxTokens: headerTokens })).toEqual({
      context: HEADER,
      memory_count: 0,
      omitted_count: 0,
      token_count: headerTokens,
    });
    expect(renderSessionContext({ sessionId: SESSION_ID, records: [], maxTokens: headerTokens - 1 }).context).toBe("");
  });

  it("renders thousands of memories within the budget", () => {
    const records = mixedSession(3_000);
    const out = renderSessionContext({ sessionId: SESSION_ID, records, maxTokens: 4_000 });
    expectWithinBudget(out, 4_000, 3_000);
    expect(out.memory_count).toBeGreaterThan(50);
    const free = renderSessionContext({ sessionId: SESSION_ID, records });
    expect(free.memory_count).toBe(3_000);
    expect(free.token_count).toBe(countO200k(free.context));
  });

  it("reports the exact token count of the text for any content and budget", () => {
    const ending = fc.constantFrom("", " ", "  ", "...", "/", "\t", "\v", "\u00a0", ")", "!", "漢", "😀", "e\u0301", "<|endoftext|>");
    const content = fc
      .tuple(fc.string({ unit: "grapheme", minLength: 1, maxLength: 100 }), ending)
      .map(([text, end]) => text + end);
    const record = fc.record({
      content,
      memory_type: fc.constantFrom("episodic", "decision", "session", "entity"),
      event_type: fc.constantFrom("general", "error", "page_crawled"),
      agent_id: fc.constantFrom("crawler", "planner"),
      importance: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 25 }), fc.option(fc.integer({ min: 1, max: 1_200 }), { nil: undefined }), (fields, maxTokens) => {
        const records = fields.map((f, i) => memory(`2026-02-07T20:${String(i).padStart(2, "0")}:00Z`, f));
        const out = renderSessionContext({ sessionId: SESSION_ID, records, maxTokens });
        const independent = countO200k(out.context, { disallowedSpecial: new Set() });
        expect(out.token_count).toBe(independent);
        if (maxTokens !== undefined) expect(independent).toBeLessThanOrEqual(maxTokens);
        expect(out.memory_count + out.omitted_count).toBe(records.length);
      }),
      { numRuns: 300 },
    );
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses max_tokens %d with a 400", (maxTokens) => {
    const call = () => renderSessionContext({ sessionId: SESSION_ID, records: [memory("2026-02-07T20:00:00Z")], maxTokens });
    expect(call).toThrow(ServiceError);
    expect(call).toThrow("invalid max_tokens: must be a positive integer");
  });
});
