// Writes test/exports/<entry>.txt, the pinned public surface of each package.json entry, from the sources.
// Run it (`npm run exports:pin`) only when a change to the surface is deliberate, and say so in CHANGELOG.md.
import { writeFileSync } from 'node:fs';
import { declaredExports, pinFile } from '../test/support/export-list.js';

for (const [entry, lines] of declaredExports()) {
  writeFileSync(pinFile(entry), `${lines.join('\n')}\n`);
  console.log(`${entry}: ${lines.length} names, ${lines.filter((l) => l.startsWith('value ')).length} values`);
}
