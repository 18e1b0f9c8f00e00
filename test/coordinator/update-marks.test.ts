import { describe, expect, it } from "vitest";
import { UpdateMarks } from "../../core/coordinator/update-marks";

describe("UpdateMarks", () => {
  it("moves the mark of the agents whose memory was updated, and of all agents", () => {
    const marks = new UpdateMarks();
    // Agents that fall in different buckets: found, not assumed.
    const agents = Array.from({ length: 64 }, (_, i) => `agent-${i}`);
    const before = new Map(agents.map((agent) => [agent, marks.markFor([agent])]));
    const all = marks.markFor(undefined);
    const pair = marks.markFor(["agent-9", "agent-0"]);
    marks.noteUpdate("agent-0");
    expect(marks.markFor(["agent-0"])).not.toBe(before.get("agent-0"));
    expect(marks.markFor(["agent-9", "agent-0"])).not.toBe(pair);
    expect(marks.markFor(undefined)).not.toBe(all);
    const untouched = agents.filter((agent) => marks.markFor([agent]) === before.get(agent));
    // Most agents share no bucket with agent-0, so their counts need not start over.
    expect(untouched.length).toBeGreaterThan(50);
    marks.noteUpdate("agent-0");
    for (const agent of untouched) expect(marks.markFor([agent])).toBe(before.get(agent));
  });

  it("never repeats a mark across instances, so a writer made afresh is told apart", () => {
    const first = new UpdateMarks();
    const second = new UpdateMarks();
    expect(second.markFor(undefined)).not.toBe(first.markFor(undefined));
    expect(second.markFor(["a"])).not.toBe(first.markFor(["a"]));
  });
});
