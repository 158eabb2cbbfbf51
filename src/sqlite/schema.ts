import type Database from 'better-sqlite3';

/**
 * The SQLite schema of the token store, idempotent (`IF NOT EXISTS`
 * throughout), as {@link migrate} runs it.
 *
 * Invariant: `oat_org_counters.live` equals the number of non-deleted rows of
 * each organization in `oat_tokens`. Triggers keep it in the same statement as
 * every insert, state change and hard delete, so no writer (this library, a
 * script, an operator at the `sqlite3` prompt) can let the two drift; the
 * `CHECK (live >= 0)` turns a drift that would go negative into an error.
 * Dates are epoch milliseconds (`INTEGER`), `resources` is JSON text.
 */
export const SQLITE_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS oat_tokens (
  id             TEXT    NOT NULL PRIMARY KEY,
  organization   TEXT    NOT NULL,
  label          TEXT    NOT NULL,
  description    TEXT    NOT NULL,
  created_by     TEXT    NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  expires_at     INTEGER,
  last_used_at   INTEGER,
  state          TEXT    NOT NULL CHECK (state IN ('active', 'inactive', 'deleted')),
  resources      TEXT    NOT NULL CHECK (json_valid(resources)),
  secret_hash    TEXT    NOT NULL,
  display_prefix TEXT    NOT NULL,
  version        INTEGER NOT NULL CHECK (version >= 1)
) STRICT;

CREATE UNIQUE INDEX IF NOT EXISTS oat_tokens_secret_hash ON oat_tokens (secret_hash);
CREATE INDEX IF NOT EXISTS oat_tokens_organization_created ON oat_tokens (organization, created_at, id);

CREATE TABLE IF NOT EXISTS oat_org_counters (
  organization TEXT    NOT NULL PRIMARY KEY,
  live         INTEGER NOT NULL CHECK (live >= 0)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS oat_tokens_count_insert
AFTER INSERT ON oat_tokens WHEN NEW.state <> 'deleted'
BEGIN
  INSERT INTO oat_org_counters (organization, live) VALUES (NEW.organization, 1)
  ON CONFLICT (organization) DO UPDATE SET live = live + 1;
END;

CREATE TRIGGER IF NOT EXISTS oat_tokens_count_delete_state
AFTER UPDATE OF state ON oat_tokens WHEN OLD.state <> 'deleted' AND NEW.state = 'deleted'
BEGIN
  UPDATE oat_org_counters SET live = live - 1 WHERE organization = OLD.organization;
END;

CREATE TRIGGER IF NOT EXISTS oat_tokens_count_undelete_state
AFTER UPDATE OF state ON oat_tokens WHEN OLD.state = 'deleted' AND NEW.state <> 'deleted'
BEGIN
  INSERT INTO oat_org_counters (organization, live) VALUES (NEW.organization, 1)
  ON CONFLICT (organization) DO UPDATE SET live = live + 1;
END;

CREATE TRIGGER IF NOT EXISTS oat_tokens_count_purge
AFTER DELETE ON oat_tokens WHEN OLD.state <> 'deleted'
BEGIN
  UPDATE oat_org_counters SET live = live - 1 WHERE organization = OLD.organization;
END;

CREATE TRIGGER IF NOT EXISTS oat_tokens_fixed_owner
BEFORE UPDATE OF organization, secret_hash ON oat_tokens
WHEN NEW.organization IS NOT OLD.organization OR NEW.secret_hash IS NOT OLD.secret_hash
BEGIN
  SELECT RAISE(ABORT, 'oat_tokens: organization and secret_hash never change');
END;
`;

/** Tables and triggers {@link migrate} creates; checked by the store at construction. */
export const SQLITE_SCHEMA_OBJECTS: ReadonlyArray<string> = Object.freeze([
  'oat_tokens',
  'oat_tokens_secret_hash',
  'oat_tokens_organization_created',
  'oat_org_counters',
  'oat_tokens_count_insert',
  'oat_tokens_count_delete_state',
  'oat_tokens_count_undelete_state',
  'oat_tokens_count_purge',
  'oat_tokens_fixed_owner',
]);

/** Default `busy_timeout` {@link migrate} sets when the connection has none: how long a writer waits for the lock. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Prepares a database for the token store: WAL journal mode, a
 * `busy_timeout` on this connection when it had none, and
 * {@link SQLITE_SCHEMA_SQL} in one `BEGIN IMMEDIATE` transaction.
 *
 * Idempotent: running it again, or from several processes at once, changes
 * nothing more. WAL is a property of the file and persists; `busy_timeout` is
 * per connection, and better-sqlite3 already sets 5000 ms unless opened with
 * `timeout: 0`. An in-memory database stays in its `memory` journal mode.
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
  if (Number(db.pragma('busy_timeout', { simple: true })) <= 0) db.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
  // Outside any transaction: SQLite refuses to change the journal mode inside one.
  if (!db.memory) db.pragma('journal_mode = WAL');
  db.transaction(() => db.exec(SQLITE_SCHEMA_SQL)).immediate();
}
