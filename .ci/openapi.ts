/**
 * Writes docs/openapi.json from `createOpenApiDocument()` (`npm run docs:openapi`);
 * with `--check`, writes nothing and fails when the file is not what the
 * generator gives now (CI: .ci/run).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createOpenApiDocument } from '../src/hub-api/index.js';

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
const generated = `${JSON.stringify(createOpenApiDocument(), null, 2)}\n`;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // A missing file is out of date like any other.
  }
  if (current !== generated) {
    process.stderr.write(
      'docs/openapi.json is not what createOpenApiDocument() gives: run `npm run docs:openapi` and commit the ' +
        'result.\n',
    );
    process.exit(1);
  }
  process.stdout.write('docs/openapi.json is current.\n');
} else {
  writeFileSync(target, generated);
  process.stdout.write('wrote docs/openapi.json\n');
}
