import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
/** Where README links point into the repository: npm shows the README without the docs, so links must be absolute. */
const REPOSITORY_FILES = 'https://github.com/org-access-tokens/org-access-tokens/blob/main/';

/** The targets of the inline links, images and link definitions of a markdown text, outside code. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? '');
  const definitions = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/gm)].map((m) => m[1] ?? '');
  return [...inline, ...definitions];
}

const section = (title: string): string => {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start === -1) throw new Error(`README has no "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
};

describe('README.md, as the repository host and the npm page both show it', () => {
  it('links only to absolute URLs, so that no link breaks on the npm page', () => {
    const targets = linkTargets(readme);
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((t) => !/^https:\/\//.test(t))).toEqual([]);
  });

  it('links into the repository only to files that exist on its main branch layout', () => {
    const missing = linkTargets(readme)
      .filter((t) => t.startsWith(REPOSITORY_FILES))
      .map((t) => decodeURIComponent(t.slice(REPOSITORY_FILES.length).replace(/#.*$/, '')))
      .filter((path) => !existsSync(resolve(root, path)));
    expect(missing).toEqual([]);
  });

  it('links to the contributor guide and the API reference', () => {
    const targets = linkTargets(readme);
    expect(targets).toContain(`${REPOSITORY_FILES}docs/CONTRIBUTING.md`);
    expect(targets).toContain(`${REPOSITORY_FILES}docs/api/README.md`);
  });

  it('tells a user how to install it and which optional peer each entry needs', () => {
    const install = section('Install');
    expect(install).toContain('npm i org-access-tokens');
    for (const [entry, peers] of [
      ['org-access-tokens/sqlite', ['better-sqlite3']],
      ['org-access-tokens/postgres', ['pg']],
      ['org-access-tokens/testing', ['fast-check', 'vitest']],
    ] as const) {
      const row = install.split('\n').find((line) => line.startsWith(`| \`${entry}\``));
      expect(row, entry).toBeDefined();
      for (const peer of peers) expect(row, entry).toContain(`\`${peer}\``);
    }
  });

  it('keeps the two set-up commands of a fresh clone: the example on the in-memory default, and the tests', () => {
    const setup = section('Set-up');
    expect(setup).toContain('npm ci && npm run example');
    expect(setup).toMatch(/^npm test\b/m);
  });

  it('finds links in prose and definitions but not in code', () => {
    expect(
      linkTargets('[a](x.md) ![b](https://i/y.png "t")\n[c]: <z.md>\n`[d](no.md)`\n```md\n[e](no.md)\n```\n'),
    ).toEqual(['x.md', 'https://i/y.png', 'z.md']);
  });
});
