import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// What a consumer's compiler reads: the declarations of every entry, emitted in memory as `tsc --declaration`
// would, and every module they reach. A package named there must be one the consumer installs by choice (a peer
// dependency of the entry it imports) or Node's own; a runtime dependency's types (date-fns' `Duration` gave a
// CommonJS consumer with skipLibCheck: false 246 errors) must never be. .ci/consumer-types.sh checks the built
// dist the same way, with a real consumer.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  peerDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
};
const ENTRIES = [
  'src/index.ts',
  'src/hub-api/index.ts',
  'src/registry/index.ts',
  'src/sqlite/index.ts',
  'src/postgres/index.ts',
  'src/testing/index.ts',
].map((f) => join(ROOT, f));

/**
 * Every module specifier a declaration file names: imports, re-exports, `import('x')` types, `/// <reference types>`.
 */
function specifiersOf(fileName: string, text: string): string[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found = file.typeReferenceDirectives.map((ref) => ref.fileName);
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push(node.argument.literal.text);
    } else if (ts.isExternalModuleReference(node) && ts.isStringLiteral(node.expression)) {
      found.push(node.expression.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The declarations of `ENTRIES` and of every module they reach, by file name, emitted in memory. */
function emitDeclarations(): Map<string, string> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (config === undefined) throw new Error('tsconfig.json could not be read');
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    outDir: join(ROOT, '.tmp/dts'),
    rootDir: ROOT,
  };
  const out = new Map<string, string>();
  const result = ts.createProgram(ENTRIES, options).emit(undefined, (name, text) => out.set(resolve(name), text));
  if (result.diagnostics.length > 0)
    throw new Error(
      ts.formatDiagnostics(result.diagnostics, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => ROOT,
        getNewLine: () => '\n',
      }),
    );
  return out;
}

/** Bare specifiers reachable from each entry's declarations, with the declaration file that names each. */
function reachablePackages(declarations: Map<string, string>): Map<string, string> {
  const dtsOf = (source: string) => join(ROOT, '.tmp/dts', source.slice(ROOT.length + 1)).replace(/\.ts$/, '.d.ts');
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = ENTRIES.map(dtsOf);
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = declarations.get(file);
    if (text === undefined) throw new Error(`no declaration emitted for ${file}`);
    for (const specifier of specifiersOf(file, text)) {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier.replace(/\.js$/, '.d.ts')));
      else if (!packages.has(specifier)) packages.set(specifier, file.slice(ROOT.length + 1));
    }
  }
  return packages;
}

describe('the public declarations', () => {
  it("name no runtime dependency's types: only Node's modules, peer dependencies and the package itself", () => {
    const allowed = (specifier: string): boolean =>
      specifier.startsWith('node:') ||
      specifier === pkg.name ||
      specifier.startsWith(`${pkg.name}/`) ||
      Object.hasOwn(pkg.peerDependencies ?? {}, specifier);
    const named = reachablePackages(emitDeclarations());
    // The check is only worth something if it sees the packages the entries do expose.
    expect([...named.keys()]).toEqual(expect.arrayContaining(['better-sqlite3', 'pg', 'fast-check']));
    const offending = [...named]
      .filter(([specifier]) => !allowed(specifier))
      .map(([specifier, file]) => `${specifier} (named in ${file})`);
    expect(offending).toEqual([]);
  }, 120_000);
});
