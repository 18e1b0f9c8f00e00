import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/child";

/** `git check-ignore` answers 0 for an ignored path, 1 for one that would be committed. */
function ignored(path: string): boolean {
  try {
    execFileSync("git", ["check-ignore", "--quiet", "--no-index", path], { cwd: repoRoot, stdio: "ignore" });
    return true;
  } catch (error) {
    if ((error as { status?: number }).status === 1) return false;
    throw error;
  }
}

// Outside a git checkout (an unpacked tarball) there is nothing to commit by mistake.
describe.skipIf(!existsSync(join(repoRoot, ".git")))("files that hold secrets stay out of git", () => {
  it("ignores the Worker's local secrets and the server's data folder", () => {
    // The README has Worker users put the master key and an admin key in .dev.vars.
    expect(ignored(".dev.vars")).toBe(true);
    expect(ignored(".dev.vars.staging")).toBe(true);
    expect(ignored("data/master.key")).toBe(true);
    expect(ignored(".dev.vars.example")).toBe(false);
    expect(ignored("wrangler.toml")).toBe(false);
  });
});
