import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const EXAMPLES = join(root, 'docs/examples');

interface PackageJson {
  readonly exports: Readonly<Record<string, unknown>>;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly peerDependencies: Readonly<Record<string, string>>;
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
const ownNames = Object.keys(pkg.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? 'org-access-tokens' : `org-access-tokens/${key.slice(2)}`));

const exampleFiles = readdirSync(EXAMPLES, { withFileTypes: true, recursive: true })
  .filter((entry) => entry.isFile() && /\.[cm]?tsx?$/.test(entry.name))
  .map((entry) => join(entry.parentPath, entry.name));

/** What a user who copies `file` out of the repository would have to install for it, or cannot have. */
function foreignImports(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const installable = new Set([...ownNames, ...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]);
  return importedFiles
    .map((f) => f.fileName)
    .filter((name) => {
      // A sibling file of the same example travels with it; anything above docs/examples does not.
      if (name.startsWith('.')) return relative(EXAMPLES, resolve(file, '..', name)).startsWith('..');
      return !(name.startsWith('node:') || builtinModules.includes(name) || installable.has(name));
    });
}

describe('docs/examples', () => {
  it('import the package by its name, as a user who copies them would, never from src/', () => {
    expect(exampleFiles.length).toBeGreaterThan(0);
    for (const file of exampleFiles) expect(foreignImports(file), relative(root, file)).toEqual([]);
  });

  it('run from a fresh clone without a build: tsx maps the package names to src/ through tsconfig.json', () => {
    // The repository has no dist/ in CI before `npm run build`, so this resolves through the tsconfig paths alone.
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'docs/examples/quickstart.ts'], {
      cwd: root,
      encoding: 'utf8',
    });
    // execFileSync throws on a non-zero exit; the example got as far as a denied push.
    expect(out).toMatch(/^created /);
    expect(out).toContain('NO_MATCHING_GRANT');
  });
});
