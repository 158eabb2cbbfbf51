/**
 * Interleaved comparisons: every contender of a comparison runs in the same
 * process, in rounds (A B, B A, A B, ...), each round a short time slice per
 * contender, and every ratio is taken round by round. Load that drifts while
 * a topic runs (the machine is shared) then moves both sides of a ratio
 * together instead of flipping a verdict, and the spread over rounds shows
 * how much the drift was.
 *
 * A round's figure for a contender is its whole time in the round divided by
 * the operations it did (garbage collection and any descheduling included),
 * not the best batch: the cost a caller pays.
 */
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { formatNs, formatRatio, printGrid } from './harness.js';
import { SETTINGS } from './settings.js';

/** Runs `k` operations and returns something derived from their results, so the work cannot be optimised away. */
export type Loop = (k: number) => number | Promise<number>;

/** One side of a comparison. */
export interface RoundContender {
  readonly name: string;
  readonly loop: Loop;
}

/** How a comparison samples. Defaults come from {@link SETTINGS} (quick mode shortens them). */
export interface RoundOptions {
  /** Rounds; at least 5. */
  readonly rounds?: number;
  /** Time each contender gets in each round, ms. */
  readonly sliceMs?: number;
  /** Warm-up per contender before the first round, ms. */
  readonly warmupMs?: number;
  /** A batch grows until it takes at least this long, ms (one timer read per batch). */
  readonly batchMs?: number;
}

/** A ratio over rounds: the median and the extremes of the per-round ratios. */
export interface RatioSpread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** What an interleaved comparison measured. */
export interface Interleaved {
  readonly names: ReadonlyArray<string>;
  /** `ns[c][r]`: nanoseconds per operation of contender `c` in round `r`. */
  readonly ns: ReadonlyArray<ReadonlyArray<number>>;
  /** Operations per batch of each contender. */
  readonly batches: ReadonlyArray<number>;
  /** Median over rounds of contender `c`'s ns per operation. */
  median(c: number): number;
  /** Speed of `row` relative to `peer` (peer ns / row ns) per round: above 1, `row` is faster. */
  ratio(row: number, peer: number): RatioSpread;
  /** Operations per second of contender `c` per round, as a spread. */
  rate(c: number): RatioSpread;
}

let sink = 0;

/** The accumulated loop results; print it at the end of a topic so nothing is dead code. */
export function roundsSink(): number {
  return sink;
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Median, min and max of a list of numbers. */
export function spreadOf(values: ReadonlyArray<number>): RatioSpread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

async function timeBatch(loop: Loop, k: number): Promise<number> {
  const t0 = performance.now();
  const out = loop(k);
  sink ^= typeof out === 'number' ? out : await out;
  return performance.now() - t0;
}

async function sizeBatch(loop: Loop, targetMs: number): Promise<number> {
  let k = 1;
  // The fastest of three timings, so that one batch hit by a pause does not stop the growth.
  while (k < 1 << 26) {
    const fastest = Math.min(await timeBatch(loop, k), await timeBatch(loop, k), await timeBatch(loop, k));
    if (fastest >= targetMs) break;
    k *= 2;
  }
  return k;
}

/** Runs batches of `k` for at least `ms`; returns ns per operation over the whole slice. */
async function slice(loop: Loop, k: number, ms: number): Promise<number> {
  let ops = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    const out = loop(k);
    sink ^= typeof out === 'number' ? out : await out;
    ops += k;
    elapsed = performance.now() - t0;
  } while (elapsed < ms);
  return (elapsed * 1e6) / ops;
}

/**
 * Measures the contenders interleaved: batch sizing and warm-up for each, then
 * `rounds` rounds in which each contender runs for `sliceMs`; the order
 * reverses every round (A B, B A, ...), so a contender is not always the one
 * that runs right after another's garbage.
 */
export async function interleave(
  contenders: ReadonlyArray<RoundContender>,
  options: RoundOptions = {},
): Promise<Interleaved> {
  const rounds = Math.max(5, options.rounds ?? SETTINGS.rounds);
  const sliceMs = options.sliceMs ?? SETTINGS.sliceMs;
  const warmupMs = options.warmupMs ?? SETTINGS.warmupMs;
  const batchMs = options.batchMs ?? SETTINGS.batchMs;
  // Sized twice: the first pass runs cold code and stops too early.
  const batches: number[] = [];
  for (const c of contenders) await sizeBatch(c.loop, batchMs);
  for (const c of contenders) batches.push(await sizeBatch(c.loop, batchMs));
  for (const [i, c] of contenders.entries()) await slice(c.loop, batches[i] as number, warmupMs);
  const ns: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const order = contenders.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order)
      (ns[i] as number[]).push(await slice((contenders[i] as RoundContender).loop, batches[i] as number, sliceMs));
  }
  return {
    names: contenders.map((c) => c.name),
    ns,
    batches,
    median: (c) => median(ns[c] as number[]),
    ratio: (row, peer) => spreadOf((ns[row] as number[]).map((own, r) => ((ns[peer] as number[])[r] as number) / own)),
    rate: (c) => spreadOf((ns[c] as number[]).map((v) => 1e9 / v)),
  };
}

/** Formats a spread of ratios: `0.52x (0.48x-0.55x)`. */
export function formatSpread(s: RatioSpread, format: (n: number) => string = formatRatio): string {
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

/**
 * Prints one comparison: each contender's median ns/op and the range over
 * rounds, and its ratio to each named peer (median, min–max over rounds).
 */
export function printInterleaved(title: string, result: Interleaved, peers: ReadonlyArray<number> = []): void {
  const header = [
    'name',
    'ns/op (median of rounds)',
    'min–max over rounds',
    'batch',
    ...peers.map((p) => `vs ${result.names[p]}`),
  ];
  const rows = result.names.map((name, c) => {
    const own = result.ns[c] as number[];
    return [
      name,
      formatNs(result.median(c)),
      `${formatNs(Math.min(...own))}–${formatNs(Math.max(...own))}`,
      String(result.batches[c]),
      ...peers.map((p) => formatSpread(result.ratio(c, p))),
    ];
  });
  printGrid(title, header, rows);
  console.log(
    `\n${result.ns[0]?.length ?? 0} interleaved rounds. Ratios are speed-ups, peer ns/op over the row's, per ` +
      `round: median (min–max).`,
  );
}

/** One line of a targets table. */
export interface TargetLine {
  readonly what: string;
  /** The goal, for example `>= 0.5x`. */
  readonly goal: string;
  /** The median over rounds, formatted. */
  readonly median: string;
  /** The range over rounds, formatted. */
  readonly range: string;
  /** Whether the median meets the goal; `undefined` for a figure reported without a target. */
  readonly met: boolean | undefined;
}

/** A ratio target: met when the median ratio is at least `goal`. */
export function ratioTarget(what: string, spread: RatioSpread, goal: number): TargetLine {
  return {
    what,
    goal: `>= ${formatRatio(goal)}`,
    median: formatRatio(spread.median),
    range: `${formatRatio(spread.min)}–${formatRatio(spread.max)}`,
    met: spread.median >= goal,
  };
}

/** A figure reported without a target. */
export function reported(what: string, spread: RatioSpread, format: (n: number) => string = formatRatio): TargetLine {
  return {
    what,
    goal: 'reported',
    median: format(spread.median),
    range: `${format(spread.min)}–${format(spread.max)}`,
    met: undefined,
  };
}

const status = (met: boolean | undefined): string => (met === undefined ? 'reported' : met ? 'met' : 'NOT MET');

/**
 * Prints a topic's targets and hands them to the runner (through the file
 * named by `OAT_BENCH_TARGETS`), which repeats every topic's at the end.
 */
export function printTargets(title: string, lines: ReadonlyArray<TargetLine>): void {
  printGrid(
    title,
    ['target', 'goal', 'median', 'min–max', 'status'],
    lines.map((l) => [l.what, l.goal, l.median, l.range, status(l.met)]),
  );
  const file = process.env['OAT_BENCH_TARGETS'];
  if (file !== undefined && file !== '') for (const l of lines) appendFileSync(file, `${JSON.stringify(l)}\n`);
}

/** Formats the targets the runner collected, for its closing summary. */
export function targetRows(lines: ReadonlyArray<TargetLine>): ReadonlyArray<ReadonlyArray<string>> {
  return lines.map((l) => [l.what, l.goal, l.median, l.range, status(l.met)]);
}
