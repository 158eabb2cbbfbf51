import type Database from 'better-sqlite3';
import { OatError } from '../errors.js';
import { SCHEMA_VERSION } from './schema.js';

const SQL = {
  table: `SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'oat_schema_version'`,
  read: `SELECT version FROM oat_schema_version WHERE singleton = 1`,
  record:
    `INSERT INTO oat_schema_version (singleton, version) VALUES (1, ?) ON CONFLICT (singleton) DO ` +
    `UPDATE SET version = excluded.version`,
} as const;

/**
 * The schema version recorded in `db`: 0 when there is no version table (an
 * empty database, or the unversioned schema of 0.1), `null` when the table
 * holds no usable version.
 */
export function readSchemaVersion(db: Database.Database): number | null {
  if (db.prepare(SQL.table).get() === undefined) return 0;
  // Numbers even on a connection that reads integers as bigint (`defaultSafeIntegers`).
  const version: unknown = db.prepare(SQL.read).pluck().safeIntegers(false).get();
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 1 ? version : null;
}

/** Records {@link SCHEMA_VERSION}; `migrate` calls it inside its transaction, after the schema is in place. */
export function recordSchemaVersion(db: Database.Database): void {
  db.prepare(SQL.record).run(SCHEMA_VERSION);
}

/**
 * Throws `MISCONFIGURED` when `found` is a version this library cannot read
 * or write (newer than {@link SCHEMA_VERSION}, or unknown), naming both
 * versions: a newer schema may have moved what this code relies on, so
 * neither the store nor `migrate` touches it.
 */
export function refuseUnknownVersion(found: number | null, operation: string): void {
  if (found !== null && found <= SCHEMA_VERSION) return;
  const context = { operation, databaseVersion: found, libraryVersion: SCHEMA_VERSION };
  if (found === null) {
    throw new OatError(
      'MISCONFIGURED',
      `database schema version is unknown (oat_schema_version holds no version); this library's is ${SCHEMA_VERSION}`,
      { context },
    );
  }
  throw new OatError(
    'MISCONFIGURED',
    `database schema version ${found} is newer than this library's ${SCHEMA_VERSION}: upgrade ` +
      `org-access-tokens to use this database`,
    { context },
  );
}
