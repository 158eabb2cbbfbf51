import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temp folder for database files, removed by `dispose`. */
export function tempFolder(label: string): { readonly dir: string; file(name: string): string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), `oat-sqlite-${label}-`));
  return { dir, file: (name) => join(dir, name), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Opens a connection the way the documentation recommends (better-sqlite3's default 5 s busy timeout). */
export function open(file: string): Database.Database {
  return new Database(file);
}
