import type Database from 'better-sqlite3';
import type { OrganizationId, TokenId } from '../core/ids.js';
import { parseStoredRecord, parseStoredRows } from '../core/record-schema.js';
import type { RotatedSecret, RotationPlan } from '../core/rotation.js';
import { parseStoredRotatedSecret } from '../core/rotated-row.js';
import type { AccessTokenRecord, EpochMillis } from '../core/token.js';
import { OatError } from '../errors.js';
import type {
  InsertOutcome,
  ListQuery,
  ReplaceOutcome,
  TokenPage,
  TokenRotationStore,
  TokenStore,
} from '../service/ports.js';
import { CONFLICT, DUPLICATE, INSERTED, NOT_FOUND, quotaExceeded, REPLACED } from '../service/store-outcomes.js';
import { requireConnection, setupFailure, storeFailure } from './faults.js';
import { migrate } from './migrate.js';
import { SCHEMA_VERSION, SQLITE_SCHEMA_OBJECTS } from './schema.js';
import { readSchemaVersion, refuseUnknownVersion } from './version.js';

/** Options of {@link createSqliteTokenStore}. */
export interface SqliteTokenStoreOptions {
  /** Run {@link migrate} on `db` before checking it. Default `false`: migrate at deploy time instead. */
  readonly migrate?: boolean;
}

const DEFAULT_STATUSES = JSON.stringify(['active', 'inactive', 'expired']);

/** Every statement the store runs: fixed text, values only ever bound. */
const SQL = {
  duplicate: `SELECT 1 FROM oat_tokens WHERE id = ? UNION ALL SELECT 1 FROM oat_tokens WHERE secret_hash = ? LIMIT 1`,
  live: `SELECT live FROM oat_org_counters WHERE organization = ?`,
  insert: `INSERT INTO oat_tokens (id, organization_id, organization, label, description, created_by, created_at,
    updated_at, expires_at, last_used_at, state, resources, secret_hash, display_prefix, version, allowed_networks,
    recent_addresses)
           VALUES (@id, @organization_id, @organization, @label, @description, @created_by, @created_at, @updated_at,
             @expires_at, @last_used_at, @state, @resources, @secret_hash, @display_prefix, @version,
             @allowed_networks, @recent_addresses)`,
  replace: `UPDATE oat_tokens
            SET label = @label, description = @description, created_by = @created_by, created_at = @created_at,
                updated_at = @updated_at, expires_at = @expires_at, state = @state, resources = @resources,
                display_prefix = @display_prefix, version = @version, allowed_networks = @allowed_networks
            WHERE id = @id AND version = @expected_version AND state <> 'deleted'`,
  exists: `SELECT 1 FROM oat_tokens WHERE id = ?`,
  // Reads no column but the guard's and the hash: the row may be unreadable. The state trigger frees the quota.
  markDeleted: `UPDATE oat_tokens SET state = 'deleted', updated_at = @at, version = version + 1
                WHERE id = @id AND organization_id = @organization_id AND state <> 'deleted'
                RETURNING secret_hash`,
  // One statement: the guard and the new list read the same row. The list is @address, then the stored ones
  // without it in their order, five at most (withRecentAddress in SQL); without @address it stays as it is.
  touch: `UPDATE oat_tokens
          SET last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < @if_older_than THEN @at ELSE last_used_at
            END,
              recent_addresses = CASE WHEN @address IS NULL THEN recent_addresses ELSE (
                SELECT json_group_array(value ORDER BY k) FROM (
                  SELECT k, value FROM (
                    SELECT -1 AS k, @address AS value
                    UNION ALL
                    SELECT key, value FROM json_each(recent_addresses) WHERE value <> @address
                  ) ORDER BY k LIMIT 5
                )
              ) END
          WHERE id = @id AND state <> 'deleted'
            AND (last_used_at IS NULL OR last_used_at < @if_older_than
                 OR (@address IS NOT NULL AND NOT EXISTS (SELECT 1 FROM json_each(recent_addresses) WHERE value =
                   @address)))`,
  byId: `SELECT * FROM oat_tokens WHERE id = ?`,
  byHash: `SELECT * FROM oat_tokens WHERE secret_hash = ?`,
  // "expired" is derived here with the bound `now`, the same rule as statusOf().
  page: `SELECT * FROM oat_tokens
         WHERE organization_id = @organization_id
           AND (CASE WHEN state <> 'deleted' AND expires_at IS NOT NULL AND expires_at <= @now THEN 'expired' ELSE
             state END)
               IN (SELECT value FROM json_each(@statuses))
         ORDER BY created_at, id
         LIMIT @limit OFFSET @offset`,
  total: `SELECT count(*) FROM oat_tokens
          WHERE organization_id = @organization_id
            AND (CASE WHEN state <> 'deleted' AND expires_at IS NOT NULL AND expires_at <= @now THEN 'expired' ELSE
              state END)
                IN (SELECT value FROM json_each(@statuses))`,
  schema: `SELECT name FROM sqlite_schema WHERE name IN (SELECT value FROM json_each(?))`,
  rotatable: `SELECT secret_hash FROM oat_tokens WHERE id = @id AND version = @expected_version AND state <> 'deleted'`,
  rotate: `UPDATE oat_tokens SET secret_hash = @secret_hash, display_prefix = @display_prefix, updated_at = @updated_at,
             version = @version
           WHERE id = @id AND version = @expected_version AND state <> 'deleted'`,
  forget: `DELETE FROM oat_rotated_secrets WHERE forget_at <= ?`,
  endGraces: `UPDATE oat_rotated_secrets SET grace_ends_at = max(rotated_at, @now)
              WHERE token_id = @token_id AND grace_ends_at > @now`,
  retire: `INSERT INTO oat_rotated_secrets (secret_hash, token_id, rotated_at, grace_ends_at, forget_at)
           VALUES (@secret_hash, @token_id, @rotated_at, @grace_ends_at, @forget_at)`,
  byRotatedHash: `SELECT * FROM oat_rotated_secrets WHERE secret_hash = ?`,
} as const;

type Row = Record<string, string | number | null>;

function toRow(record: AccessTokenRecord): Row {
  return {
    id: record.id,
    organization_id: record.organizationId,
    organization: record.organization,
    label: record.label,
    description: record.description,
    created_by: record.createdBy,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    expires_at: record.expiresAt,
    last_used_at: record.lastUsedAt,
    state: record.state,
    // Only the known keys: the JSON column holds grants, nothing a caller slipped in.
    resources: JSON.stringify(record.resources.map((r) => ({ type: r.type, path: r.path, scopes: r.scopes }))),
    secret_hash: record.secretHash,
    display_prefix: record.displayPrefix,
    version: record.version,
    allowed_networks: JSON.stringify(record.allowedNetworks),
    recent_addresses: JSON.stringify(record.recentAddresses),
  };
}

/** Lists what keeps `db` from serving the store; empty when it is ready. */
function problemsOf(db: Database.Database): string[] {
  const problems: string[] = [];
  if (!db.open) return ['the database is closed'];
  const version = readSchemaVersion(db);
  refuseUnknownVersion(version, 'createSqliteTokenStore');
  const present = new Set(db.prepare(SQL.schema).pluck().all(JSON.stringify(SQLITE_SCHEMA_OBJECTS)) as string[]);
  const absent = SQLITE_SCHEMA_OBJECTS.filter((name) => !present.has(name));
  // A database with tokens but an older version is told so, not handed a list of what the upgrade adds.
  if (version !== SCHEMA_VERSION && (version !== 0 || present.has('oat_tokens'))) {
    problems.push(
      `database schema version ${version} is older than this library's ${SCHEMA_VERSION} (run migrate(db))`,
    );
  } else if (absent.length > 0) problems.push(`schema objects missing (run migrate(db)): ${absent.join(', ')}`);
  if (db.readonly) problems.push('the connection is read-only');
  if (Number(db.pragma('busy_timeout', { simple: true })) <= 0)
    problems.push(
      'busy_timeout is 0: concurrent writers would fail with SQLITE_BUSY (open with a timeout, or run migrate(db))',
    );
  const mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
  if (!db.memory && mode !== 'wal') problems.push(`journal_mode is ${mode}, not wal (run migrate(db))`);
  return problems;
}

/**
 * A {@link TokenStore} on one better-sqlite3 connection, safe for many
 * processes sharing the database file.
 *
 * Invariant: an organization never holds more than `limit` non-deleted
 * tokens. `insertWithinQuota` checks for duplicates, reads the organization's
 * counter and inserts in one `BEGIN IMMEDIATE` transaction, which takes the
 * database's single write lock before reading, so no other connection can
 * insert between the count and the insert. `replace` and `touchLastUsed` are
 * each one guarded `UPDATE`; the counter follows every state change through
 * triggers in the same statement. Every row read goes through
 * `parseStoredRecord`.
 *
 * Concurrency: open one connection per process and share this store within
 * the process; better-sqlite3 is synchronous, so calls never interleave
 * inside a process. Across processes, writers queue on the lock for up to the
 * connection's `busy_timeout`; past it a call rejects with `STORE_FAILURE`
 * (`context.driverCode` `SQLITE_BUSY`). `touchLastUsed` alone does not queue:
 * it runs with a `busy_timeout` of 0 and rejects with `SQLITE_BUSY` at once
 * while another connection holds the write lock. Every driver fault of a call rejects
 * with `STORE_FAILURE` and the SQLite code in `context.driverCode`, never
 * with a raw `SqliteError`. Throws `MISCONFIGURED` at construction, listing
 * every problem, when the schema is missing or older than
 * {@link SCHEMA_VERSION} (run `migrate`), the journal is not WAL (file
 * databases), `busy_timeout` is 0, or the connection is closed or read-only;
 * before anything else, naming both versions, when the schema version is
 * newer than this library's or unknown; and for a file that is not a
 * database.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * import { createTokenService } from 'org-access-tokens';
 * import { createSqliteTokenStore } from 'org-access-tokens/sqlite';
 *
 * const store = createSqliteTokenStore(new Database('tokens.db'), { migrate: true });
 * const service = createTokenService({ store, organizations });
 * ```
 */
export function createSqliteTokenStore(
  db: Database.Database,
  options: SqliteTokenStoreOptions = {},
): TokenStore & TokenRotationStore {
  requireConnection(db, 'createSqliteTokenStore');
  if (options.migrate === true) migrate(db);
  try {
    return storeOver(db);
  } catch (error) {
    throw setupFailure('createSqliteTokenStore', error);
  }
}

function storeOver(db: Database.Database): TokenStore & TokenRotationStore {
  const problems = problemsOf(db);
  if (problems.length > 0) {
    throw new OatError('MISCONFIGURED', `The SQLite database cannot serve the token store: ${problems.join('; ')}`, {
      context: { problems },
    });
  }

  const statement = {
    duplicate: db.prepare(SQL.duplicate).pluck(),
    live: db.prepare(SQL.live).pluck(),
    insert: db.prepare(SQL.insert),
    replace: db.prepare(SQL.replace),
    exists: db.prepare(SQL.exists).pluck(),
    markDeleted: db.prepare(SQL.markDeleted).pluck(),
    touch: db.prepare(SQL.touch),
    byId: db.prepare(SQL.byId),
    byHash: db.prepare(SQL.byHash),
    page: db.prepare(SQL.page),
    total: db.prepare(SQL.total).pluck(),
    rotatable: db.prepare(SQL.rotatable).pluck(),
    rotate: db.prepare(SQL.rotate),
    forget: db.prepare(SQL.forget),
    endGraces: db.prepare(SQL.endGraces),
    retire: db.prepare(SQL.retire),
    byRotatedHash: db.prepare(SQL.byRotatedHash),
  };

  // Under the write lock from the first read: the hash retired is the one the guarded UPDATE replaces.
  const rotate = db.transaction((plan: RotationPlan, expectedVersion: number): ReplaceOutcome => {
    const guard = { id: plan.next.id, expected_version: expectedVersion };
    const retiredHash: unknown = statement.rotatable.get(guard);
    if (retiredHash === undefined) return statement.exists.get(plan.next.id) === undefined ? NOT_FOUND : CONFLICT;
    statement.rotate.run({
      ...guard,
      secret_hash: plan.next.secretHash,
      display_prefix: plan.next.displayPrefix,
      updated_at: plan.next.updatedAt,
      version: plan.next.version,
    });
    statement.forget.run(plan.retired.rotatedAt);
    // Before the insert, so only earlier retired secrets lose what is left of their grace.
    statement.endGraces.run({ token_id: plan.next.id, now: plan.retired.rotatedAt });
    statement.retire.run({
      secret_hash: String(retiredHash),
      token_id: plan.next.id,
      rotated_at: plan.retired.rotatedAt,
      grace_ends_at: plan.retired.graceEndsAt,
      forget_at: plan.retired.forgetAt,
    });
    return REPLACED;
  });

  const insertWithinQuota = db.transaction((row: Row, limit: number): InsertOutcome => {
    if (statement.duplicate.get(row['id'], row['secret_hash']) !== undefined) return DUPLICATE;
    const count = Number(statement.live.get(row['organization_id']) ?? 0);
    if (count >= limit) return quotaExceeded(count);
    statement.insert.run(row);
    return INSERTED;
  });

  // One snapshot for the page and its total, so they agree under concurrent writers.
  const listPage = db.transaction((params: Record<string, string | number>): TokenPage => {
    const rows = statement.page.all(params);
    const total = Number(statement.total.get(params));
    return Object.freeze({ ...parseStoredRows(rows), total });
  });

  const run = <T>(operation: string, context: Readonly<Record<string, unknown>>, work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(storeFailure(operation, error, context));
    }
  };

  return Object.freeze({
    insertWithinQuota(record: AccessTokenRecord, limit: number): Promise<InsertOutcome> {
      return run('insertWithinQuota', { tokenId: record.id, organizationId: record.organizationId }, () =>
        insertWithinQuota.immediate(toRow(record), limit),
      );
    },

    replace(record: AccessTokenRecord, expectedVersion: number): Promise<ReplaceOutcome> {
      return run('replace', { tokenId: record.id }, (): ReplaceOutcome => {
        const { changes } = statement.replace.run({ ...toRow(record), expected_version: expectedVersion });
        if (changes === 1) return REPLACED;
        // Rows are never removed by the store, so "exists" cannot flip back after the UPDATE.
        return statement.exists.get(record.id) === undefined ? NOT_FOUND : CONFLICT;
      });
    },

    touchLastUsed(id: TokenId, at: EpochMillis, ifOlderThan: EpochMillis, address?: string): Promise<boolean> {
      return run('touchLastUsed', { tokenId: id }, () => {
        // Bookkeeping never waits for the write lock: better-sqlite3 would block the whole process for
        // busy_timeout. With 0 a held lock fails at once (SQLITE_BUSY) and the write is skipped. Safe to
        // switch per statement: the connection is used by this thread only, one call at a time.
        const timeout = db.pragma('busy_timeout', { simple: true });
        db.pragma('busy_timeout = 0');
        try {
          return statement.touch.run({ id, at, if_older_than: ifOlderThan, address: address ?? null }).changes === 1;
        } finally {
          db.pragma(`busy_timeout = ${Number(timeout)}`);
        }
      });
    },

    markDeleted(id: TokenId, organizationId: OrganizationId, at: EpochMillis): Promise<string | null> {
      return run('markDeleted', { tokenId: id, organizationId }, () => {
        const hash: unknown = statement.markDeleted.get({ id, organization_id: organizationId, at });
        return hash === undefined ? null : String(hash);
      });
    },

    findById(id: TokenId): Promise<AccessTokenRecord | null> {
      return run('findById', { tokenId: id }, () => {
        const row = statement.byId.get(id);
        return row === undefined ? null : parseStoredRecord(row);
      });
    },

    findBySecretHash(secretHash: string): Promise<AccessTokenRecord | null> {
      return run('findBySecretHash', {}, () => {
        const row = statement.byHash.get(secretHash);
        return row === undefined ? null : parseStoredRecord(row);
      });
    },

    list(query: ListQuery): Promise<TokenPage> {
      return run('list', { organizationId: query.organizationId }, () =>
        listPage({
          organization_id: query.organizationId,
          now: query.now,
          statuses: query.statuses === undefined ? DEFAULT_STATUSES : JSON.stringify(query.statuses),
          limit: query.limit,
          offset: query.offset,
        }),
      );
    },

    rotate(plan: RotationPlan, expectedVersion: number): Promise<ReplaceOutcome> {
      return run('rotate', { tokenId: plan.next.id }, () => rotate.immediate(plan, expectedVersion));
    },

    findRotatedSecret(secretHash: string): Promise<RotatedSecret | null> {
      return run('findRotatedSecret', {}, () => {
        const row = statement.byRotatedHash.get(secretHash);
        return row === undefined ? null : parseStoredRotatedSecret(row);
      });
    },

    countLive(organizationId: OrganizationId): Promise<number> {
      return run('countLive', { organizationId }, () => Number(statement.live.get(organizationId) ?? 0));
    },
  });
}
