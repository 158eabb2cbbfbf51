import type Database from 'better-sqlite3';
import { requireConnection, retryWhileBusy, setupFailure } from './faults.js';
import { SCHEMA_VERSION, SQLITE_SCHEMA_SQL } from './schema.js';
import { readSchemaVersion, recordSchemaVersion, refuseUnknownVersion } from './version.js';

/** Default `busy_timeout` {@link migrate} sets when the connection has none: how long a writer waits for the lock. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Prepares a database for the token store: WAL journal mode, a
 * `busy_timeout` on this connection when it had none, and
 * {@link SQLITE_SCHEMA_SQL} and the {@link SCHEMA_VERSION} in one
 * `BEGIN IMMEDIATE` transaction.
 *
 * Idempotent: running it again, or from several processes at once, changes
 * nothing more. WAL is a property of the file and persists; `busy_timeout`
 * is per connection, and better-sqlite3 already sets 5000 ms unless opened
 * with `timeout: 0`. An in-memory database stays in its `memory` journal
 * mode. Upgrades a database of an older schema version (0.1 recorded none);
 * refuses one whose version is newer than this library's or unknown with
 * `MISCONFIGURED` naming both versions, changing nothing.
 *
 * Concurrency: every step waits for other connections for up to the
 * connection's `busy_timeout`, the switch to WAL included (SQLite itself
 * gives up on that one at once, so `migrate` retries it). Throws `OatError`:
 * `MISCONFIGURED` for a closed or read-only connection or a file that is not
 * a database, `STORE_FAILURE` (the SQLite code in `context.driverCode`) for
 * any other fault, such as `SQLITE_BUSY` past the timeout.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * import { createSqliteTokenStore, migrate } from 'org-access-tokens/sqlite';
 *
 * const db = new Database('tokens.db');
 * migrate(db);
 * const store = createSqliteTokenStore(db);
 * ```
 */
export function migrate(db: Database.Database): void {
  requireConnection(db, 'migrate');
  try {
    if (Number(db.pragma('busy_timeout', { simple: true })) <= 0) db.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
    const timeoutMs = Number(db.pragma('busy_timeout', { simple: true }));
    // Outside any transaction: SQLite refuses to change the journal mode inside one.
    if (!db.memory) retryWhileBusy(timeoutMs, () => db.pragma('journal_mode = WAL'));
    db.transaction(() => {
      const found = readSchemaVersion(db);
      refuseUnknownVersion(found, 'migrate');
      db.exec(SQLITE_SCHEMA_SQL);
      // Version 0 (0.1) has the same tables and triggers: recording the version is the whole upgrade.
      if (found !== SCHEMA_VERSION) recordSchemaVersion(db);
    }).immediate();
  } catch (error) {
    throw setupFailure('migrate', error);
  }
}
