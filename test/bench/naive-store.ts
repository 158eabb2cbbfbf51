/**
 * The naive quota guard the PostgreSQL store is compared with: one
 * `INSERT … SELECT … WHERE (SELECT count(*) …) < limit` statement on the
 * store's own table, in autocommit, as a first implementation would write it.
 * Under READ COMMITTED each statement counts the rows committed when it
 * started, so concurrent creates on one organization can all see room and
 * overshoot the quota; the benchmark counts by how much.
 *
 * The column list follows the store's `oat_tokens` table (schema version 2);
 * if that table changes, this is the one place to follow it.
 */
import type pg from 'pg';
import type { AccessTokenRecord, InsertOutcome, TokenStore } from '../../src/index.js';

const COLUMNS =
  'id, organization_id, organization, label, description, created_by, created_at, updated_at, expires_at, ' +
  'last_used_at, state, resources, secret_hash, display_prefix, version';

const at = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/** `store` with its guarded insert replaced by the naive statement on the same pool and schema. */
export function naiveStore(store: TokenStore, pool: pg.Pool, schema: string): TokenStore {
  const table = `"${schema}".oat_tokens`;
  const sql = `INSERT INTO ${table} (${COLUMNS})
    SELECT $1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15
    WHERE (SELECT count(*) FROM ${table} WHERE organization_id = $2 AND state <> 'deleted') < $16`;
  return {
    ...store,
    async insertWithinQuota(record: AccessTokenRecord, limit: number): Promise<InsertOutcome> {
      const result = await pool.query(sql, [
        record.id,
        record.organizationId,
        record.organization,
        record.label,
        record.description,
        record.createdBy,
        at(record.createdAt),
        at(record.updatedAt),
        at(record.expiresAt),
        at(record.lastUsedAt),
        record.state,
        JSON.stringify(record.resources),
        record.secretHash,
        record.displayPrefix,
        record.version,
        limit,
      ]);
      return result.rowCount === 1 ? { ok: true } : { ok: false, code: 'QUOTA_EXCEEDED', count: limit };
    },
  };
}

/**
 * Non-deleted rows of an organization, counted in the table (not in the quota counter, which the naive guard never
 * writes).
 */
export async function liveRows(pool: pg.Pool, schema: string, organizationId: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM "${schema}".oat_tokens WHERE organization_id = $1 AND state <> 'deleted'`,
    [organizationId],
  );
  return Number(rows[0]?.n ?? 0);
}
