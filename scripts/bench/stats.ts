/** Latency percentiles in milliseconds, from every recorded sample (no histogram rounding). */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Summarises latency samples (ms); an empty list gives NaN percentiles and count 0. */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  return {
    count: sorted.length,
    p50: round2(percentile(sorted, 50)),
    p95: round2(percentile(sorted, 95)),
    p99: round2(percentile(sorted, 99)),
    max: round2(sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN),
  };
}

/** Bounded sample store: keeps every sample up to `cap`, then a uniform reservoir of them. */
export class LatencySamples {
  private readonly samples: number[] = [];
  private seen = 0;

  constructor(private readonly cap = 200_000) {}

  add(ms: number): void {
    this.seen++;
    if (this.samples.length < this.cap) this.samples.push(ms);
    else {
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < this.cap) this.samples[slot] = ms;
    }
  }

  summary(): LatencySummary {
    return { ...summarize(this.samples), count: this.seen };
  }
}

/** CPU time spent per unit of work, in ms (NaN when nothing was done). */
export const cpuMsPer = (cpuSeconds: number, count: number) => (count > 0 ? Math.round((cpuSeconds * 1e6) / count) / 1000 : Number.NaN);
