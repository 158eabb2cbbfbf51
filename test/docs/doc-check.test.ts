import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { BLOCKS_TSCONFIG, checkDocs, type DocCheckResult, type DocFailure } from './check/check.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const GOOD = 'test/docs/fixtures/good.md';
const BAD = 'test/docs/fixtures/bad.md';

/** The 1-based line of the fixture line holding `marker`, so the fixtures can change without renumbering here. */
function lineOf(file: string, marker: string): number {
  const index = readFileSync(resolve(root, file), 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(marker));
  if (index === -1) throw new Error(`no "${marker}" in ${file}`);
  return index + 1;
}

const at = (failures: ReadonlyArray<DocFailure>, line: number) => failures.filter((f) => f.line === line);

describe('the documentation checker', () => {
  let result: DocCheckResult;
  let bad: DocFailure[];

  // One run for both fixtures: the type-check is one program, as in CI. The machine is shared, so be patient.
  beforeAll(async () => {
    result = await checkDocs({ root, files: [GOOD, BAD], timeoutMs: 20_000 });
    bad = result.failures.filter((f) => f.file === BAD);
  }, 600_000);

  it('passes a page whose values, printed output, preludes, skip-run and ignore blocks are all right', () => {
    expect(result.failures.filter((f) => f.file === GOOD)).toEqual([]);
  });

  it('counts what it checked: TypeScript blocks only, ignored ones apart, skip-run ones not run', () => {
    // good.md: 5 TypeScript blocks, 1 ignored, 1 skip-run, and a sh block; bad.md: 10, 1 ignored (without a reason).
    expect(result.blocks).toBe(15);
    expect(result.ignored).toBe(2);
    expect(result.ran).toBe(12);
  });

  it('fails a wrong "// →" value at its line, showing what was expected and what came', () => {
    const [failure, ...rest] = at(bad, lineOf(BAD, 'wrong-value'));
    expect(rest).toEqual([]);
    expect(failure).toMatchObject({ kind: 'assertion' });
    expect(failure?.message).toContain('limit: 100');
    expect(failure?.message).toContain('got { allowed: true, limit: 10, count: 9 }');
  });

  it('fails a type error at its line', () => {
    expect(at(bad, lineOf(BAD, 'type-error'))).toEqual([
      expect.objectContaining({ kind: 'type', message: expect.stringContaining('TS2322') }),
    ]);
  });

  it('fails console.log output that differs from its "// →" text', () => {
    expect(at(bad, lineOf(BAD, 'wrong-print'))).toEqual([
      expect.objectContaining({ kind: 'assertion', message: expect.stringContaining('it printed printed 1') }),
    ]);
  });

  it('fails an assertion that never ran', () => {
    expect(at(bad, lineOf(BAD, 'unreached'))).toEqual([
      expect.objectContaining({ kind: 'assertion', message: expect.stringContaining('never evaluated') }),
    ]);
  });

  it(
    'fails a result comment without the arrow, a value that is not an expression, and an arrow after a ' +
      'declaration',
    () => {
      for (const [marker, text] of [
        ['no-arrow', 'without "→"'],
        ['not-an-expression', 'not a JavaScript expression'],
        ['not-a-statement', 'must follow an expression statement'],
      ] as const) {
        expect(at(bad, lineOf(BAD, marker)), marker).toEqual([
          expect.objectContaining({ kind: 'markdown', message: expect.stringContaining(text) }),
        ]);
      }
    },
  );

  it('fails a block that throws at the line that threw', () => {
    expect(at(bad, lineOf(BAD, '// throws'))).toEqual([
      expect.objectContaining({ kind: 'run', message: expect.stringContaining('TypeError') }),
    ]);
  });

  it(
    'fails an unknown prelude, an unknown directive, an ignore without a reason and a directive that no ' +
      'block follows',
    () => {
      expect(at(bad, lineOf(BAD, 'prelude=nowhere'))).toEqual([
        expect.objectContaining({ kind: 'markdown', message: expect.stringContaining('no prelude "nowhere"') }),
      ]);
      expect(at(bad, lineOf(BAD, 'run-twice'))).toEqual([
        expect.objectContaining({ kind: 'markdown', message: expect.stringContaining('unknown doc-check directive') }),
      ]);
      expect(at(bad, lineOf(BAD, 'doc-check: ignore'))).toEqual([
        expect.objectContaining({ kind: 'markdown', message: expect.stringContaining('needs a reason') }),
      ]);
      expect(at(bad, lineOf(BAD, 'doc-check: skip-run'))).toEqual([
        expect.objectContaining({ kind: 'markdown', message: expect.stringContaining('just before') }),
      ]);
    },
  );

  it('fails a block that does not exit (so the stray skip-run above did not apply)', () => {
    const block = lineOf(BAD, 'never-exits');
    expect(at(bad, block)).toEqual([
      expect.objectContaining({ kind: 'run', message: expect.stringContaining('did not finish') }),
    ]);
  });

  it('reports nothing else for the bad page', () => {
    const expected = [
      'wrong-value',
      'type-error',
      'wrong-print',
      'unreached',
      'no-arrow',
      'not-an-expression',
      'not-a-statement',
      '// throws',
      'prelude=nowhere',
      'run-twice',
      'doc-check: ignore',
      'doc-check: skip-run',
      'never-exits',
    ];
    expect(bad.map((f) => f.line).sort((a, b) => a - b)).toEqual(
      expected.map((m) => lineOf(BAD, m)).sort((a, b) => a - b),
    );
  });
});

describe('the tsconfig of the doc blocks', () => {
  it('maps every entry point of package.json to src/, so a block can import any of them', () => {
    const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const entries = Object.keys(pkg.exports)
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? 'org-access-tokens' : `org-access-tokens/${key.slice(2)}`));
    // The paths are inherited from the root tsconfig: read them as TypeScript does, extends included.
    const config = ts.getParsedCommandLineOfConfigFile(
      BLOCKS_TSCONFIG,
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    );
    expect(Object.keys(config?.options.paths ?? {}).sort()).toEqual(entries.sort());
  });
});
