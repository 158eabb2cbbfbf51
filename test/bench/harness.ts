/**
 * The measuring and printing half of the benchmarks: tinybench runs each
 * contender with warm-up and many samples; this file sizes batches, reads the
 * median and spread, and prints one Markdown table per topic with the ratio of
 * every row to every peer measured in the same process and run.
 *
 * Why batches: tinybench times each call of a task function on its own, and a
 * timer read costs more than one authorization decision. A task here runs a
 * batch of `k` operations, times the batch, and reports the batch mean per
 * operation as its sample (`overriddenDuration`), so the timer is paid once
 * per batch instead of once per operation.
 */
import { performance } from 'node:perf_hooks';
import { Bench } from 'tinybench';

/** Runs `k` operations and returns something derived from their results, so the work cannot be optimised away. */
export type SyncLoop = (k: number) => number;
/** The asynchronous twin of {@link SyncLoop}: awaits each operation in turn. */
export type AsyncLoop = (k: number) => Promise<number>;

/** How long and how often to sample one contender. */
export interface MeasureOptions {
  /** Time budget for sampling, ms. Default 1000. */
  readonly timeMs?: number;
  /** Fewest samples, even past the time budget. Default 20. */
  readonly minSamples?: number;
  /** Warm-up time, ms (on top of batch sizing, which also warms). Default 200. */
  readonly warmupMs?: number;
  /** Fewest warm-up batches. Default 5. */
  readonly warmupIterations?: number;
  /** A batch grows until it takes at least this long, ms. Default 1. Set 0 for one operation per sample. */
  readonly targetSampleMs?: number;
}

/** One contender's result: per-operation times in nanoseconds. */
export interface Measured {
  readonly name: string;
  /** Median of the samples, ns per operation. */
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
  /** Samples taken (each the mean of one batch). */
  readonly samples: number;
  /** Operations per batch. */
  readonly batch: number;
}

// Every loop result lands here, so V8 cannot drop the work as dead code.
let sink = 0;

/** The accumulated loop results; printed at the end of a topic so that nothing is dead code. */
export function sinkValue(): number {
  return sink;
}

function quantile(sorted: ReadonlyArray<number>, q: number): number {
  if (sorted.length === 1) return sorted[0] as number;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo);
}

async function sizeBatch(timeOf: (k: number) => Promise<number>, targetMs: number): Promise<number> {
  const grow = async (): Promise<number> => {
    let k = 1;
    // The fastest of three timings: a batch that was descheduled or hit a GC pause must not stop the growth.
    while (Math.min(await timeOf(k), await timeOf(k), await timeOf(k)) < targetMs && k < 1 << 26) k *= 2;
    return k;
  };
  // The first pass runs cold code (interpreter, lazy compilation inside libraries) and stops too early;
  // it warms everything up, and the second pass sizes the batch on warm code.
  await grow();
  return grow();
}

async function runTask(name: string, fn: () => unknown, isAsync: boolean, batch: number, options: MeasureOptions): Promise<Measured> {
  const bench = new Bench({
    name,
    time: options.timeMs ?? 1000,
    iterations: options.minSamples ?? 20,
    warmupTime: options.warmupMs ?? 200,
    warmupIterations: options.warmupIterations ?? 5,
    retainSamples: true,
    throws: true,
  });
  bench.add(name, fn, { async: isAsync });
  await bench.run();
  const task = bench.tasks[0];
  const result = task?.result;
  if (result === undefined || (result.state !== 'completed' && result.state !== 'aborted-with-statistics')) {
    throw new Error(`benchmark "${name}" did not complete (${result?.state ?? 'no task'})`);
  }
  const samples = [...(result.latency.samples ?? [])].sort((a, b) => a - b);
  if (samples.length === 0) throw new Error(`benchmark "${name}" kept no samples`);
  const ns = (ms: number): number => ms * 1e6;
  return {
    name,
    median: ns(quantile(samples, 0.5)),
    p25: ns(quantile(samples, 0.25)),
    p75: ns(quantile(samples, 0.75)),
    samples: samples.length,
    batch,
  };
}

/** Measures a synchronous loop: sizes the batch, then lets tinybench warm up and sample. */
export async function measure(name: string, loop: SyncLoop, options: MeasureOptions = {}): Promise<Measured> {
  const timeOf = (k: number): Promise<number> => {
    const t0 = performance.now();
    sink ^= loop(k);
    return Promise.resolve(performance.now() - t0);
  };
  const batch = await sizeBatch(timeOf, options.targetSampleMs ?? 1);
  const fn = (): { overriddenDuration: number; overriddenIterationCost: number } => {
    const t0 = performance.now();
    sink ^= loop(batch);
    const elapsed = performance.now() - t0;
    return { overriddenDuration: elapsed / batch, overriddenIterationCost: elapsed };
  };
  return runTask(name, fn, false, batch, options);
}

/** Measures an asynchronous loop; each operation is awaited before the next starts. */
export async function measureAsync(name: string, loop: AsyncLoop, options: MeasureOptions = {}): Promise<Measured> {
  const timeOf = async (k: number): Promise<number> => {
    const t0 = performance.now();
    sink ^= await loop(k);
    return performance.now() - t0;
  };
  const batch = await sizeBatch(timeOf, options.targetSampleMs ?? 1);
  const fn = async (): Promise<{ overriddenDuration: number; overriddenIterationCost: number }> => {
    const t0 = performance.now();
    sink ^= await loop(batch);
    const elapsed = performance.now() - t0;
    return { overriddenDuration: elapsed / batch, overriddenIterationCost: elapsed };
  };
  return runTask(name, fn, true, batch, options);
}

/** Formats a rate with an SI suffix: 47.6 M, 22.9 k. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1e9) return `${(perSecond / 1e9).toFixed(2)} G`;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(2)} k`;
  return perSecond >= 10 ? perSecond.toFixed(1) : perSecond.toFixed(2);
}

/** Formats nanoseconds with three significant digits and thousands separators. */
export function formatNs(ns: number): string {
  if (ns >= 1000) return Math.round(ns).toLocaleString('en-US');
  return ns >= 100 ? ns.toFixed(0) : ns >= 10 ? ns.toFixed(1) : ns.toFixed(2);
}

/** The speed of `row` relative to `peer`: above 1 means `row` is faster. */
export function speedup(row: Measured, peer: Measured): number {
  return peer.median / row.median;
}

/** Formats a ratio: 12.3x, 0.48x. */
export function formatRatio(ratio: number): string {
  if (ratio >= 100) return `${Math.round(ratio).toLocaleString('en-US')}x`;
  if (ratio >= 10) return `${ratio.toFixed(1)}x`;
  return ratio >= 0.1 ? `${ratio.toFixed(2)}x` : `${ratio.toPrecision(2)}x`;
}

function markdown(header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>, rightAligned: ReadonlyArray<boolean>): string {
  const widths = header.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: ReadonlyArray<string>): string =>
    `| ${cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (rightAligned[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * Prints one table: name, ops/s, median ns/op, spread (interquartile range as
 * a share of the median), samples, and one ratio column per peer.
 */
export function printTable(title: string, rows: ReadonlyArray<Measured>, peers: ReadonlyArray<{ readonly label: string; readonly result: Measured }> = []): void {
  const header = ['name', 'ops/s', 'ns/op (median)', 'spread (IQR)', 'samples x batch', ...peers.map((p) => `vs ${p.label}`)];
  const body = rows.map((r) => [
    r.name,
    formatRate(1e9 / r.median),
    formatNs(r.median),
    `±${(((r.p75 - r.p25) / 2 / r.median) * 100).toFixed(1)}%`,
    `${r.samples} x ${r.batch}`,
    ...peers.map((p) => formatRatio(speedup(r, p.result))),
  ]);
  console.log(`\n### ${title}\n`);
  console.log(markdown(header, body, header.map((_, i) => i > 0)));
  if (peers.length > 0) console.log('\nRatios are speed-ups: peer ns/op divided by the row\'s ns/op (above 1x, the row is faster).');
}

/** Prints a plain Markdown table of strings (for summaries and targets). */
export function printGrid(title: string, header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): void {
  console.log(`\n### ${title}\n`);
  console.log(markdown(header, rows, header.map((_, i) => i > 0)));
}

/** One line of a target check, for the targets table; `met` undefined marks a figure reported without a target. */
export function target(what: string, measured: number, goal: string, met?: boolean): ReadonlyArray<string> {
  return [what, formatRatio(measured), goal, met === undefined ? 'reported' : met ? 'met' : 'NOT MET'];
}

/** Prints the title of a topic. */
export function printTopic(title: string, note: string): void {
  console.log(`\n## ${title}\n\n${note}`);
}

/** A deterministic pseudo-random generator (mulberry32): benchmarks need the same rotation in every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles a copy of `items` with a seeded generator. */
export function shuffled<T>(items: ReadonlyArray<T>, seed: number): T[] {
  const out = [...items];
  const random = seededRandom(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
