/**
 * What a generated block calls at run time: the `// →` assertions. It records
 * which assertions ran and which failed, and writes them at exit to the file
 * named by DOC_CHECK_REPORT, so that an assertion a branch skipped is reported
 * as never evaluated rather than passing silently.
 */
import { writeFileSync } from 'node:fs';
import { format, inspect, isDeepStrictEqual } from 'node:util';

/** The report a block's process leaves behind. */
export interface RunReport {
  readonly reached: ReadonlyArray<number>;
  readonly failures: ReadonlyArray<{ readonly id: number; readonly message: string }>;
}

const reached = new Set<number>();
const failures: { id: number; message: string }[] = [];

const show = (value: unknown): string => inspect(value, { depth: null, breakLength: Infinity });
const squash = (text: string): string => text.replace(/\s+/g, '');

function expectedOf<T>(id: number, expected: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: expected() };
  } catch (error) {
    failures.push({
      id,
      message: `the expected value throws: ${error instanceof Error ? error.message : String(error)}`,
    });
    return { ok: false };
  }
}

/** The functions generated code calls; named so that no block name can clash. */
export const __docCheck = {
  /** `expr; // → value`: deep strict equality, prototypes included. */
  value(id: number, actual: unknown, expected: () => unknown): void {
    reached.add(id);
    const want = expectedOf(id, expected);
    if (want.ok && !isDeepStrictEqual(actual, want.value))
      failures.push({ id, message: `expected ${show(want.value)}, got ${show(actual)}` });
  },
  /** `console.log(...); // → text`: compares what it would print, ignoring whitespace (line breaks differ by width). */
  printed(id: number, expected: () => string): (...args: unknown[]) => void {
    return (...args) => {
      reached.add(id);
      const printed = format(...args);
      const want = expectedOf(id, expected);
      if (want.ok && squash(printed) !== squash(want.value))
        failures.push({ id, message: `expected it to print ${want.value}, it printed ${printed}` });
    };
  },
};

process.on('exit', () => {
  const file = process.env.DOC_CHECK_REPORT;
  if (file === undefined) return;
  const report: RunReport = { reached: [...reached], failures };
  writeFileSync(file, JSON.stringify(report));
});
