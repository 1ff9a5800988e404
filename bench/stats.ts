import { performance } from 'node:perf_hooks';

export type Latency = {
  /** The first call after the database was opened: statement preparation and a cold page cache. */
  coldMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  runs: number;
};

/** Nearest-rank percentile: with few samples it reports a time that was really measured. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function timeMs(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/** Times `fn` once cold, then `runs` more times for the warm distribution. */
export function measure(runs: number, fn: () => void): Latency {
  const coldMs = timeMs(fn);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(timeMs(fn));
  return {
    coldMs,
    p50Ms: percentile(samples, 50),
    p95Ms: percentile(samples, 95),
    maxMs: Math.max(...samples),
    runs,
  };
}
