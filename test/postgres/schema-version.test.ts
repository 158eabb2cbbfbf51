import type { OrganizationId } from '../../src/core/ids.js';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toOrganizationName } from '../../src/core/ids.js';
import { SCHEMA_VERSION, createPostgresTokenStore, migrate } from '../../src/postgres/index.js';
import { makeTestRecord } from '../../src/testing/store-contract/records.js';
import { dropSchema, failure, openPool, organizationState, skipPostgres } from './support.js';

const acme = toOrganizationName('acme')!;

/** The tables 0.1's `migrate` created, with no version table: what an existing deployment holds. */
function migrationSql01(schema: string): string {
  return `CREATE SCHEMA IF NOT EXISTS "${schema}";
CREATE TABLE IF NOT EXISTS "${schema}".oat_tokens (
  id uuid PRIMARY KEY, organization text NOT NULL, label text NOT NULL, description text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, expires_at timestamptz, last_used_at timestamptz,
  state text NOT NULL CHECK (state IN ('active', 'inactive', 'deleted')), resources jsonb NOT NULL,
  secret_hash text NOT NULL,
  display_prefix text NOT NULL, version integer NOT NULL CHECK (version >= 1)
);
CREATE UNIQUE INDEX IF NOT EXISTS oat_tokens_secret_hash_key ON "${schema}".oat_tokens (secret_hash);
CREATE INDEX IF NOT EXISTS oat_tokens_listing_idx ON "${schema}".oat_tokens (organization, created_at, id);
CREATE TABLE IF NOT EXISTS "${schema}".oat_org_quota (organization text PRIMARY KEY,
  live integer NOT NULL CHECK (live >= 0));`;
}

/**
 * A pool that counts the statements whose text matches `pattern` (the store's schema check looks tables up with
 * to_regclass).
 */
function countingPool(pool: pg.Pool, pattern: RegExp): { readonly pool: pg.Pool; count(): number } {
  let count = 0;
  const counted = new Proxy(pool, {
    get(target, property) {
      if (property === 'query') {
        return (text: unknown, ...rest: unknown[]) => {
          if (typeof text === 'string' && pattern.test(text)) count++;
          return (target.query as (...args: unknown[]) => unknown)(text, ...rest);
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { pool: counted, count: () => count };
}

describe.skipIf(skipPostgres)('the PostgreSQL schema version', () => {
  let pool: pg.Pool;
  let schema: string;
  let schemas = 0;

  beforeAll(() => {
    pool = openPool(4);
  });

  beforeEach(() => {
    schema = `t_version_${process.pid}_${++schemas}`;
  });

  afterEach(async () => {
    await dropSchema(pool, schema);
  });

  afterAll(async () => {
    await pool?.end();
  });

  const recorded = async (): Promise<unknown> =>
    (await pool.query(`SELECT version FROM "${schema}".oat_schema_version`)).rows.map(
      (r: { version: number }) => r.version,
    );

  it('migrate records SCHEMA_VERSION, which is 4', async () => {
    expect(SCHEMA_VERSION).toBe(4);
    await migrate(pool, { schema });
    await expect(recorded()).resolves.toEqual([SCHEMA_VERSION]);
    await migrate(pool, { schema });
    await expect(recorded()).resolves.toEqual([SCHEMA_VERSION]);
  });

  it(
    'a schema 0.1 made (no version table) reads as version 1 and is refused until migrate upgrades it to 2, ' +
      'each token keeping its name as organization id',
    async () => {
      await pool.query(migrationSql01(schema));
      const record = makeTestRecord(1);
      const { organizationId: _id, ...columns } = record;
      // Rows as 0.1 wrote them: two tokens of acme (one deleted), one of globex, and their counters.
      const insert01 = (r: typeof record) =>
        pool.query(
          `INSERT INTO "${schema}".oat_tokens (id, organization, label, description, created_by, created_at,
            updated_at, expires_at, last_used_at, state, resources, secret_hash, display_prefix, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, $8, $9, $10, $11, $12)`,
          [
            r.id,
            r.organization,
            r.label,
            r.description,
            r.createdBy,
            new Date(r.createdAt),
            new Date(r.updatedAt),
            r.state,
            JSON.stringify(r.resources),
            r.secretHash,
            r.displayPrefix,
            r.version,
          ],
        );
      const gone = makeTestRecord(2, { state: 'deleted' });
      const globex = makeTestRecord(3, { organization: 'globex' });
      for (const r of [record, gone, globex]) await insert01(r);
      await pool.query(`INSERT INTO "${schema}".oat_org_quota (organization, live) VALUES ('acme', 1), ('globex', 1)`);
      expect(columns.organization).toBe('acme');
      const refused = await failure(createPostgresTokenStore(pool, { schema }).countLive(record.organizationId));
      expect(refused).toMatchObject({
        code: 'MISCONFIGURED',
        message: "database schema version 1 is older than this library's 4 (run migrate)",
      });
      await migrate(pool, { schema });
      await expect(recorded()).resolves.toEqual([SCHEMA_VERSION]);
      const store = createPostgresTokenStore(pool, { schema });
      await expect(store.findById(record.id)).resolves.toEqual(record);
      await expect(store.findById(gone.id)).resolves.toEqual(gone);
      await expect(store.countLive(record.organizationId)).resolves.toBe(1);
      await expect(store.countLive(globex.organizationId)).resolves.toBe(1);
      await expect(
        store.list({ organizationId: globex.organizationId, now: 0, offset: 0, limit: 10 }),
      ).resolves.toEqual({
        items: [globex],
        total: 1,
        unreadable: 0,
        unreadableIds: [],
      });
      await expect(store.replace({ ...record, state: 'deleted', version: 2 }, 1)).resolves.toEqual({ ok: true });
      await expect(store.countLive(record.organizationId)).resolves.toBe(0);
      await migrate(pool, { schema });
      await expect(organizationState(pool, schema, acme)).resolves.toEqual({ live: 0, counter: 0, rows: 2 });
    },
  );

  it(
    'a version 3 schema is refused until migrate adds recent_addresses: tokens keep their fields with none ' +
      'recorded, and touches then record them',
    async () => {
      await migrate(pool, { schema });
      const record = makeTestRecord(1, { allowedNetworks: ['10.0.0.0/8'] });
      await expect(createPostgresTokenStore(pool, { schema }).insertWithinQuota(record, 5)).resolves.toEqual({
        ok: true,
      });
      // What version 3 held: the same tables without the column.
      await pool.query(`ALTER TABLE "${schema}".oat_tokens DROP COLUMN recent_addresses`);
      await pool.query(`UPDATE "${schema}".oat_schema_version SET version = 3`);
      const refused = await failure(createPostgresTokenStore(pool, { schema }).findById(record.id));
      expect(refused).toMatchObject({
        code: 'MISCONFIGURED',
        message: "database schema version 3 is older than this library's 4 (run migrate)",
      });
      await migrate(pool, { schema });
      await expect(recorded()).resolves.toEqual([4]);
      const store = createPostgresTokenStore(pool, { schema });
      await expect(store.findById(record.id)).resolves.toEqual(record);
      await expect(
        store.touchLastUsed(record.id, record.createdAt + 1, record.createdAt + 1, '192.0.2.1'),
      ).resolves.toBe(true);
      await expect(store.findById(record.id)).resolves.toMatchObject({ recentAddresses: ['192.0.2.1'] });
    },
  );

  it(
    'migrate on an up-to-date schema takes no lock on oat_tokens: it completes while another transaction has ' +
      'read the table',
    async () => {
      await migrate(pool, { schema });
      // lock_timeout makes a migrate that queues for a table lock fail in 2 s instead of hanging behind the reader.
      const impatient = openPool(1, { options: '-c lock_timeout=2000' });
      const reader = await pool.connect();
      try {
        await reader.query('BEGIN');
        await reader.query(`SELECT count(*) FROM "${schema}".oat_tokens`);
        await expect(migrate(impatient, { schema })).resolves.toBeUndefined();
        await expect(recorded()).resolves.toEqual([SCHEMA_VERSION]);
      } finally {
        await reader.query('ROLLBACK');
        reader.release();
        await impatient.end();
      }
    },
  );

  it(
    'oat_tokens refuses an empty organization_id, in a fresh schema and in one upgraded from 0.1, and ' +
      'migrating again keeps the check',
    async () => {
      const emptyId = async (): Promise<unknown> => {
        const r = makeTestRecord(1);
        try {
          await pool.query(
            `INSERT INTO "${schema}".oat_tokens (id, organization_id, organization, label, description, created_by,
              created_at, updated_at, state, resources, secret_hash, display_prefix, version)
           VALUES ($1, '', $2, $3, $4, $5, now(), now(), 'active', '[]', $6, $7, 1)`,
            [r.id, r.organization, r.label, r.description, r.createdBy, r.secretHash, r.displayPrefix],
          );
        } catch (error) {
          return (error as { code?: unknown }).code;
        }
        return 'inserted';
      };
      const CHECK_VIOLATION = '23514';
      await migrate(pool, { schema });
      await expect(emptyId()).resolves.toBe(CHECK_VIOLATION);
      await dropSchema(pool, schema);
      await pool.query(migrationSql01(schema));
      await migrate(pool, { schema });
      await expect(emptyId()).resolves.toBe(CHECK_VIOLATION);
      await migrate(pool, { schema });
      await expect(emptyId()).resolves.toBe(CHECK_VIOLATION);
    },
  );

  it(
    'a store over a newer schema refuses every call with MISCONFIGURED naming both versions, before ' +
      'touching a table',
    async () => {
      await migrate(pool, { schema });
      await pool.query(`UPDATE "${schema}".oat_schema_version SET version = $1`, [SCHEMA_VERSION + 1]);
      const store = createPostgresTokenStore(pool, { schema });
      const expected = {
        name: 'OatError',
        code: 'MISCONFIGURED',
        message: `database schema version ${SCHEMA_VERSION + 1} is newer than this library's ${SCHEMA_VERSION}`,
        context: { schema, databaseVersion: SCHEMA_VERSION + 1, libraryVersion: SCHEMA_VERSION },
      };
      await expect(failure(store.insertWithinQuota(makeTestRecord(1), 10))).resolves.toEqual(expected);
      await expect(failure(Promise.resolve(store.findBySecretHash('h')))).resolves.toEqual(expected);
      await expect(failure(store.countLive(acme as string as OrganizationId))).resolves.toEqual(expected);
      await expect(organizationState(pool, schema, acme)).resolves.toEqual({ live: 0, counter: null, rows: 0 });
    },
  );

  it('migrate refuses a newer schema the same way and never lowers its version', async () => {
    await migrate(pool, { schema });
    await pool.query(`UPDATE "${schema}".oat_schema_version SET version = $1`, [SCHEMA_VERSION + 5]);
    await expect(failure(migrate(pool, { schema }))).resolves.toMatchObject({
      code: 'MISCONFIGURED',
      message: `database schema version ${SCHEMA_VERSION + 5} is newer than this library's ${SCHEMA_VERSION}`,
    });
    await expect(recorded()).resolves.toEqual([SCHEMA_VERSION + 5]);
  });

  it('an unknown version (0, or no row at all) is refused by the store and by migrate, naming both', async () => {
    await migrate(pool, { schema });
    await pool.query(`UPDATE "${schema}".oat_schema_version SET version = 0`);
    const unknownZero = {
      code: 'MISCONFIGURED',
      message: `database schema version 0 is unknown to this library, whose version is ${SCHEMA_VERSION}`,
    };
    await expect(
      failure(createPostgresTokenStore(pool, { schema }).countLive(acme as string as OrganizationId)),
    ).resolves.toMatchObject(unknownZero);
    await expect(failure(migrate(pool, { schema }))).resolves.toMatchObject(unknownZero);
    await pool.query(`DELETE FROM "${schema}".oat_schema_version`);
    const unknownNone = {
      code: 'MISCONFIGURED',
      message: `database schema version (none recorded) is unknown to this library, whose version is ${SCHEMA_VERSION}`,
    };
    await expect(
      failure(createPostgresTokenStore(pool, { schema }).countLive(acme as string as OrganizationId)),
    ).resolves.toMatchObject(unknownNone);
    await expect(failure(migrate(pool, { schema }))).resolves.toMatchObject(unknownNone);
  });

  it(
    'a store over a schema that was never migrated refuses with MISCONFIGURED, and works once ' + 'migrate has run',
    async () => {
      const store = createPostgresTokenStore(pool, { schema });
      await expect(failure(store.countLive(acme as string as OrganizationId))).resolves.toMatchObject({
        code: 'MISCONFIGURED',
        message: `PostgreSQL schema "${schema}" holds no token tables: run migrate first`,
      });
      await migrate(pool, { schema });
      await expect(store.countLive(acme as string as OrganizationId)).resolves.toBe(0);
    },
  );

  it('the check runs once: concurrent first calls share it, later calls trust its cached answer', async () => {
    await migrate(pool, { schema });
    const counting = countingPool(pool, /to_regclass/);
    const store = createPostgresTokenStore(counting.pool, { schema });
    await Promise.all([
      store.countLive(acme as string as OrganizationId),
      store.countLive(acme as string as OrganizationId),
      store.findById(makeTestRecord(1).id),
      store.list({ organizationId: acme as string as OrganizationId, now: 0, offset: 0, limit: 5 }),
    ]);
    await store.insertWithinQuota(makeTestRecord(2), 10);
    await store.countLive(acme as string as OrganizationId);
    expect(counting.count()).toBe(1);
  });
});
