import type { Pool } from 'pg';
import type { OrganizationId, TokenId } from '../core/ids.js';
import { isTokenId } from '../core/ids.js';
import { parseStoredRecord, parseStoredRows } from '../core/record-schema.js';
import type { AccessTokenRecord, EpochMillis, TokenStatus } from '../core/token.js';
import type { RotatedSecret, RotationPlan } from '../core/rotation.js';
import { parseStoredRotatedSecret } from '../core/rotated-row.js';
import type {
  InsertOutcome,
  ListQuery,
  ReplaceOutcome,
  TokenPage,
  TokenRotationStore,
  TokenStore,
} from '../service/ports.js';
import { CONFLICT, DUPLICATE, INSERTED, NOT_FOUND, quotaExceeded, REPLACED } from '../service/store-outcomes.js';
import { storeFault } from './faults.js';
import { schemaCheck } from './schema-version.js';
import { DEFAULT_SCHEMA, statements } from './sql.js';
import { decodeRow, toTextColumn } from './text.js';

/** Options of {@link createPostgresTokenStore}. */
export interface PostgresTokenStoreOptions {
  /**
   * The schema that holds the tables {@link migrate} created. Lower-case
   * letters, digits and `_`, starting with a letter or `_` (validated, then
   * quoted). Default `public`.
   */
  readonly schema?: string;
}

const LIVE_STATUSES: ReadonlyArray<TokenStatus> = ['active', 'inactive', 'expired'];
const INT_MAX = 2_147_483_647;

/**
 * A quota limit as the `integer` the guard compares with: `count < limit` keeps its meaning for fractions, NaN and
 * Infinity.
 */
function limitParameter(limit: number): number {
  if (Number.isNaN(limit)) return 0;
  return Math.min(Math.max(Math.ceil(limit), 0), INT_MAX);
}

/** An instant as a `timestamptz` parameter: node-postgres sends a `Date` in UTC, a bare number would be refused. */
function timestamp(ms: EpochMillis): Date;
function timestamp(ms: EpochMillis | null): Date | null;
function timestamp(ms: EpochMillis | null): Date | null {
  return ms === null ? null : new Date(ms);
}

/** A unique violation on the token table: the id or the secret hash is taken (the quota upsert never raises one). */
function isDuplicateToken(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, table } = error as { code?: unknown; table?: unknown };
  return code === '23505' && table === 'oat_tokens';
}

/** The columns that hold a record's values, in the order of `TOKEN_COLUMNS` in sql.ts. */
function insertValues(record: AccessTokenRecord): unknown[] {
  return [
    record.id,
    record.organizationId,
    record.organization,
    toTextColumn(record.label),
    toTextColumn(record.description),
    toTextColumn(record.createdBy),
    timestamp(record.createdAt),
    timestamp(record.updatedAt),
    timestamp(record.expiresAt),
    timestamp(record.lastUsedAt),
    record.state,
    JSON.stringify(record.resources),
    record.secretHash,
    record.displayPrefix,
    record.version,
    JSON.stringify(record.allowedNetworks),
  ];
}

/** The parameters of the `replace` statement: the id, the expected version, then every field a replace may change. */
function replaceValues(record: AccessTokenRecord, expectedVersion: number): unknown[] {
  return [
    record.id,
    expectedVersion,
    toTextColumn(record.label),
    toTextColumn(record.description),
    toTextColumn(record.createdBy),
    timestamp(record.createdAt),
    timestamp(record.updatedAt),
    timestamp(record.expiresAt),
    record.state,
    JSON.stringify(record.resources),
    record.displayPrefix,
    record.version,
    JSON.stringify(record.allowedNetworks),
  ];
}

/**
 * A {@link TokenStore} on PostgreSQL through a node-postgres `Pool`. Run
 * {@link migrate} once before use.
 *
 * Invariant: an organization never holds more than `limit` non-deleted tokens,
 * however many processes and pools create at once. The guard is one row per
 * organization (`oat_org_quota.live`): an insert is one statement that raises it
 * with an upsert whose `WHERE live < limit` is re-checked on the locked row and
 * inserts the token; every move to `deleted` lowers it in the same statement
 * as the version-checked update. A duplicate id or secret hash aborts the whole
 * statement, so the counter never leaks.
 *
 * Concurrency: inserts for one organization queue on its quota row for the
 * length of one statement (one round trip); other organizations never wait.
 * `replace` and `touchLastUsed` are single statements guarded in their
 * `WHERE`; `touchLastUsed` never waits on a row lock another transaction
 * holds (`FOR UPDATE SKIP LOCKED`): it writes nothing and resolves `false`. Every row read goes through
 * `parseStoredRecord`; every driver fault
 * becomes `OatError` `STORE_FAILURE` with `context.sqlstate` (sent by the
 * server) or `context.driverCode` (`ECONNREFUSED`, ...). A connection lost
 * mid-call fails that call only: the client is discarded and the next call
 * reconnects.
 *
 * Schema version: construction does no I/O, so the first call checks the
 * schema (two catalog queries and the version row) and every later call
 * trusts the cached answer. A schema recording a newer or unknown version
 * than {@link SCHEMA_VERSION}, or holding no tables at all, fails every call
 * with `MISCONFIGURED` before any statement touches a table; that refusal is
 * not cached, so the store works once `migrate` has run. A schema 0.1 made
 * (no version table) is version 1, and like any version older than
 * {@link SCHEMA_VERSION} is refused until `migrate` upgrades it.
 *
 * @param pool - a `pg.Pool` the caller owns (and ends); `pg` is a peer dependency.
 * @param options - `schema`: where the tables live (default `public`).
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createTokenService } from 'org-access-tokens';
 * import { createPostgresTokenStore, migrate } from 'org-access-tokens/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
 * await migrate(pool);
 * const service = createTokenService({ store: createPostgresTokenStore(pool), organizations });
 * ```
 */
export function createPostgresTokenStore(
  pool: Pool,
  options: PostgresTokenStoreOptions = {},
): TokenStore & TokenRotationStore {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const sql = statements(schema);
  const schemaUsable = schemaCheck(pool, schema);

  const readOne = async (operation: string, text: string, key: string): Promise<AccessTokenRecord | null> => {
    let rows: unknown[];
    try {
      await schemaUsable();
      rows = (await pool.query(text, [key])).rows;
    } catch (error) {
      throw storeFault(operation, error);
    }
    return rows.length === 0 ? null : parseStoredRecord(decodeRow(rows[0]));
  };

  const store: TokenStore & TokenRotationStore = {
    async insertWithinQuota(record, limit): Promise<InsertOutcome> {
      const bound = limitParameter(limit);
      const slot = record.state === 'deleted' ? 0 : 1;
      let created: boolean;
      try {
        await schemaUsable();
        // Outside a transaction: the statement commits by itself, so the quota row lock lasts one round trip.
        created =
          (
            await pool.query(sql.createWithinQuota, [
              ...insertValues(record),
              slot,
              bound,
              JSON.stringify(record.recentAddresses),
            ])
          ).rowCount === 1;
      } catch (error) {
        if (isDuplicateToken(error)) return DUPLICATE;
        throw storeFault('insertWithinQuota', error);
      }
      if (created) return INSERTED;
      try {
        // Only a refusal pays a second round trip, and it holds no lock: the statement above has committed.
        const why = await pool.query<{ live: number; duplicate: boolean }>(sql.refusal, [
          record.organizationId,
          record.id,
          record.secretHash,
        ]);
        const row = why.rows[0];
        return row?.duplicate === true ? DUPLICATE : quotaExceeded(Number(row?.live ?? 0));
      } catch (error) {
        throw storeFault('insertWithinQuota', error);
      }
    },

    async replace(record, expectedVersion): Promise<ReplaceOutcome> {
      if (!isTokenId(record.id)) return NOT_FOUND;
      try {
        await schemaUsable();
        // A version the integer column cannot hold can match no row: skip to telling conflict from not-found.
        const comparable = Number.isSafeInteger(expectedVersion) && Math.abs(expectedVersion) <= INT_MAX;
        const result = comparable
          ? await pool.query<{ replaced: number }>(sql.replace, replaceValues(record, expectedVersion))
          : null;
        if (result?.rows[0]?.replaced === 1) return REPLACED;
        // Tokens are never physically removed, so this answer cannot go stale.
        const found = await pool.query(sql.exists, [record.id]);
        return found.rowCount === 0 ? NOT_FOUND : CONFLICT;
      } catch (error) {
        throw storeFault('replace', error);
      }
    },

    async touchLastUsed(id, at, ifOlderThan, address): Promise<boolean> {
      if (!isTokenId(id)) return false;
      try {
        await schemaUsable();
        const result = await pool.query(sql.touch, [id, timestamp(at), timestamp(ifOlderThan), address ?? null]);
        return result.rowCount === 1;
      } catch (error) {
        throw storeFault('touchLastUsed', error);
      }
    },

    async markDeleted(id, organizationId, at): Promise<string | null> {
      if (!isTokenId(id)) return null;
      try {
        await schemaUsable();
        const result = await pool.query<{ secret_hash: string }>(sql.markDeleted, [id, organizationId, timestamp(at)]);
        return result.rows[0]?.secret_hash ?? null;
      } catch (error) {
        throw storeFault('markDeleted', error);
      }
    },

    findById(id: TokenId) {
      return isTokenId(id) ? readOne('findById', sql.byId, id) : Promise.resolve(null);
    },

    findBySecretHash(secretHash) {
      return readOne('findBySecretHash', sql.bySecretHash, secretHash);
    },

    async list(query: ListQuery): Promise<TokenPage> {
      const statuses = [...(query.statuses ?? LIVE_STATUSES)];
      const filter = [query.organizationId, timestamp(query.now), statuses];
      const window = [Math.max(0, Math.floor(query.offset)), Math.max(1, Math.floor(query.limit))];
      let rows: ReadonlyArray<Record<string, unknown> & { total: number }>;
      let total: number;
      try {
        await schemaUsable();
        rows = (await pool.query<Record<string, unknown> & { total: number }>(sql.listPage, [...filter, ...window]))
          .rows;
        // The count over all matches rides on each row of the page; only a page past the end needs a query of its own.
        const counted =
          rows[0]?.total ??
          (query.offset > 0 ? (await pool.query<{ total: number }>(sql.listTotal, filter)).rows[0]?.total : 0);
        total = counted ?? 0;
      } catch (error) {
        throw storeFault('list', error);
      }
      return Object.freeze({ ...parseStoredRows(rows.map(decodeRow)), total });
    },

    async rotate(plan: RotationPlan, expectedVersion: number): Promise<ReplaceOutcome> {
      const { next, retired } = plan;
      if (!isTokenId(next.id)) return NOT_FOUND;
      try {
        await schemaUsable();
        const comparable = Number.isSafeInteger(expectedVersion) && Math.abs(expectedVersion) <= INT_MAX;
        const result = comparable
          ? await pool.query<{ rotated: number }>(sql.rotate, [
              next.id,
              expectedVersion,
              next.secretHash,
              next.displayPrefix,
              timestamp(next.updatedAt),
              next.version,
              timestamp(retired.rotatedAt),
              timestamp(retired.graceEndsAt),
              timestamp(retired.forgetAt),
            ])
          : null;
        if (result?.rows[0]?.rotated === 1) return REPLACED;
        const found = await pool.query(sql.exists, [next.id]);
        return found.rowCount === 0 ? NOT_FOUND : CONFLICT;
      } catch (error) {
        throw storeFault('rotate', error);
      }
    },

    async findRotatedSecret(secretHash: string): Promise<RotatedSecret | null> {
      let rows: unknown[];
      try {
        await schemaUsable();
        rows = (await pool.query(sql.byRotatedHash, [secretHash])).rows;
      } catch (error) {
        throw storeFault('findRotatedSecret', error);
      }
      return rows.length === 0 ? null : parseStoredRotatedSecret(rows[0]);
    },

    async countLive(organizationId: OrganizationId): Promise<number> {
      try {
        await schemaUsable();
        const result = await pool.query<{ live: number }>(sql.countLive, [organizationId]);
        return result.rows[0]?.live ?? 0;
      } catch (error) {
        throw storeFault('countLive', error);
      }
    },
  };
  return Object.freeze(store);
}
