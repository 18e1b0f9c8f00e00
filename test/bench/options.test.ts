import { describe, expect, it } from "vitest";
import { BENCH_USAGE, parsePlan } from "../../scripts/bench/options";
import { startMallocEnv } from "../../scripts/bench/processes";

describe("npm run bench's options", () => {
  it("answers --help with no plan, and names every option in the usage", () => {
    expect(parsePlan(["--help"])).toBeUndefined();
    expect(parsePlan(["-h"])).toBeUndefined();
    for (const option of ["--quick", "--only", "--memories", "--cpu-prof", "--reads-data", "--readme", "--no-readme"]) {
      expect(BENCH_USAGE).toContain(option);
    }
  });

  it("rewrites the README only on a full run of every part, unless told", () => {
    expect(parsePlan([])?.updateReadme).toBe(true);
    expect(parsePlan(["--quick"])?.updateReadme).toBe(false);
    expect(parsePlan(["--only", "ingest"])?.updateReadme).toBe(false);
    expect(parsePlan(["--no-readme"])?.updateReadme).toBe(false);
    expect(parsePlan(["--quick", "--readme"])?.updateReadme).toBe(true);
  });

  it("refuses an unknown part, a small seed and an unknown option", () => {
    expect(() => parsePlan(["--only", "reads,nope"])).toThrow("unknown part 'nope'");
    expect(() => parsePlan(["--memories", "500"])).toThrow("--memories must be an integer of at least 10000");
    expect(() => parsePlan(["--bogus"])).toThrow("Unknown option '--bogus'");
  });

  it("runs the server with the malloc settings of npm start, read from package.json", () => {
    expect(startMallocEnv()).toEqual({ MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: "1048576" });
  });
});
