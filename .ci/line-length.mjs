#!/usr/bin/env node
// Fails when a source line is longer than 120 characters. Biome formats code to that width but leaves comments,
// strings and template literals alone, so this check covers what the formatter cannot.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const LIMIT = 120;
const root = new URL('..', import.meta.url).pathname;
const roots = ['src', 'test', '.ci', 'docs'];
const extensions = /\.(?:ts|mts|cts|mjs|cjs|js)$/;
const skipped = new Set(['node_modules', 'dist', 'api']);

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skipped.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (extensions.test(entry.name)) yield path;
  }
}

const long = [];
for (const top of roots) {
  for (const file of files(join(root, top))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (line.length > LIMIT) long.push(`${relative(root, file)}:${index + 1}: ${line.length} characters`);
      });
  }
}
if (long.length > 0) {
  console.error(`line-length: ${long.length} lines over ${LIMIT} characters:\n${long.join('\n')}`);
  process.exit(1);
}
console.log(`line-length: no line over ${LIMIT} characters`);
