import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { isOatError, type OatError } from '../../src/errors.js';

/** A temp folder for database files, removed by `dispose`. */
export function tempFolder(label: string): { readonly dir: string; file(name: string): string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), `oat-sqlite-${label}-`));
  return { dir, file: (name) => join(dir, name), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Opens a connection the way the documentation recommends (better-sqlite3's default 5 s busy timeout). */
export function open(file: string): Database.Database {
  return new Database(file);
}

/**
 * Database files for one test file: `connect` opens one (a fresh file unless
 * told which) and every connection is closed after each test, the folder
 * removed after the file. Call at module level: it registers vitest hooks.
 */
export function databaseFiles(label: string): {
  readonly folder: ReturnType<typeof tempFolder>;
  connect(file?: string, options?: Database.Options): Database.Database;
  /** A fresh file name in the folder, never opened. */
  fresh(prefix: string): string;
} {
  const folder = tempFolder(label);
  const opened: Database.Database[] = [];
  let files = 0;
  afterEach(() => {
    for (const db of opened.splice(0)) if (db.open) db.close();
  });
  afterAll(() => folder.dispose());
  const fresh = (prefix: string): string => folder.file(`${prefix}-${++files}.db`);
  return {
    folder,
    fresh,
    connect(file = fresh('db'), options?: Database.Options): Database.Database {
      const db = new Database(file, options);
      opened.push(db);
      return db;
    },
  };
}

/** What `run` threw, which must be an OatError: a raw SqliteError or TypeError fails the test here. */
export function thrown(run: () => unknown): OatError {
  try {
    run();
  } catch (error) {
    if (isOatError(error)) return error;
    throw new Error(`expected an OatError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a throw');
}

/** What `promise` rejected with, which must be an OatError. */
export async function rejection(promise: Promise<unknown>): Promise<OatError> {
  try {
    await promise;
  } catch (error) {
    if (isOatError(error)) return error;
    throw new Error(`expected an OatError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection');
}
