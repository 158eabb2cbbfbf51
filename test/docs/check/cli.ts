/**
 * `npm run docs:check [files...]`: checks the TypeScript blocks of README.md
 * and docs/ (or of the files given) and exits non-zero on any failure.
 */
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkDocs } from './check.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

function markdownUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

const args = process.argv.slice(2);
const files = args.length > 0 ? args.map((f) => relative(root, resolve(f))) : ['README.md', ...markdownUnder('docs')];
const result = await checkDocs({ root, files });
for (const f of result.failures) console.error(`${f.file}:${f.line}: ${f.kind}: ${f.message}`);
console.log(
  `doc-check: ${files.length} files, ${result.blocks} TypeScript blocks (${result.ignored} ignored), ${result.ran} run, ${result.assertions} "// →" assertions, ${result.failures.length} failures`,
);
process.exitCode = result.failures.length === 0 ? 0 : 1;
