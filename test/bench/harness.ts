/**
 * The printing half of the benchmarks and their shared helpers: Markdown
 * tables, number formats, and a seeded shuffle (the measuring half is
 * rounds.ts).
 */

/** Runs `k` operations and returns something derived from their results, so the work cannot be optimised away. */
export type SyncLoop = (k: number) => number;

/** Formats nanoseconds with three significant digits and thousands separators. */
export function formatNs(ns: number): string {
  if (ns >= 1000) return Math.round(ns).toLocaleString('en-US');
  return ns >= 100 ? ns.toFixed(0) : ns >= 10 ? ns.toFixed(1) : ns.toFixed(2);
}

/** Formats a ratio: 12.3x, 0.48x. */
export function formatRatio(ratio: number): string {
  if (ratio >= 100) return `${Math.round(ratio).toLocaleString('en-US')}x`;
  if (ratio >= 10) return `${ratio.toFixed(1)}x`;
  return ratio >= 0.1 ? `${ratio.toFixed(2)}x` : `${ratio.toPrecision(2)}x`;
}

/** A Markdown table of strings; `rightAligned[i]` right-aligns column `i`. */
export function markdownGrid(
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  rightAligned: ReadonlyArray<boolean>,
): string {
  const widths = header.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (c: string, i: number): string =>
    rightAligned[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number);
  const line = (cells: ReadonlyArray<string>): string => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (rightAligned[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Prints a plain Markdown table of strings (for summaries and targets). */
export function printGrid(
  title: string,
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
): void {
  console.log(`\n### ${title}\n`);
  console.log(
    markdownGrid(
      header,
      rows,
      header.map((_, i) => i > 0),
    ),
  );
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
