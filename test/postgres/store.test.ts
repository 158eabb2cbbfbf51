import type { OrganizationId } from '../../src/core/ids.js';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { toOrganizationName } from '../../src/core/ids.js';
import { isOatError } from '../../src/errors.js';
import { SCHEMA_VERSION, checkQuotaCounters, createPostgresTokenStore, migrate } from '../../src/postgres/index.js';
import { makeTestRecord, nextVersion } from '../../src/testing/store-contract/records.js';
import { dropSchema, freshSchema, openPool, organizationState, skipPostgres, useFreshSchema } from './support.js';

const acme = toOrganizationName('acme')!;

/** Wraps a pool so that queries whose text matches `failing` reject on the client, as a dropped connection would. */
function faultyPool(pool: pg.Pool, failing: RegExp): pg.Pool {
  // Shaped as node-postgres hands over an error the server sent: a SQLSTATE with its severity.
  const injected = () => Object.assign(new Error('injected fault'), { code: '08006', severity: 'FATAL' });
  const wrapClient = (client: pg.PoolClient): pg.PoolClient =>
    new Proxy(client, {
      get(target, property) {
        if (property === 'query') {
          return (text: unknown, ...rest: unknown[]) =>
            typeof text === 'string' && failing.test(text)
              ? Promise.reject(injected())
              : (target.query as (...args: unknown[]) => unknown)(text, ...rest);
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return new Proxy(pool, {
    get(target, property) {
      if (property === 'connect') return async () => wrapClient(await target.connect());
      if (property === 'query') {
        return (text: unknown, ...rest: unknown[]) =>
          typeof text === 'string' && failing.test(text)
            ? Promise.reject(injected())
            : (target.query as (...args: unknown[]) => unknown)(text, ...rest);
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(skipPostgres)('the PostgreSQL token store beyond the contract', () => {
  let pool: pg.Pool;
  let schema: string;

  useFreshSchema('store', { connections: 4, emptyBeforeEach: true }, (fixture) => {
    ({ pool, schema } = fixture);
  });

  describe('migrate', () => {
    it('is idempotent, also when four instances run it at the same moment on a new schema', async () => {
      const target = `t_migrate_${process.pid}`;
      const pools = [openPool(1), openPool(1), openPool(1), openPool(1)];
      try {
        await Promise.all(pools.map((p) => migrate(p, { schema: target })));
        await migrate(pool, { schema: target });
        const { rows } = await pool.query<{ name: string }>(
          `SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 UNION ALL SELECT indexname FROM ` +
            `pg_indexes WHERE schemaname = $1 ORDER BY 1`,
          [target],
        );
        expect(rows.map((r) => r.name)).toEqual([
          'oat_org_quota',
          'oat_org_quota_pkey',
          'oat_rotated_secrets',
          'oat_rotated_secrets_forget_at_idx',
          'oat_rotated_secrets_pkey',
          'oat_schema_version',
          'oat_schema_version_pkey',
          'oat_tokens',
          'oat_tokens_organization_id_listing_idx',
          'oat_tokens_pkey',
          'oat_tokens_secret_hash_key',
        ]);
        await expect(
          pool.query(`SELECT singleton, version FROM "${target}".oat_schema_version`).then((r) => r.rows),
        ).resolves.toEqual([{ singleton: true, version: SCHEMA_VERSION }]);
      } finally {
        await Promise.all(pools.map((p) => p.end()));
        await dropSchema(pool, target);
      }
    });

    it('keeps the data of an existing schema', async () => {
      const store = createPostgresTokenStore(pool, { schema });
      const record = makeTestRecord(1);
      await store.insertWithinQuota(record, 10);
      await migrate(pool, { schema });
      await expect(store.findById(record.id)).resolves.toEqual(record);
      await expect(store.countLive(acme as string as OrganizationId)).resolves.toBe(1);
    });

    it('refuses a bad schema name with MISCONFIGURED, at construction for the store', async () => {
      expect(() => createPostgresTokenStore(pool, { schema: 'x"; DROP TABLE oat_tokens; --' })).toThrow(
        expect.objectContaining({ code: 'MISCONFIGURED' }),
      );
      await expect(migrate(pool, { schema: 'Bad-Name' })).rejects.toMatchObject({
        name: 'OatError',
        code: 'MISCONFIGURED',
      });
    });
  });

  describe('the quota counter', () => {
    it(
      'a refused duplicate rolls back the slot it reserved, so the counter never drifts from the ' + 'live rows',
      async () => {
        const store = createPostgresTokenStore(pool, { schema });
        const first = makeTestRecord(1);
        await store.insertWithinQuota(first, 10);
        await expect(store.insertWithinQuota(makeTestRecord(2, { secretHash: first.secretHash }), 10)).resolves.toEqual(
          {
            ok: false,
            code: 'DUPLICATE',
          },
        );
        await expect(store.insertWithinQuota(makeTestRecord(3, { id: first.id }), 10)).resolves.toEqual({
          ok: false,
          code: 'DUPLICATE',
        });
        await expect(organizationState(pool, schema, acme)).resolves.toEqual({ live: 1, counter: 1, rows: 1 });
      },
    );

    it(
      'concurrent creates of one id or secret hash insert one token and raise the counter once: a duplicate ' +
        'never leaks a slot',
      async () => {
        const store = createPostgresTokenStore(pool, { schema });
        const first = makeTestRecord(1);
        const rivals = [
          first,
          ...[2, 3, 4].map((seq) => makeTestRecord(seq, { secretHash: first.secretHash })),
          ...[5, 6, 7].map((seq) => makeTestRecord(seq, { id: first.id })),
        ];
        const outcomes = await Promise.all(rivals.map((record) => store.insertWithinQuota(record, 10)));
        expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
        expect(outcomes.filter((outcome) => !outcome.ok)).toEqual(
          Array.from({ length: 6 }, () => ({ ok: false, code: 'DUPLICATE' })),
        );
        await expect(organizationState(pool, schema, acme)).resolves.toEqual({ live: 1, counter: 1, rows: 1 });
        await expect(checkQuotaCounters(pool, { schema })).resolves.toMatchObject({ mismatches: [] });
      },
    );

    it('a duplicate at a full quota is reported as DUPLICATE, as the in-memory store does', async () => {
      const store = createPostgresTokenStore(pool, { schema });
      const first = makeTestRecord(1);
      await store.insertWithinQuota(first, 1);
      await expect(store.insertWithinQuota(makeTestRecord(2, { secretHash: first.secretHash }), 1)).resolves.toEqual({
        ok: false,
        code: 'DUPLICATE',
      });
    });

    it('a record inserted already deleted takes no slot', async () => {
      const store = createPostgresTokenStore(pool, { schema });
      await expect(store.insertWithinQuota(makeTestRecord(1, { state: 'deleted' }), 1)).resolves.toEqual({ ok: true });
      await expect(store.insertWithinQuota(makeTestRecord(2), 1)).resolves.toEqual({ ok: true });
      await expect(organizationState(pool, schema, acme)).resolves.toEqual({ live: 1, counter: 1, rows: 2 });
    });

    it(
      'limits that are not small integers keep the meaning "fewer than limit": 2.5 admits 3, Infinity ' +
        'admits, NaN admits none',
      async () => {
        const store = createPostgresTokenStore(pool, { schema });
        for (let seq = 1; seq <= 3; seq++)
          await expect(store.insertWithinQuota(makeTestRecord(seq), 2.5)).resolves.toEqual({ ok: true });
        await expect(store.insertWithinQuota(makeTestRecord(4), 2.5)).resolves.toEqual({
          ok: false,
          code: 'QUOTA_EXCEEDED',
          count: 3,
        });
        await expect(store.insertWithinQuota(makeTestRecord(5), Number.POSITIVE_INFINITY)).resolves.toEqual({
          ok: true,
        });
        await expect(store.insertWithinQuota(makeTestRecord(6), Number.NaN)).resolves.toEqual({
          ok: false,
          code: 'QUOTA_EXCEEDED',
          count: 4,
        });
      },
    );

    it('deletes through replace lower the counter in the same statement as the version check', async () => {
      const store = createPostgresTokenStore(pool, { schema });
      const records = [1, 2, 3].map((seq) => makeTestRecord(seq));
      for (const record of records) await store.insertWithinQuota(record, 3);
      await Promise.all(records.map((record) => store.replace(nextVersion(record, { state: 'deleted' }), 1)));
      await expect(organizationState(pool, schema, acme)).resolves.toEqual({ live: 0, counter: 0, rows: 3 });
    });
  });

  describe('faults', () => {
    it(
      'a fault inside the insert statement rolls everything back, releases the client and throws ' +
        'STORE_FAILURE with the SQLSTATE',
      async () => {
        const store = createPostgresTokenStore(faultyPool(pool, /INSERT INTO "[a-z0-9_]+"\.oat_tokens/), { schema });
        const error = await rejection(store.insertWithinQuota(makeTestRecord(1), 10));
        expect(isOatError(error) && { code: error.code, context: error.context }).toEqual({
          code: 'STORE_FAILURE',
          context: { operation: 'insertWithinQuota', sqlstate: '08006' },
        });
        await expect(organizationState(pool, schema, acme)).resolves.toEqual({ live: 0, counter: null, rows: 0 });
        expect({ idle: pool.idleCount, waiting: pool.waitingCount }).toEqual({ idle: pool.totalCount, waiting: 0 });
      },
    );

    it('a client whose ROLLBACK fails is discarded, not returned to the pool', async () => {
      // A create is one statement outside any transaction; the counter repair is the store's transaction.
      await pool.query('SELECT 1');
      const before = pool.totalCount;
      await expect(
        checkQuotaCounters(faultyPool(pool, /LOCK TABLE|ROLLBACK/), { repair: true, schema }),
      ).rejects.toMatchObject({ code: 'STORE_FAILURE' });
      expect(pool.totalCount).toBe(before - 1);
      expect(pool.idleCount).toBe(pool.totalCount);
    });

    it(
      'errors name the operation and SQLSTATE, never a value: a secret hash looked up stays out of ' + 'the error',
      async () => {
        // A token table without the columns the store reads: the server answers 42703 (undefined column).
        const broken = `t_broken_${process.pid}`;
        // It records the current version, so the store gets as far as the query.
        await pool.query(`CREATE SCHEMA "${broken}"; CREATE TABLE "${broken}".oat_tokens (id uuid PRIMARY KEY);
        CREATE TABLE "${broken}".oat_schema_version (singleton boolean PRIMARY KEY DEFAULT true,
          version integer NOT NULL); INSERT INTO "${broken}".oat_schema_version VALUES (true, ${SCHEMA_VERSION})`);
        const store = createPostgresTokenStore(pool, { schema: broken });
        const error = await rejection(Promise.resolve(store.findBySecretHash('hash-that-must-not-leak'))).finally(() =>
          dropSchema(pool, broken),
        );
        expect(isOatError(error) && { code: error.code, context: error.context }).toEqual({
          code: 'STORE_FAILURE',
          context: { operation: 'findBySecretHash', sqlstate: '42703' },
        });
        expect(JSON.stringify(error)).not.toContain('hash-that-must-not-leak');
        expect(String(error)).not.toContain('hash-that-must-not-leak');
      },
    );

    it('ids that are not UUIDs find nothing instead of failing the uuid cast', async () => {
      const store = createPostgresTokenStore(pool, { schema });
      const notAnId = 'not-a-uuid' as ReturnType<typeof makeTestRecord>['id'];
      await expect(store.findById(notAnId)).resolves.toBeNull();
      await expect(store.touchLastUsed(notAnId, Date.now(), Date.now())).resolves.toBe(false);
      await expect(store.replace({ ...makeTestRecord(1), id: notAnId }, 1)).resolves.toEqual({
        ok: false,
        code: 'NOT_FOUND',
      });
    });
  });

  describe('replace', () => {
    it('an expected version the integer column cannot hold is a conflict (or not-found), not a fault', async () => {
      const store = createPostgresTokenStore(pool, { schema });
      const record = makeTestRecord(1);
      await store.insertWithinQuota(record, 10);
      for (const version of [1.5, 2 ** 40, Number.NaN])
        await expect(store.replace(nextVersion(record), version)).resolves.toEqual({ ok: false, code: 'CONFLICT' });
      await expect(store.replace(makeTestRecord(2), 1.5)).resolves.toEqual({ ok: false, code: 'NOT_FOUND' });
      await expect(store.findById(record.id)).resolves.toEqual(record);
    });
  });

  describe('text PostgreSQL cannot hold as is', () => {
    it('U+0000, lone surrogates and the marker character round-trip in label, description and createdBy', async () => {
      const store = createPostgresTokenStore(pool, { schema });
      const record = makeTestRecord(1, {
        label: 'a\u0000b',
        description: 'half \uD83D pair, \uFFFFmark',
        createdBy: '\uFFFFbob',
      });
      await store.insertWithinQuota(record, 10);
      await expect(store.findById(record.id)).resolves.toEqual(record);
      const replaced = nextVersion(record, { description: '\u0000' });
      await expect(store.replace(replaced, 1)).resolves.toEqual({ ok: true });
      await expect(store.findBySecretHash(record.secretHash)).resolves.toEqual(replaced);
      const { rows } = await pool.query<{ label: string }>(`SELECT label FROM "${schema}".oat_tokens WHERE id = $1`, [
        record.id,
      ]);
      expect(rows[0]?.label).toBe('\uFFFF"a\\u0000b"');
    });
  });

  describe('schemas', () => {
    it('stores in different schemas of one database are independent', async () => {
      const other = await freshSchema(pool, 'other');
      try {
        const a = createPostgresTokenStore(pool, { schema });
        const b = createPostgresTokenStore(pool, { schema: other });
        const record = makeTestRecord(1);
        await a.insertWithinQuota(record, 1);
        await expect(b.findById(record.id)).resolves.toBeNull();
        await expect(b.insertWithinQuota(record, 1)).resolves.toEqual({ ok: true });
        await expect(b.countLive(acme as string as OrganizationId)).resolves.toBe(1);
      } finally {
        await dropSchema(pool, other);
      }
    });
  });
});
