import type { Pool } from 'pg';
import { storeFault } from './faults.js';
import { readSchemaState, versionRefusal } from './schema-version.js';
import { inTransaction } from './session.js';
import { DEFAULT_SCHEMA, SCHEMA_VERSION, migrationSql } from './sql.js';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The schema to create the tables in (created too when it is not `public`). Default `public`. */
  readonly schema?: string;
}

/** The advisory lock `migrate` holds. Any fixed key works; this one spells "oat" so it is recognisable in pg_locks. */
export const MIGRATION_LOCK_KEY = 0x6f6174;

/**
 * Creates the token store's tables and indexes ({@link migrationSql}) if they
 * do not exist yet. Idempotent: running it again, or from many instances
 * starting at once, changes nothing and fails nothing, because it holds a
 * transaction-scoped advisory lock while it runs (concurrent
 * `CREATE TABLE IF NOT EXISTS` statements can otherwise collide). On a schema
 * that already records {@link SCHEMA_VERSION} it runs no DDL and takes no
 * lock on the tables, so calling it at every start never blocks the store's
 * traffic.
 *
 * Records {@link SCHEMA_VERSION} in `oat_schema_version`, and upgrades an
 * older schema (0.1 had no version table; version 1 had no
 * `organization_id`): every existing token's `organization_id` becomes its
 * organization name, so the host's directory must give those organizations
 * ids equal to their names. A schema that records a newer
 * or unknown version is left untouched: `migrate` rejects with
 * `MISCONFIGURED` naming both versions, and never lowers a recorded version.
 *
 * Needs the privilege to create tables in the schema (and to create the
 * schema when it is not `public`); run it from a deploy step with an owner
 * role if the application's role may not.
 *
 * @example
 * ```ts
 * await migrate(pool);                       // tables in public
 * await migrate(pool, { schema: 'tokens' }); // tables in "tokens"
 * ```
 */
export async function migrate(pool: Pool, options: MigrateOptions = {}): Promise<void> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const ddl = migrationSql(schema);
  try {
    await inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      // Read under the lock, so no other migrate changes the version between this check and the DDL.
      const state = await readSchemaState(client, schema);
      const refusal = versionRefusal(state, schema, true);
      if (refusal !== undefined) throw refusal;
      // The upgrade steps lock oat_tokens exclusively even when they change nothing: on an
      // up-to-date schema that would stall every login at each instance start, and queue behind long transactions.
      if (state.kind !== 'recorded' || state.version !== SCHEMA_VERSION) await client.query(ddl);
      return { commit: true, value: undefined };
    });
  } catch (error) {
    throw storeFault('migrate', error);
  }
}
