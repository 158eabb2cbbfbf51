import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, declaredExports, entrySources, pinFile } from '../support/export-list.js';

// Every entry's export list is pinned in test/exports/<entry>.txt, so a change to the public surface is always
// deliberate: after one, `npm run exports:pin` rewrites the lists and the diff shows it in review.

const pinned = (entry: string): string[] =>
  readFileSync(pinFile(entry), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
const declared = declaredExports();

describe('the public surface of each entry', () => {
  it('has one pinned list per package.json entry and no list for an entry that is gone', () => {
    const lists = readdirSync(join(ROOT, 'test/exports'))
      .filter((f) => f.endsWith('.txt'))
      .map((f) => f.slice(0, -4));
    expect(lists.sort()).toEqual([...entrySources().keys()].sort());
  });

  for (const [entry, source] of entrySources()) {
    it(`${entry}: its declared values and types are exactly the pinned list`, () => {
      expect(existsSync(pinFile(entry))).toBe(true);
      expect(declared.get(entry)).toEqual(pinned(entry));
    });

    it(`${entry}: what the module holds at run time is exactly the pinned values`, async () => {
      const module = (await import(source)) as Record<string, unknown>;
      const values = pinned(entry)
        .filter((line) => line.startsWith('value '))
        .map((line) => line.slice('value '.length));
      expect(Object.keys(module).sort()).toEqual(values.sort());
    });
  }
});
