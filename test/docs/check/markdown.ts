/**
 * Finds the TypeScript blocks of a markdown file and the `doc-check`
 * directives written just before them. Pure: text in, blocks and problems out.
 */

/** What a `<!-- doc-check: ... -->` comment asks for one block. */
export interface BlockDirectives {
  /** Prelude names, in order: modules under test/docs/preludes/ whose exports the block sees. */
  readonly preludes: ReadonlyArray<string>;
  /** Type-check only: the block needs a server, a database or a test runner. */
  readonly skipRun: boolean;
  /** Why the block is not checked at all, or `null` when it is. */
  readonly ignored: string | null;
  /** 1-based line of the directive comment, or `null` when the block has none. */
  readonly line: number | null;
}

/** One fenced TypeScript block. */
export interface MarkdownBlock {
  /** The markdown file, as given (relative paths read best in reports). */
  readonly file: string;
  /** 1-based line of the first code line (the line after the opening fence). */
  readonly line: number;
  /** The code, with the fence's indentation removed. */
  readonly code: string;
  readonly directives: BlockDirectives;
}

/** A problem in the markdown itself (a bad directive), with its place. */
export interface MarkdownProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const TYPESCRIPT = new Set(['ts', 'typescript']);
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
const DIRECTIVE = /^\s*<!--\s*doc-check:(.*?)-->\s*$/;

function parseDirective(body: string, line: number): { directives: BlockDirectives; problems: string[] } {
  const problems: string[] = [];
  const preludes: string[] = [];
  let skipRun = false;
  let ignored: string | null = null;
  // `ignore:` takes the rest of the comment as its reason, so it is split off before the tokens.
  const ignoreAt = body.search(/(^|\s)ignore\b/);
  const tokens = (ignoreAt === -1 ? body : body.slice(0, ignoreAt))
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '');
  if (ignoreAt !== -1) {
    const reason = /ignore\s*:?(.*)$/s.exec(body.slice(ignoreAt))?.[1]?.trim() ?? '';
    if (reason === '') problems.push('`ignore` needs a reason: <!-- doc-check: ignore: why this is not a program -->');
    ignored = reason;
  }
  for (const token of tokens) {
    const prelude = /^prelude=([a-z0-9-]+)$/.exec(token);
    if (prelude?.[1] !== undefined) preludes.push(prelude[1]);
    else if (token === 'skip-run') skipRun = true;
    else problems.push(`unknown doc-check directive "${token}" (known: prelude=<name>, skip-run, ignore: <reason>)`);
  }
  return { directives: { preludes, skipRun, ignored, line }, problems };
}

const NONE: BlockDirectives = { preludes: [], skipRun: false, ignored: null, line: null };

/**
 * Extracts every ```ts / ```typescript block of `text`, with the directive on
 * the last non-blank line before its fence. A directive that no TypeScript
 * block follows is a problem: it would silently stop applying.
 */
export function extractBlocks(file: string, text: string): { blocks: MarkdownBlock[]; problems: MarkdownProblem[] } {
  const lines = text.split(/\r?\n/);
  const blocks: MarkdownBlock[] = [];
  const problems: MarkdownProblem[] = [];
  let pending: { line: number; directives: BlockDirectives } | null = null;
  const dropPending = () => {
    if (pending !== null)
      problems.push({ file, line: pending.line, message: 'a doc-check directive must come just before a ```ts block' });
    pending = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const directive = DIRECTIVE.exec(line);
    if (directive !== null) {
      dropPending();
      const parsed = parseDirective(directive[1] ?? '', i + 1);
      for (const message of parsed.problems) problems.push({ file, line: i + 1, message });
      pending = { line: i + 1, directives: parsed.directives };
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence === null) {
      if (line.trim() !== '') dropPending();
      continue;
    }
    const [, indent = '', marks = '', language = ''] = fence;
    // The closing fence: same character, at least as long, nothing after it.
    const close = new RegExp(`^\\s*${marks[0] === '`' ? '`' : '~'}{${marks.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end] ?? '')) end++;
    if (TYPESCRIPT.has(language.toLowerCase())) {
      const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
      blocks.push({ file, line: i + 2, code: body.join('\n'), directives: pending?.directives ?? NONE });
      pending = null;
    } else {
      dropPending();
    }
    i = end;
  }
  dropPending();
  return { blocks, problems };
}
