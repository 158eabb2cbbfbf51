import type { Pool, PoolClient } from 'pg';
import { OatError } from '../errors.js';
import { SCHEMA_VERSION, quoteSchema, tableNames } from './sql.js';

/** What a schema holds, as far as the store's tables go. */
export type SchemaState =
  /** No token table: nothing has been migrated here. */
  | { readonly kind: 'absent' }
  /** The token tables without a version table: the layout 0.1 created, which is version 1. */
  | { readonly kind: 'unversioned' }
  /** A version table; `version` is its one row's value, `undefined` when it holds no row. */
  | { readonly kind: 'recorded'; readonly version: unknown };

/** Reads what `schema` holds: two catalog lookups, and the version row when there is a table for it. */
export async function readSchemaState(db: Pool | PoolClient, schema: string): Promise<SchemaState> {
  const { tokens, versions } = tableNames(schema);
  // to_regclass answers NULL for a missing table, where selecting from it would abort a transaction.
  const found = await db.query<{ versions: boolean; tokens: boolean }>(
    'SELECT to_regclass($1::text) IS NOT NULL AS versions, to_regclass($2::text) IS NOT NULL AS tokens',
    [versions, tokens],
  );
  const present = found.rows[0];
  if (present?.versions === true) {
    const { rows } = await db.query<{ version: unknown }>(`SELECT version FROM ${versions}`);
    return { kind: 'recorded', version: rows.length === 1 ? rows[0]?.version : undefined };
  }
  return present?.tokens === true ? { kind: 'unversioned' } : { kind: 'absent' };
}

/** A recorded version as a message can show it, whatever a newer release or a hand edit put there. */
function shown(version: unknown): string {
  if (version === undefined) return '(none recorded)';
  const text = typeof version === 'number' ? String(version) : (JSON.stringify(version) ?? String(version));
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/**
 * Why this code cannot work on tables at `state`, or `undefined` when it can:
 * `MISCONFIGURED` naming both versions for a newer or unknown one, and for an
 * older one (no version table reads as 1) unless `olderIsFine` (`migrate`
 * upgrades it). `absent` passes: it is `migrate`'s starting point; the store
 * refuses it separately.
 */
export function versionRefusal(state: SchemaState, schema: string, olderIsFine = false): OatError | undefined {
  if (state.kind === 'absent' || (state.kind === 'recorded' && state.version === SCHEMA_VERSION)) return undefined;
  // No version table: the layout of 0.1, version 1.
  const version = state.kind === 'unversioned' ? 1 : state.version;
  const context = {
    schema,
    databaseVersion: typeof version === 'number' ? version : null,
    libraryVersion: SCHEMA_VERSION,
  };
  if (typeof version === 'number' && Number.isSafeInteger(version) && version > SCHEMA_VERSION) {
    return new OatError(
      'MISCONFIGURED',
      `database schema version ${version} is newer than this library's ${SCHEMA_VERSION}`,
      { context },
    );
  }
  if (typeof version === 'number' && Number.isSafeInteger(version) && version >= 1) {
    if (olderIsFine) return undefined;
    return new OatError(
      'MISCONFIGURED',
      `database schema version ${version} is older than this library's ${SCHEMA_VERSION} (run migrate)`,
      { context },
    );
  }
  return new OatError(
    'MISCONFIGURED',
    `database schema version ${shown(version)} is unknown to this library, whose version is ${SCHEMA_VERSION}`,
    { context },
  );
}

/** The refusal for working on the tables at `state`: {@link versionRefusal}, or a schema that was never migrated. */
export function usableRefusal(state: SchemaState, schema: string): OatError | undefined {
  if (state.kind === 'absent') {
    return new OatError(
      'MISCONFIGURED',
      `PostgreSQL schema ${quoteSchema(schema)} holds no token tables: run migrate first`,
      {
        context: { schema, libraryVersion: SCHEMA_VERSION },
      },
    );
  }
  return versionRefusal(state, schema);
}

/**
 * The store's check of the schema version, made on first use because the
 * store is constructed synchronously: the returned function resolves once the
 * schema is known to be usable, and is free after that (the answer is
 * cached). Concurrent first calls share one check. A refusal or a fault is not
 * cached: the next call checks again, so a store created before `migrate` ran
 * works once it has. Throws `MISCONFIGURED` for a newer, unknown or missing
 * schema; a driver fault is thrown as it came, for the caller to wrap.
 */
export function schemaCheck(pool: Pool, schema: string): () => Promise<void> | undefined {
  let usable = false;
  let pending: Promise<void> | undefined;
  return () => {
    if (usable) return undefined;
    pending ??= readSchemaState(pool, schema)
      .then((state) => {
        const refusal = usableRefusal(state, schema);
        if (refusal !== undefined) throw refusal;
        usable = true;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
