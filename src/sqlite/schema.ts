/**
 * The schema version this library reads and writes, recorded by `migrate` in
 * `oat_schema_version`. A database without that table has the unversioned
 * schema of 0.1 (version 0), which `migrate` upgrades, as it upgrades version
 * 1 (0.1 plus the version table). Version 2 adds `oat_tokens.organization_id`
 * and keys the quota counters and the listing index by it. Version 3 adds
 * `oat_tokens.allowed_networks` (JSON text, `'[]'` for existing tokens).
 * Version 4 adds `oat_rotated_secrets`, lets a rotation change
 * `oat_tokens.secret_hash` (with the version), and adds
 * `oat_tokens.recent_addresses` (JSON text, newest first, `'[]'` for
 * existing tokens).
 *
 * Invariant: a store serves only a database at exactly this version; it
 * refuses an older one (run `migrate`) and a newer or unknown one (upgrade
 * the library) at construction.
 */
export const SCHEMA_VERSION = 4;

const ALLOWED_NETWORKS_COLUMN = `allowed_networks TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(allowed_networks))`;

/**
 * Upgrades an `oat_tokens` of version 2 to version 3 inside `migrate`'s
 * transaction: existing tokens get an empty list of allowed networks (any
 * address). Its own step, so that later upgrades compose after it.
 */
export const SQLITE_UPGRADE_TO_3_SQL = `ALTER TABLE oat_tokens ADD COLUMN ${ALLOWED_NETWORKS_COLUMN};`;

/**
 * Upgrades a database of version 3 or older to version 4 inside `migrate`'s
 * transaction: the trigger that froze `secret_hash` is dropped so that
 * {@link SQLITE_SCHEMA_SQL} creates it again in its version-4 form (the hash
 * may change only with the version, as a rotation does), next to the new
 * `oat_rotated_secrets` table. Harmless on an empty database.
 */
export const SQLITE_UPGRADE_TO_4_SQL = `-- From version 3: rotated secrets
DROP TRIGGER IF EXISTS oat_tokens_fixed_owner;`;

const RECENT_ADDRESSES_COLUMN = `recent_addresses TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(recent_addresses))`;

/**
 * The other part of the upgrade to version 4, run by `migrate` when the column
 * is missing: existing tokens get an empty list of recent client addresses.
 */
export const SQLITE_UPGRADE_RECENT_ADDRESSES_SQL = `-- From version 3: recent client addresses
ALTER TABLE oat_tokens ADD COLUMN ${RECENT_ADDRESSES_COLUMN};`;

/** The token table's DDL under `name`: the one definition both a fresh schema and the upgrade to 2 use. */
function tokensTableSql(name: string, ifNotExists: string): string {
  return `CREATE TABLE ${ifNotExists}${name} (
  id              TEXT    NOT NULL PRIMARY KEY,
  organization_id TEXT    NOT NULL CHECK (organization_id <> ''),
  organization    TEXT    NOT NULL,
  label           TEXT    NOT NULL,
  description     TEXT    NOT NULL,
  created_by      TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  expires_at      INTEGER,
  last_used_at    INTEGER,
  state           TEXT    NOT NULL CHECK (state IN ('active', 'inactive', 'deleted')),
  resources       TEXT    NOT NULL CHECK (json_valid(resources)),
  secret_hash     TEXT    NOT NULL,
  display_prefix  TEXT    NOT NULL,
  version         INTEGER NOT NULL CHECK (version >= 1),
  ${ALLOWED_NETWORKS_COLUMN},
  ${RECENT_ADDRESSES_COLUMN}
) STRICT;`;
}

/**
 * Upgrades the `oat_tokens` of schema 0 or 1 (no `organization_id`) to
 * version 2 inside `migrate`'s transaction: the table is rebuilt with the
 * column, every row's id set to its organization name (hosts upgrading from
 * 0.1 give existing organizations ids equal to their names). Dropping the old table drops its indexes and
 * triggers; {@link SQLITE_SCHEMA_SQL} then creates them keyed by id. The
 * counters keep their rows: keyed by name before, by the same strings as ids after.
 */
export const SQLITE_UPGRADE_TO_2_SQL = `
${tokensTableSql('oat_tokens_v2', '')}
INSERT INTO oat_tokens_v2 (id, organization_id, organization, label, description, created_by, created_at, updated_at,
  expires_at, last_used_at, state, resources, secret_hash, display_prefix, version)
  SELECT id, organization, organization, label, description, created_by, created_at, updated_at, expires_at,
    last_used_at, state, resources, secret_hash, display_prefix, version FROM oat_tokens;
DROP TABLE oat_tokens;
ALTER TABLE oat_tokens_v2 RENAME TO oat_tokens;
`;

/**
 * The SQLite schema of the token store, idempotent (`IF NOT EXISTS`
 * throughout), as `migrate` runs it.
 *
 * Invariant: `oat_org_counters.live` equals the number of non-deleted rows of
 * each organization id in `oat_tokens` (the counter's `organization` column
 * holds the organization id since version 2). Triggers keep it in the same statement as
 * every insert, state change and hard delete, so no writer (this library, a
 * script, an operator at the `sqlite3` prompt) can let the two drift; the
 * `CHECK (live >= 0)` turns a drift that would go negative into an error.
 * Dates are epoch milliseconds (`INTEGER`), `resources` is JSON text.
 * `oat_schema_version` holds one row, the {@link SCHEMA_VERSION} `migrate`
 * wrote; `migrate` writes the row, not this SQL.
 */
export const SQLITE_SCHEMA_SQL = `
${tokensTableSql('oat_tokens', 'IF NOT EXISTS ')}

CREATE UNIQUE INDEX IF NOT EXISTS oat_tokens_secret_hash ON oat_tokens (secret_hash);
CREATE INDEX IF NOT EXISTS oat_tokens_organization_id_created ON oat_tokens (organization_id, created_at, id);

CREATE TABLE IF NOT EXISTS oat_org_counters (
  organization TEXT    NOT NULL PRIMARY KEY,
  live         INTEGER NOT NULL CHECK (live >= 0)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS oat_tokens_count_insert
AFTER INSERT ON oat_tokens WHEN NEW.state <> 'deleted'
BEGIN
  INSERT INTO oat_org_counters (organization, live) VALUES (NEW.organization_id, 1)
  ON CONFLICT (organization) DO UPDATE SET live = live + 1;
END;

CREATE TRIGGER IF NOT EXISTS oat_tokens_count_delete_state
AFTER UPDATE OF state ON oat_tokens WHEN OLD.state <> 'deleted' AND NEW.state = 'deleted'
BEGIN
  UPDATE oat_org_counters SET live = live - 1 WHERE organization = OLD.organization_id;
END;

CREATE TRIGGER IF NOT EXISTS oat_tokens_count_undelete_state
AFTER UPDATE OF state ON oat_tokens WHEN OLD.state = 'deleted' AND NEW.state <> 'deleted'
BEGIN
  INSERT INTO oat_org_counters (organization, live) VALUES (NEW.organization_id, 1)
  ON CONFLICT (organization) DO UPDATE SET live = live + 1;
END;

CREATE TRIGGER IF NOT EXISTS oat_tokens_count_purge
AFTER DELETE ON oat_tokens WHEN OLD.state <> 'deleted'
BEGIN
  UPDATE oat_org_counters SET live = live - 1 WHERE organization = OLD.organization_id;
END;

CREATE TRIGGER IF NOT EXISTS oat_tokens_fixed_owner
BEFORE UPDATE OF organization_id, organization, secret_hash ON oat_tokens
WHEN NEW.organization_id IS NOT OLD.organization_id OR NEW.organization IS NOT OLD.organization
  OR (NEW.secret_hash IS NOT OLD.secret_hash AND NEW.version IS OLD.version)
BEGIN
  SELECT RAISE(ABORT, 'oat_tokens: organization_id and organization never change, secret_hash only with the version');
END;

-- Secrets a rotation retired, kept until forget_at: logins in the grace, reuse detection after it.
CREATE TABLE IF NOT EXISTS oat_rotated_secrets (
  secret_hash   TEXT    NOT NULL PRIMARY KEY,
  token_id      TEXT    NOT NULL,
  rotated_at    INTEGER NOT NULL,
  grace_ends_at INTEGER NOT NULL,
  forget_at     INTEGER NOT NULL,
  CHECK (rotated_at <= grace_ends_at AND grace_ends_at <= forget_at)
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS oat_rotated_secrets_forget_at ON oat_rotated_secrets (forget_at);

CREATE TABLE IF NOT EXISTS oat_schema_version (
  singleton INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 1),
  version   INTEGER NOT NULL CHECK (version >= 1)
) STRICT;
`;

/**
 * Tables and triggers `migrate` creates for the tokens; checked by the store at construction, next to the schema
 * version.
 */
export const SQLITE_SCHEMA_OBJECTS: ReadonlyArray<string> = Object.freeze([
  'oat_tokens',
  'oat_tokens_secret_hash',
  'oat_tokens_organization_id_created',
  'oat_org_counters',
  'oat_tokens_count_insert',
  'oat_tokens_count_delete_state',
  'oat_tokens_count_undelete_state',
  'oat_tokens_count_purge',
  'oat_tokens_fixed_owner',
  'oat_rotated_secrets',
  'oat_rotated_secrets_forget_at',
]);
