/**
 * `npm run docs:check [files...]`: checks the TypeScript blocks of README.md
 * and docs/ (all but the generated docs/api), or of the files given, and exits
 * non-zero on any failure.
 */
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkDocs } from './check.js';
import { documentationFiles } from './files.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

const args = process.argv.slice(2);
const files = args.length > 0 ? args.map((f) => relative(root, resolve(f))) : documentationFiles(root);
const result = await checkDocs({ root, files });
for (const f of result.failures) console.error(`${f.file}:${f.line}: ${f.kind}: ${f.message}`);
console.log(
  `doc-check: ${files.length} files, ${result.blocks} TypeScript blocks (${result.ignored} ignored), ` +
    `${result.ran} run, ${result.assertions} "// →" assertions, ${result.failures.length} failures`,
);
process.exitCode = result.failures.length === 0 ? 0 : 1;
