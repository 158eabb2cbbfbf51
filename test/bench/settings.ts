/**
 * How long and how big the benchmarks run. `npm run bench -- --quick` (or
 * `npm run bench:quick`) sets `OAT_BENCH_QUICK=1` for every topic: the same
 * code paths with small fixtures and short slices, for a CI smoke run. Quick
 * numbers are too short to mean anything and the charts of a quick run go to
 * a temporary directory, removed when the topic exits, never to docs/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const quick = process.env['OAT_BENCH_QUICK'] === '1';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Sizes and times every topic reads. */
export const SETTINGS = Object.freeze({
  quick,
  /** Interleaved rounds per comparison (issue 12: at least 5; 7 gave no tighter min–max under load). */
  rounds: 5,
  /** Time per contender per round, ms. */
  sliceMs: quick ? 10 : 100,
  /** Warm-up per contender, ms. */
  warmupMs: quick ? 10 : 50,
  /** Smallest batch, ms. */
  batchMs: quick ? 0.2 : 1,
  /** Stored tokens of the authentication scale rows. */
  storeSizes: quick ? [1_000, 10_000] : [1_000, 100_000, 1_000_000],
  /**
   * Tokens, from the start of the shuffled order, that the timed login rows go round: more than the rows log in
   * (so no token repeats within a row), fewer than a million, so only these need the warm-up logins.
   */
  loginWindow: quick ? 10_000 : 250_000,
  /** Repository grants of the authorization scale rows. */
  grantSizes: quick ? [1, 50] : [1, 10, 50, 250],
  /** Tokens in the memory probe. */
  memoryTokens: quick ? 10_000 : 100_000,
  /** Writer processes of the PostgreSQL contention rows, and their windows. */
  writers: 8,
  writerRounds: 5,
  writerWindowMs: quick ? 150 : 300,
});

let chartDir: string | undefined;

/** Where charts go: docs/performance/ in a full run, a fresh temporary directory (removed on exit) in a quick one. */
export function chartDirectory(): string {
  if (chartDir === undefined) {
    chartDir = quick ? mkdtempSync(join(tmpdir(), 'oat-bench-charts-')) : join(root, 'docs', 'performance');
    const written = chartDir;
    // A smoke run only proves the charts can be drawn: nothing of it is kept.
    if (quick) process.once('exit', () => rmSync(written, { recursive: true, force: true }));
  }
  return chartDir;
}

/** A line every quick topic prints under its title. */
export const QUICK_NOTE = quick
  ? '\n**Quick mode:** small fixtures and short rounds, a smoke run; the figures and statuses below do not ' +
    'measure anything.'
  : '';
