import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const REPOSITORY = 'https://github.com/org-access-tokens/org-access-tokens';

interface PackageJson {
  readonly license: string;
  readonly author: string;
  readonly repository: { readonly type: string; readonly url: string };
  readonly homepage: string;
  readonly bugs: { readonly url: string };
  readonly files: ReadonlyArray<string>;
}

const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as PackageJson;

describe('the package a user installs', () => {
  it('names its repository, home page, issue tracker and author, so that npm can link to them', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: `git+${REPOSITORY}.git` });
    expect(pkg.homepage).toBe(`${REPOSITORY}#readme`);
    expect(pkg.bugs).toEqual({ url: `${REPOSITORY}/issues` });
    expect(pkg.author).toBe('org-access-tokens contributors');
  });

  it('has a LICENSE whose text is the license its package.json names', () => {
    expect(pkg.license).toBe('MIT');
    const text = readFileSync(resolve(root, 'LICENSE'), 'utf8');
    expect(text.split('\n')[0]).toBe('MIT License');
    expect(text).toContain('org-access-tokens contributors');
    expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });

  it('packs LICENSE, README.md, CHANGELOG.md and package.json, and nothing from src/, test/ or .ci/', () => {
    // --dry-run lists what `npm publish` would ship without writing a tarball; dist/ is listed only once built.
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
    });
    const [packed] = JSON.parse(out) as [{ files: ReadonlyArray<{ path: string }> }];
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']));
    expect(paths.filter((p) => /^(src|test|\.ci|docs)\//.test(p))).toEqual([]);
    expect(pkg.files).toContain('LICENSE');
  });
});

describe('the top level of the repository', () => {
  // The agreed set: sources, tests, docs, the manifest and its lockfile, the two build configs, the two
  // top-level documents hosts look for, LICENSE, and dotfiles (tool configuration, .ci/).
  // vitest.config.ts stays: vitest finds its config only by walking up from the working directory.
  const ALLOWED = new Set([
    'src',
    'test',
    'docs',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsup.config.ts',
    'vitest.config.ts',
    'CHANGELOG.md',
    'README.md',
    'LICENSE',
  ]);

  it('holds only the agreed files and dotfiles: scripts live under .ci/', () => {
    // Tracked and untracked-but-not-ignored files: what a commit could add, not node_modules or dist.
    const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    });
    const top = new Set(
      listed
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split('/')[0] ?? line),
    );
    expect([...top].filter((name) => !name.startsWith('.') && !ALLOWED.has(name)).sort()).toEqual([]);
  });

  it('ignores build output and scratch space: dist/ and .tmp/', () => {
    for (const path of ['dist/index.js', '.tmp/scratch.txt']) {
      // check-ignore exits 0 when the path is ignored, and throws here otherwise.
      expect(execFileSync('git', ['check-ignore', '--no-index', path], { cwd: root, encoding: 'utf8' }).trim()).toBe(
        path,
      );
    }
  });
});
