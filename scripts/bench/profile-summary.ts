import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { repoRoot } from "./processes";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const frameName = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.startsWith("file://") ? relative(repoRoot, url.slice(7)) : url;
  return `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim();
};

/**
 * Summarises a V8 `.cpuprofile` (from `npm run bench -- --cpu-prof DIR`): the functions with the
 * most self time, and the project files with the most time spent inside them or below them.
 * Usage: `npx tsx scripts/bench/profile-summary.ts FILE [top] [skip-seconds]` (skip start-up).
 */
function summarize(path: string, top: number, skipSeconds: number): string {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  let atUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    atUs += dt;
    if (atUs < skipSeconds * 1e6) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    totalUs += dt;
  });
  const self = new Map<string, number>();
  const inclusiveByFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    self.set(frameName(node), (self.get(frameName(node)) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)!.callFrame.url;
      if (!url.startsWith(`file://${repoRoot}/`) || url.includes("/node_modules/")) continue;
      const file = relative(repoRoot, url.slice(7));
      if (seen.has(file)) continue;
      seen.add(file);
      inclusiveByFile.set(file, (inclusiveByFile.get(file) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
  const rows = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => `${pct(us)}  ${name}`);
  return [
    `${path}: ${(totalUs / 1e6).toFixed(1)} s sampled`,
    "self time:",
    ...rows(self),
    "time in or below project files:",
    ...rows(inclusiveByFile),
  ].join("\n");
}

const [file, top = "30", skip = "0"] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-summary.ts FILE.cpuprofile [top] [skip-seconds]");
process.stdout.write(`${summarize(file, Number(top), Number(skip))}\n`);
