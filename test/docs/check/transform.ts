/**
 * Turns one documentation block into a module the checker can type-check and
 * run: `expr; // → value` becomes an assertion, and every line keeps its
 * number so diagnostics and stack traces point back into the markdown.
 */
import ts from 'typescript';
import type { MarkdownBlock } from './markdown.js';

/** A `// →` comment turned into a check. */
export interface Assertion {
  /** Index within the block, as the runtime reports it. */
  readonly id: number;
  /** 1-based markdown line of the `// →` comment. */
  readonly line: number;
  /** `value`: deep equality with a JS expression; `printed`: what console.log prints, whitespace aside. */
  readonly kind: 'value' | 'printed';
  readonly expected: string;
}

/** Names a prelude exports, split so that types are imported as types. */
export interface PreludeExports {
  readonly specifier: string;
  readonly values: ReadonlyArray<string>;
  readonly types: ReadonlyArray<string>;
}

/** The module generated for a block. */
export interface GeneratedModule {
  readonly text: string;
  /** Markdown line of each generated line (index 0 is generated line 1). */
  readonly lines: ReadonlyArray<number>;
  readonly assertions: ReadonlyArray<Assertion>;
  readonly problems: ReadonlyArray<{ readonly line: number; readonly message: string }>;
}

const ARROW = /^\/\/\s*→\s?/;
/** A comment that reads like a result but has no arrow, so nothing would check it. */
const LOOKS_LIKE_RESULT = /^\/\/\s*([{['"`]|-?\d|(true|false|null|undefined)\b)/;
const RUNTIME = '__docCheck';

/** Every comment of the file, once, in order. */
function allComments(sf: ts.SourceFile): ts.CommentRange[] {
  const seen = new Map<number, ts.CommentRange>();
  const text = sf.text;
  const visit = (node: ts.Node): void => {
    for (const range of ts.getLeadingCommentRanges(text, node.pos) ?? []) seen.set(range.pos, range);
    for (const range of ts.getTrailingCommentRanges(text, node.end) ?? []) seen.set(range.pos, range);
    // getChildren includes tokens, so comments between any two tokens are found.
    for (const child of node.getChildren(sf)) visit(child);
  };
  visit(sf);
  return [...seen.values()].sort((a, b) => a.pos - b.pos);
}

/** Names the block declares at its top level: a prelude export of the same name would clash. */
export function topLevelNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings))
        for (const element of bindings.elements) names.add(element.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) bind(declaration.name);
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.add(statement.name.text);
    }
  }
  return names;
}

function parsesAsExpression(text: string): boolean {
  const out = ts.transpileModule(`const __value = (\n${text}\n);`, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022 },
  });
  return (out.diagnostics ?? []).length === 0;
}

/**
 * Builds the module for `block`. Line 1 holds the runtime and prelude imports,
 * the block follows unchanged in line count, and the expected values come last
 * as hoisted functions, each line mapped to its comment. Being at module
 * level, an expected value sees the block's top-level names only.
 */
export function transformBlock(
  block: MarkdownBlock,
  runtimeSpecifier: string,
  preludes: ReadonlyArray<PreludeExports>,
): GeneratedModule {
  const code = block.code;
  const sf = ts.createSourceFile('block.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line;
  const comments = allComments(sf);
  const commentText = (range: ts.CommentRange) => code.slice(range.pos, range.end);
  const consumed = new Set<number>();
  const problems: { line: number; message: string }[] = [];
  const assertions: Assertion[] = [];
  const edits: { pos: number; end: number; text: string }[] = [];
  const expectedFunctions: { line: number; text: string[] }[] = [];

  const visit = (node: ts.Node): void => {
    if (ts.isExpressionStatement(node)) checkStatement(node);
    ts.forEachChild(node, visit);
  };

  const checkStatement = (statement: ts.ExpressionStatement): void => {
    const endLine = lineOf(statement.end);
    // The comment on the statement's last line, or on the line after it.
    const after = comments.filter((c) => c.pos >= statement.end && c.kind === ts.SyntaxKind.SingleLineCommentTrivia);
    const first = after[0];
    if (first === undefined || lineOf(first.pos) > endLine + 1) return;
    if (code.slice(statement.end, first.pos).trim() !== '') return;
    const text = commentText(first);
    if (!ARROW.test(text)) {
      if (LOOKS_LIKE_RESULT.test(text)) {
        problems.push({
          line: lineOf(first.pos),
          message: `a result comment without "→" is never checked: write "// → value" (or reword it): ${text}`,
        });
      }
      return;
    }
    // Continuation: the `//` comments on the lines right after, up to a blank line or another arrow.
    const run = [first];
    for (const next of after.slice(1)) {
      const previous = run[run.length - 1] as ts.CommentRange;
      if (lineOf(next.pos) !== lineOf(previous.pos) + 1 || ARROW.test(commentText(next))) break;
      if (code.slice(previous.end, next.pos).trim() !== '') break;
      run.push(next);
    }
    const pieces = run.map((c, i) =>
      i === 0 ? commentText(c).replace(ARROW, '') : commentText(c).replace(/^\/\/ ?/, ''),
    );
    const id = assertions.length;
    const callee = ts.isCallExpression(statement.expression) ? statement.expression.expression : undefined;
    if (callee !== undefined && callee.getText(sf) === 'console.log') {
      run.forEach((c) => consumed.add(c.pos));
      const expected = pieces.join('\n');
      assertions.push({ id, line: lineOf(first.pos), kind: 'printed', expected });
      edits.push({
        pos: callee.getStart(sf),
        end: callee.end,
        text: `${RUNTIME}.printed(${id}, __docCheckExpected${id})`,
      });
      expectedFunctions.push({
        line: lineOf(first.pos),
        text: [`function __docCheckExpected${id}(): string { return ${JSON.stringify(expected)}; }`],
      });
      return;
    }
    // The value ends at the first line where it parses: a prose comment after it stays prose.
    let taken = 0;
    for (let n = 1; n <= pieces.length; n++) {
      if (parsesAsExpression(pieces.slice(0, n).join('\n'))) {
        taken = n;
        break;
      }
    }
    if (taken === 0) {
      consumed.add(first.pos);
      problems.push({
        line: lineOf(first.pos),
        message: `the value after "→" is not a JavaScript expression: ${pieces[0]?.trim() ?? ''}`,
      });
      return;
    }
    run.slice(0, taken).forEach((c) => consumed.add(c.pos));
    const expected = pieces.slice(0, taken);
    assertions.push({ id, line: lineOf(first.pos), kind: 'value', expected: expected.join('\n') });
    edits.push({
      pos: statement.expression.getStart(sf),
      end: statement.expression.getStart(sf),
      text: `${RUNTIME}.value(${id}, `,
    });
    edits.push({ pos: statement.expression.end, end: statement.expression.end, text: `, __docCheckExpected${id})` });
    expectedFunctions.push({
      line: lineOf(first.pos),
      text: [`function __docCheckExpected${id}(): unknown { return (`, ...expected, `); }`],
    });
  };
  visit(sf);

  for (const comment of comments) {
    if (ARROW.test(commentText(comment)) && !consumed.has(comment.pos)) {
      problems.push({
        line: lineOf(comment.pos),
        message: 'a "// →" comment must follow an expression statement (expr; // → value)',
      });
    }
  }

  let body = code;
  for (const edit of [...edits].sort((a, b) => b.pos - a.pos))
    body = body.slice(0, edit.pos) + edit.text + body.slice(edit.end);

  const declared = topLevelNames(sf);
  const header = [`import { ${RUNTIME} } from ${JSON.stringify(runtimeSpecifier)};`];
  for (const prelude of preludes) {
    const names = [
      ...prelude.values.filter((n) => !declared.has(n)),
      ...prelude.types.filter((n) => !declared.has(n)).map((n) => `type ${n}`),
    ];
    if (names.length > 0) header.push(`import { ${names.join(', ')} } from ${JSON.stringify(prelude.specifier)};`);
  }
  const toMarkdown = (blockLine: number) => block.line + blockLine;
  const bodyLines = body.split('\n');
  const text = [header.join(' '), ...bodyLines];
  const lines = [block.line - 1, ...bodyLines.map((_, i) => toMarkdown(i))];
  for (const fn of expectedFunctions) {
    fn.text.forEach((line, i) => {
      text.push(line);
      // The opening and closing lines map to the comment; the value lines to their own comment lines.
      lines.push(toMarkdown(fn.line + Math.max(0, Math.min(i - 1, fn.text.length - 3))));
    });
  }
  return {
    text: text.join('\n') + '\n',
    lines,
    assertions: assertions.map((a) => ({ ...a, line: toMarkdown(a.line) })),
    problems: problems.map((p) => ({ ...p, line: toMarkdown(p.line) })),
  };
}
