import type Database from 'better-sqlite3';
import { requireConnection, retryWhileBusy, setupFailure } from './faults.js';
import {
  SCHEMA_VERSION,
  SQLITE_SCHEMA_SQL,
  SQLITE_UPGRADE_TO_2_SQL,
  SQLITE_UPGRADE_TO_3_SQL,
  SQLITE_UPGRADE_RECENT_ADDRESSES_SQL,
  SQLITE_UPGRADE_TO_4_SQL,
} from './schema.js';
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
 * mode. Upgrades a database of an older schema version (0.1 recorded none):
 * from before version 2, every token's `organization_id` becomes its
 * organization name, so the host's directory must give those organizations
 * ids equal to their names;
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
    if (Number(db.pragma('busy_timeout', { simple: true })) <= 0)
      db.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
    const timeoutMs = Number(db.pragma('busy_timeout', { simple: true }));
    // Outside any transaction: SQLite refuses to change the journal mode inside one.
    if (!db.memory) retryWhileBusy(timeoutMs, () => db.pragma('journal_mode = WAL'));
    db.transaction(() => {
      const found = readSchemaVersion(db);
      refuseUnknownVersion(found, 'migrate');
      // Versions 0 (0.1) and 1 have the same token table, without organization_id: rebuild it with the column.
      if (tokensLackOrganizationId(db)) db.exec(SQLITE_UPGRADE_TO_2_SQL);
      if (tokensLackColumn(db, 'allowed_networks')) db.exec(SQLITE_UPGRADE_TO_3_SQL);
      if (found !== SCHEMA_VERSION) db.exec(SQLITE_UPGRADE_TO_4_SQL);
      if (tokensLackColumn(db, 'recent_addresses')) db.exec(SQLITE_UPGRADE_RECENT_ADDRESSES_SQL);
      db.exec(SQLITE_SCHEMA_SQL);
      if (found !== SCHEMA_VERSION) recordSchemaVersion(db);
    }).immediate();
  } catch (error) {
    throw setupFailure('migrate', error);
  }
}

/** True when an `oat_tokens` table exists without the `organization_id` column of version 2. */
function tokensLackOrganizationId(db: Database.Database): boolean {
  return tokensLackColumn(db, 'organization_id');
}

/** True when an `oat_tokens` table exists without `column`. */
function tokensLackColumn(db: Database.Database, column: string): boolean {
  const columns = db.prepare(`SELECT name FROM pragma_table_info('oat_tokens')`).pluck().all() as string[];
  return columns.length > 0 && !columns.includes(column);
}
