/** Left-aligned columns, as the original's admin commands printed with tabwriter. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("   ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}
