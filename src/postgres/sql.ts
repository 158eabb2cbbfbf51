import { OatError } from '../errors.js';

/**
 * What a schema name may be: lower case, starting with a letter or `_`, at most 63 bytes (PostgreSQL's identifier
 * limit).
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema the store uses when none is given. */
export const DEFAULT_SCHEMA = 'public';

/**
 * Validates a schema name and returns it double-quoted, ready to splice into
 * SQL. Identifiers cannot be bound as parameters, so this strict allow-list is
 * the only way a caller's text reaches a statement; anything else throws
 * `MISCONFIGURED` before a query is built.
 */
export function quoteSchema(schema: string): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new OatError('MISCONFIGURED', 'The PostgreSQL schema name must match /^[a-z_][a-z0-9_]{0,62}$/', {
      context: { option: 'schema' },
    });
  }
  return `"${schema}"`;
}

/** Fully qualified, quoted names of the store's tables in a schema. */
export interface TableNames {
  readonly tokens: string;
  readonly quota: string;
  /** One row: the schema version `migrate` last brought the tables to. */
  readonly versions: string;
  /** Secrets a rotation retired, by hash (schema version 4). */
  readonly rotated: string;
}

/** The quoted table names in `schema` (validated). */
export function tableNames(schema: string): TableNames {
  const quoted = quoteSchema(schema);
  return {
    tokens: `${quoted}.oat_tokens`,
    quota: `${quoted}.oat_org_quota`,
    versions: `${quoted}.oat_schema_version`,
    rotated: `${quoted}.oat_rotated_secrets`,
  };
}

/**
 * The version of the tables {@link migrationSql} creates, recorded in
 * `oat_schema_version` by `migrate`. The store refuses a database that
 * records an older, newer or unknown version. A schema made by 0.1, which had
 * no version table, has exactly the tables of version 1; version 2 adds
 * `oat_tokens.organization_id` and keys the quota rows by it; version 3 adds
 * `oat_tokens.allowed_networks` (jsonb, `[]` for existing tokens); version 4
 * adds `oat_rotated_secrets`, the secrets rotations retired, and
 * `oat_tokens.recent_addresses` (jsonb, newest first, `[]` for existing
 * tokens).
 */
export const SCHEMA_VERSION = 4;

/**
 * The DDL that creates the store's tables in `schema`, or upgrades tables of
 * an older version to {@link SCHEMA_VERSION}; every statement is idempotent
 * (`IF NOT EXISTS`, or a no-op on an upgraded table), so running it again
 * changes nothing. The upgrade steps lock `oat_tokens` exclusively even when
 * they change nothing, which is why `migrate` skips the whole script on a
 * schema that already records {@link SCHEMA_VERSION}.
 *
 * `oat_org_quota.live` is the number of non-deleted tokens of the
 * organization id (the column is called `organization`; from 0.1 it held
 * names, which the upgrade makes the ids): the quota guard locks and bumps this one row, and every move
 * to `deleted` lowers it in the same statement, so it always equals the count.
 * `oat_schema_version` records {@link SCHEMA_VERSION}; the upsert never lowers
 * a version a newer release recorded.
 */
export function migrationSql(schema: string = DEFAULT_SCHEMA): string {
  const { tokens, quota, versions, rotated } = tableNames(schema);
  // CREATE SCHEMA needs the CREATE privilege on the database even when the
  // schema exists, so it is left out for `public`.
  const createSchema = schema === DEFAULT_SCHEMA ? '' : `CREATE SCHEMA IF NOT EXISTS ${quoteSchema(schema)};\n\n`;
  return `${createSchema}CREATE TABLE IF NOT EXISTS ${tokens} (
  id             uuid        PRIMARY KEY,
  organization_id text       NOT NULL CONSTRAINT oat_tokens_organization_id_check CHECK (organization_id <> ''),
  organization   text        NOT NULL,
  label          text        NOT NULL,
  description    text        NOT NULL,
  created_by     text        NOT NULL,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  expires_at     timestamptz,
  last_used_at   timestamptz,
  state          text        NOT NULL CHECK (state IN ('active', 'inactive', 'deleted')),
  resources      jsonb       NOT NULL,
  secret_hash    text        NOT NULL,
  display_prefix text        NOT NULL,
  version        integer     NOT NULL CHECK (version >= 1),
  allowed_networks jsonb     NOT NULL DEFAULT '[]'::jsonb,
  recent_addresses jsonb     NOT NULL DEFAULT '[]'::jsonb
);

CREATE UNIQUE INDEX IF NOT EXISTS oat_tokens_secret_hash_key ON ${tokens} (secret_hash);

-- From version 1 (and 0.1): the id of every existing token is its organization name.
-- Each step locks oat_tokens exclusively, so migrate runs this script only below version ${SCHEMA_VERSION}.
ALTER TABLE ${tokens} ADD COLUMN IF NOT EXISTS organization_id text;
UPDATE ${tokens} SET organization_id = organization WHERE organization_id IS NULL;
ALTER TABLE ${tokens} ALTER COLUMN organization_id SET NOT NULL,
  DROP CONSTRAINT IF EXISTS oat_tokens_organization_id_check,
  ADD CONSTRAINT oat_tokens_organization_id_check CHECK (organization_id <> '');
DROP INDEX IF EXISTS ${quoteSchema(schema)}.oat_tokens_listing_idx;

CREATE INDEX IF NOT EXISTS oat_tokens_organization_id_listing_idx ON ${tokens} (organization_id, created_at, id);

-- From version 2: existing tokens allow every address.
ALTER TABLE ${tokens} ADD COLUMN IF NOT EXISTS allowed_networks jsonb NOT NULL DEFAULT '[]'::jsonb;

-- From version 3: rotated secrets, kept until forget_at (logins in the grace, reuse detection after it).
CREATE TABLE IF NOT EXISTS ${rotated} (
  secret_hash   text        PRIMARY KEY,
  token_id      uuid        NOT NULL,
  rotated_at    timestamptz NOT NULL,
  grace_ends_at timestamptz NOT NULL,
  forget_at     timestamptz NOT NULL,
  CHECK (rotated_at <= grace_ends_at AND grace_ends_at <= forget_at)
);
CREATE INDEX IF NOT EXISTS oat_rotated_secrets_forget_at_idx ON ${rotated} (forget_at);

-- From version 3: recent client addresses (none recorded yet for existing tokens).
ALTER TABLE ${tokens} ADD COLUMN IF NOT EXISTS recent_addresses jsonb NOT NULL DEFAULT '[]'::jsonb;

CREATE TABLE IF NOT EXISTS ${quota} (
  organization text    PRIMARY KEY,
  live         integer NOT NULL CHECK (live >= 0)
);

CREATE TABLE IF NOT EXISTS ${versions} (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version   integer NOT NULL
);

INSERT INTO ${versions} AS v (singleton, version) VALUES (true, ${SCHEMA_VERSION})
  ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version WHERE v.version < EXCLUDED.version;
`;
}

/** {@link migrationSql} for the default `public` schema: what `migrate` runs when given no schema. */
export const POSTGRES_MIGRATION_SQL: string = migrationSql(DEFAULT_SCHEMA);

/** The token columns in the order every statement here reads and writes them. */
const TOKEN_COLUMNS =
  'id, organization_id, organization, label, description, created_by, created_at, updated_at, expires_at, ' +
  'last_used_at, state, resources, secret_hash, display_prefix, version, allowed_networks, recent_addresses';

/** Every statement the store runs against one schema; all values are bound parameters. */
export interface Statements {
  /**
   * $1..$16 and $19 the record in {@link TOKEN_COLUMNS} order, $17 1 (or 0 for a record inserted already deleted),
   * $18 the limit.
   * Returns a row when the guard let it through; a duplicate id or secret hash fails the whole statement with 23505.
   */
  readonly createWithinQuota: string;
  /** $1 organization id, $2 id, $3 secret hash. Why a reservation was refused. */
  readonly refusal: string;
  /** $1 id, $2 expected version, $3..$13 the new values. Returns `replaced` (0 or 1). */
  readonly replace: string;
  /** $1 id. */
  readonly exists: string;
  /** $1 id, $2 organization, $3 at. Returns the deleted row's `secret_hash`; no row when the guard failed. */
  readonly markDeleted: string;
  /**
   * $1 id, $2 at, $3 if older than, $4 the client address or null. Skips, writing nothing, a row locked by another
   * transaction.
   */
  readonly touch: string;
  /** $1 id. */
  readonly byId: string;
  /** $1 secret hash. */
  readonly bySecretHash: string;
  /** $1 organization id, $2 now, $3 statuses, $4 offset, $5 limit. Each row carries `total`. */
  readonly listPage: string;
  /** $1 organization id, $2 now, $3 statuses. */
  readonly listTotal: string;
  /** $1 organization id. */
  readonly countLive: string;
  /**
   * $1 id, $2 expected version, $3 new hash, $4 display prefix, $5 updated at, $6 version, $7 rotated at,
   * $8 grace ends at, $9 forget at. Returns `rotated` (0 or 1); a taken new hash fails it with 23505.
   */
  readonly rotate: string;
  /** $1 secret hash. */
  readonly byRotatedHash: string;
}

/** Builds the statements for one schema (validated and quoted once, at construction). */
export function statements(schema: string): Statements {
  const { tokens, quota, rotated } = tableNames(schema);
  const matching = `FROM ${tokens}
    WHERE organization_id = $1
      AND (CASE WHEN state <> 'deleted' AND expires_at IS NOT NULL AND expires_at <= $2 THEN 'expired' ELSE state END)
        = ANY($3::text[])`;
  return {
    // One statement that is both the guard and the write, so the quota row is
    // locked for one round trip, not four. A first token creates the row
    // (allowed only when the limit is above 0); otherwise the upsert locks the
    // existing row and re-checks `live < limit` on its newest version, so
    // concurrent callers queue on the row and none can pass a count another
    // has already raised to the limit. The token insert has no ON CONFLICT on
    // purpose: a duplicate id or hash aborts the statement, raise included, so
    // the counter never leaks. Casts, because an INSERT ... SELECT does not
    // type its parameters from the target columns as VALUES does.
    createWithinQuota: `WITH reserved AS (
      INSERT INTO ${quota} AS q (organization, live)
      SELECT $2::text, $17::integer WHERE $18::integer > 0
      ON CONFLICT (organization) DO UPDATE SET live = q.live + $17::integer WHERE q.live < $18::integer
      RETURNING live
    )
    INSERT INTO ${tokens} (${TOKEN_COLUMNS})
    SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::text, $7::timestamptz, $8::timestamptz,
      $9::timestamptz,
      $10::timestamptz, $11::text, $12::jsonb, $13::text, $14::text, $15::integer, $16::jsonb, $19::jsonb
    FROM reserved
    RETURNING id`,
    refusal: `SELECT COALESCE((SELECT live FROM ${quota} WHERE organization = $1), 0) AS live,
    EXISTS (SELECT 1 FROM ${tokens} WHERE id = $2::uuid OR secret_hash = $3) AS duplicate`,
    // The version check and the quota release are one statement, hence one
    // transaction: a token never becomes deleted without freeing its slot.
    replace: `WITH moved AS (
      UPDATE ${tokens} SET label = $3, description = $4, created_by = $5, created_at = $6, updated_at = $7,
        expires_at = $8, state = $9, resources = $10::jsonb, display_prefix = $11, version = $12,
        allowed_networks = $13::jsonb
      WHERE id = $1::uuid AND version = $2 AND state <> 'deleted'
      RETURNING organization_id, state
    ), freed AS (
      UPDATE ${quota} AS q SET live = q.live - 1 FROM moved
      WHERE q.organization = moved.organization_id AND moved.state = 'deleted'
    )
    SELECT count(*)::integer AS replaced FROM moved`,
    exists: `SELECT 1 FROM ${tokens} WHERE id = $1::uuid`,
    // Reads no column but the guard's and the hash: the row may be unreadable.
    markDeleted: `WITH moved AS (
      UPDATE ${tokens} SET state = 'deleted', updated_at = $3, version = version + 1
      WHERE id = $1::uuid AND organization_id = $2 AND state <> 'deleted'
      RETURNING organization_id, secret_hash
    ), freed AS (
      UPDATE ${quota} AS q SET live = q.live - 1 FROM moved WHERE q.organization = moved.organization_id
    )
    SELECT secret_hash FROM moved`,
    // Bookkeeping must never queue behind a writer: SKIP LOCKED makes the
    // sub-select find nothing when another transaction holds the row, so the
    // touch writes nothing and returns at once instead of waiting. The guard is
    // re-checked on the newest row version the sub-select locks.
    // The new list is $4, then the stored ones without it in their order, five at most (withRecentAddress in SQL).
    touch: `UPDATE ${tokens} AS t
    SET last_used_at = CASE WHEN t.last_used_at IS NULL OR t.last_used_at < $3 THEN $2 ELSE t.last_used_at END,
      recent_addresses = CASE WHEN $4::text IS NULL THEN t.recent_addresses ELSE (
        SELECT jsonb_agg(a.value ORDER BY a.k) FROM (
          SELECT 0::bigint AS k, to_jsonb($4::text) AS value
          UNION ALL
          SELECT e.k, e.value FROM jsonb_array_elements(t.recent_addresses) WITH ORDINALITY AS e(value, k)
          WHERE e.value <> to_jsonb($4::text)
          ORDER BY k LIMIT 5
        ) AS a
      ) END
    WHERE t.id = (SELECT id FROM ${tokens}
      WHERE id = $1::uuid AND state <> 'deleted'
        AND (last_used_at IS NULL OR last_used_at < $3
          OR ($4::text IS NOT NULL AND NOT recent_addresses @> jsonb_build_array($4::text)))
      FOR UPDATE SKIP LOCKED)`,
    byId: `SELECT ${TOKEN_COLUMNS} FROM ${tokens} WHERE id = $1::uuid`,
    bySecretHash: `SELECT ${TOKEN_COLUMNS} FROM ${tokens} WHERE secret_hash = $1`,
    listPage: `SELECT ${TOKEN_COLUMNS}, count(*) OVER ()::integer AS total ${matching}
    ORDER BY created_at, id OFFSET $4 LIMIT $5`,
    listTotal: `SELECT count(*)::integer AS total ${matching}`,
    countLive: `SELECT live FROM ${quota} WHERE organization = $1`,
    // One statement, one transaction: the row lock of `old` (re-checked on the newest row version) makes the
    // swap and the record of the retired hash land together or not at all. `ended` cuts the earlier graces of the
    // token to now; its `forget_at > $7` keeps its rows apart from the ones `forgotten` deletes (a row may be
    // modified only once per statement), and `kept`'s new row is not yet visible to it.
    rotate: `WITH old AS (
      SELECT id, secret_hash FROM ${tokens} WHERE id = $1::uuid AND version = $2 AND state <> 'deleted' FOR UPDATE
    ), moved AS (
      UPDATE ${tokens} AS t SET secret_hash = $3, display_prefix = $4, updated_at = $5, version = $6
      FROM old WHERE t.id = old.id
      RETURNING old.secret_hash AS retired
    ), forgotten AS (
      DELETE FROM ${rotated} WHERE forget_at <= $7 AND EXISTS (SELECT 1 FROM moved)
    ), ended AS (
      UPDATE ${rotated} SET grace_ends_at = GREATEST(rotated_at, $7)
      WHERE token_id = $1::uuid AND grace_ends_at > $7 AND forget_at > $7 AND EXISTS (SELECT 1 FROM moved)
    ), kept AS (
      INSERT INTO ${rotated} (secret_hash, token_id, rotated_at, grace_ends_at, forget_at)
      SELECT retired, $1::uuid, $7, $8, $9 FROM moved
    )
    SELECT count(*)::integer AS rotated FROM moved`,
    byRotatedHash: `SELECT secret_hash, token_id, rotated_at, grace_ends_at, forget_at FROM ${rotated}
    WHERE secret_hash = $1`,
  };
}

/** The statements of `checkQuotaCounters` for one schema. */
export interface CounterStatements {
  /**
   * Blocks every store write that can change a counter or a token's liveness (they all write the quota table), not
   * reads.
   */
  readonly lockCounters: string;
  /**
   * No parameters. One row with `checked`, plus `organization_id`, `counted`, `live` per mismatch (null when there is
   * none), bytewise by id.
   */
  readonly compare: string;
  /** $1 organizations, $2 live counts (parallel arrays). */
  readonly setCounters: string;
}

/** Builds the counter check's statements for one schema (validated and quoted). */
export function counterStatements(schema: string): CounterStatements {
  const { tokens, quota } = tableNames(schema);
  return {
    lockCounters: `LOCK TABLE ${quota} IN EXCLUSIVE MODE`,
    // Every organization that has a counter or a token; a missing counter counts as 0.
    // COLLATE "C" sorts bytewise, as SQLite does: a database collation such as
    // en_US ignores punctuation and case, and the stores would list one drift in two orders.
    compare: `WITH live AS (
      SELECT organization_id AS organization,
        (count(*) FILTER (WHERE state <> 'deleted'))::integer AS live FROM ${tokens} GROUP BY organization_id
    ), compared AS (
      SELECT COALESCE(q.organization, l.organization) AS organization, COALESCE(q.live, 0) AS counted,
        COALESCE(l.live, 0) AS live
      FROM ${quota} AS q FULL JOIN live AS l ON l.organization = q.organization
    )
    SELECT c.checked, m.organization AS organization_id, m.counted, m.live
    FROM (SELECT count(*)::integer AS checked FROM compared) AS c
    LEFT JOIN (SELECT * FROM compared WHERE counted <> live) AS m ON true
    ORDER BY m.organization COLLATE "C"`,
    setCounters: `INSERT INTO ${quota} AS q (organization, live)
    SELECT organization, live FROM unnest($1::text[], $2::integer[]) AS m(organization, live)
    ON CONFLICT (organization) DO UPDATE SET live = EXCLUDED.live`,
  };
}
