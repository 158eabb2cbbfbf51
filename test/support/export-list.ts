import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

// The public surface of each package.json entry, as a consumer's compiler sees it: one line per exported name,
// `value <name>` for what exists at run time (it also has a type when it is a class or enum) and `type <name>`
// for what exists only to the compiler. test/exports/<entry>.txt pins it; .ci/exports.ts writes it.

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** Each package.json entry's source, by entry name (`.` is `index`); tsconfig.json's `paths` say which is which. */
export function entrySources(): ReadonlyMap<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, unknown>;
  };
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile).config as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  const out = new Map<string, string>();
  for (const key of Object.keys(pkg.exports)) {
    if (key === './package.json') continue;
    const specifier = key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`;
    const source = config.compilerOptions.paths[specifier]?.[0];
    if (source === undefined) throw new Error(`tsconfig.json has no path for ${specifier}`);
    out.set(key === '.' ? 'index' : key.slice(2), join(ROOT, source));
  }
  return out;
}

/** The sorted `value <name>` / `type <name>` lines of every entry, read with the TypeScript compiler. */
export function declaredExports(): ReadonlyMap<string, readonly string[]> {
  const sources = entrySources();
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (parsed === undefined) throw new Error('tsconfig.json could not be read');
  const program = ts.createProgram([...sources.values()], parsed.options);
  const checker = program.getTypeChecker();
  const out = new Map<string, readonly string[]>();
  for (const [entry, file] of sources) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (moduleSymbol === undefined) throw new Error(`${file} is not a module`);
    const lines = checker.getExportsOfModule(moduleSymbol).map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      // `export type { X }` of a class is a type only to a consumer, whatever X is where it is declared.
      const typeOnly = symbol.declarations?.some((d) => ts.isTypeOnlyExportDeclaration(d)) ?? false;
      return `${!typeOnly && target.flags & ts.SymbolFlags.Value ? 'value' : 'type'} ${symbol.name}`;
    });
    out.set(entry, lines.sort());
  }
  return out;
}

/** Where an entry's pinned list lives. */
export function pinFile(entry: string): string {
  return join(ROOT, 'test/exports', `${entry}.txt`);
}
