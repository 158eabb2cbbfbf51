/**
 * The documentation checker: extracts the TypeScript blocks of markdown files,
 * type-checks them as one program against src/ (through the package names, no
 * build needed), runs the runnable ones with tsx, and reports each failure at
 * its markdown file and line.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { extractBlocks, type MarkdownBlock } from './markdown.js';
import type { RunReport } from './runtime.js';
import { transformBlock, type GeneratedModule, type PreludeExports } from './transform.js';

/** One thing wrong with the docs, at a markdown line (or a prelude's line). */
export interface DocFailure {
  readonly file: string;
  readonly line: number;
  readonly kind: 'markdown' | 'type' | 'assertion' | 'run';
  readonly message: string;
}

/** What a check did, and what failed. */
export interface DocCheckResult {
  readonly failures: ReadonlyArray<DocFailure>;
  readonly blocks: number;
  readonly ignored: number;
  readonly ran: number;
  readonly assertions: number;
}

/** What to check, and how long a block may run. */
export interface DocCheckOptions {
  /** The repository root; markdown paths are read and reported relative to it. */
  readonly root: string;
  readonly files: ReadonlyArray<string>;
  /** Per block; a block that outlives it (an open server) fails. Default 30 s. */
  readonly timeoutMs?: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));
/** The tsconfig of the extracted blocks: maps the package's names to src/. */
export const BLOCKS_TSCONFIG = resolve(HERE, '../tsconfig.blocks.json');
/** Where `<!-- doc-check: prelude=NAME -->` finds NAME.ts. */
export const PRELUDES_DIR = resolve(HERE, '../preludes');
const RUNTIME = resolve(HERE, 'runtime.ts');

interface Prepared {
  readonly block: MarkdownBlock;
  readonly path: string;
  readonly module: GeneratedModule;
}

function preludeExports(name: string, fromDir: string): PreludeExports | null {
  const path = join(PRELUDES_DIR, `${name}.ts`);
  if (!existsSync(path)) return null;
  const sf = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const values: string[] = [];
  const types: string[] = [];
  const exported = (node: ts.Node) =>
    ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const statement of sf.statements) {
    if (ts.isVariableStatement(statement) && exported(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) values.push(d.name.text);
    } else if (
      (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) &&
      exported(statement) &&
      statement.name
    ) {
      values.push(statement.name.text);
    } else if ((ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) && exported(statement)) {
      types.push(statement.name.text);
    } else if (
      ts.isExportDeclaration(statement) &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    ) {
      for (const element of statement.exportClause.elements)
        (statement.isTypeOnly || element.isTypeOnly ? types : values).push(element.name.text);
    }
  }
  const specifier = relative(fromDir, path).replace(/\.ts$/, '.js');
  return { specifier: specifier.startsWith('.') ? specifier : `./${specifier}`, values, types };
}

function typeCheck(prepared: ReadonlyArray<Prepared>, root: string): DocFailure[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    BLOCKS_TSCONFIG,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (config === undefined) throw new Error(`cannot read ${BLOCKS_TSCONFIG}`);
  const program = ts.createProgram({
    rootNames: [...config.fileNames, ...prepared.map((p) => p.path)],
    options: config.options,
  });
  const byPath = new Map(prepared.map((p) => [resolve(p.path), p]));
  return ts.getPreEmitDiagnostics(program).map((d): DocFailure => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined)
      return { file: relative(root, BLOCKS_TSCONFIG), line: 1, kind: 'type', message };
    const line = d.file.getLineAndCharacterOfPosition(d.start).line;
    const owner = byPath.get(resolve(d.file.fileName));
    if (owner === undefined) return { file: relative(root, d.file.fileName), line: line + 1, kind: 'type', message };
    return {
      file: owner.block.file,
      line: owner.module.lines[line] ?? owner.block.line,
      kind: 'type',
      message: `TS${d.code}: ${message}`,
    };
  });
}

function runOne(p: Prepared, cwd: string, timeoutMs: number): Promise<DocFailure[]> {
  const reportPath = p.path.replace(/\.ts$/, '.report.json');
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', p.path], {
      cwd,
      env: { ...process.env, TSX_TSCONFIG_PATH: BLOCKS_TSCONFIG, DOC_CHECK_REPORT: reportPath },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 64_000) stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      done([{ file: p.block.file, line: p.block.line, kind: 'run', message: `could not start: ${error.message}` }]);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done(judge(p, reportPath, code, signal, stderr, timeoutMs));
    });
  });
}

function judge(
  p: Prepared,
  reportPath: string,
  code: number | null,
  signal: NodeJS.Signals | null,
  stderr: string,
  timeoutMs: number,
): DocFailure[] {
  const at = (line: number, kind: DocFailure['kind'], message: string): DocFailure => ({
    file: p.block.file,
    line,
    kind,
    message,
  });
  if (signal !== null)
    return [
      at(
        p.block.line,
        'run',
        `did not finish within ${timeoutMs} ms (an open server or timer?); mark it skip-run if it is meant to ` +
          `keep running`,
      ),
    ];
  const report: RunReport | null = existsSync(reportPath)
    ? (JSON.parse(readFileSync(reportPath, 'utf8')) as RunReport)
    : null;
  const failures: DocFailure[] = [];
  const lineOfAssertion = (id: number) => p.module.assertions[id]?.line ?? p.block.line;
  for (const f of report?.failures ?? []) failures.push(at(lineOfAssertion(f.id), 'assertion', f.message));
  if (code !== 0) {
    // The first frame inside the block (tsx maps stack traces to the generated file's lines).
    const escaped = p.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const frame = new RegExp(`${escaped}:(\\d+):\\d+`).exec(stderr);
    const line = frame?.[1] === undefined ? p.block.line : (p.module.lines[Number(frame[1]) - 1] ?? p.block.line);
    // Node prints the failing source line first; the error's own line names its class.
    const lines = stderr.split('\n').map((l) => l.trim());
    const error = lines.find((l) => /^[A-Z]\w*(Error|Exception)\b/.test(l)) ?? lines.find((l) => l !== '') ?? '';
    failures.push(at(line, 'run', `exited with ${code}: ${error.trim()}`));
    return failures;
  }
  const reached = new Set(report?.reached ?? []);
  for (const a of p.module.assertions) {
    if (!reached.has(a.id))
      failures.push(at(a.line, 'assertion', 'never evaluated: the code before it took another path'));
  }
  return failures;
}

const slug = (block: MarkdownBlock) => `${block.file.replace(/[^A-Za-z0-9]+/g, '_')}_L${block.line}`;

/**
 * Checks every TypeScript block of `files`; never throws for what is wrong in
 * the docs. Blocks run one at a time, each in its own process with the
 * extracted files' directory as its working directory, which is removed
 * afterwards.
 */
export async function checkDocs(options: DocCheckOptions): Promise<DocCheckResult> {
  const { root } = options;
  const failures: DocFailure[] = [];
  const blocks: MarkdownBlock[] = [];
  for (const file of options.files) {
    const extracted = extractBlocks(file, readFileSync(resolve(root, file), 'utf8'));
    blocks.push(...extracted.blocks);
    failures.push(...extracted.problems.map((p): DocFailure => ({ ...p, kind: 'markdown' })));
  }
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(root, '.tmp', 'doc-check-'));
  try {
    const runtime = relative(dir, RUNTIME).replace(/\.ts$/, '.js');
    const prepared: Prepared[] = [];
    for (const block of blocks) {
      if (block.directives.ignored !== null) continue;
      const preludes: PreludeExports[] = [];
      for (const name of block.directives.preludes) {
        const found = preludeExports(name, dir);
        if (found === null)
          failures.push({
            file: block.file,
            line: block.directives.line ?? block.line,
            kind: 'markdown',
            message: `no prelude "${name}" in ${relative(root, PRELUDES_DIR)}`,
          });
        else preludes.push(found);
      }
      const module = transformBlock(block, runtime, preludes);
      failures.push(
        ...module.problems.map(
          (p): DocFailure => ({ file: block.file, line: p.line, kind: 'markdown', message: p.message }),
        ),
      );
      const path = join(dir, `${slug(block)}.ts`);
      writeFileSync(path, module.text);
      prepared.push({ block, path, module });
    }
    failures.push(...typeCheck(prepared, root));
    // One at a time: the blocks are small, and the machine is shared.
    const runnable = prepared.filter((p) => !p.block.directives.skipRun);
    for (const p of runnable) failures.push(...(await runOne(p, dir, options.timeoutMs ?? 30_000)));
    return {
      failures,
      blocks: blocks.length,
      ignored: blocks.length - prepared.length,
      ran: runnable.length,
      assertions: prepared.reduce((n, p) => n + p.module.assertions.length, 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
