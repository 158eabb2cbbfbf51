import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toOrganizationName } from '../../src/core/ids.js';
import { createPostgresTokenStore, migrate } from '../../src/postgres/index.js';
import { MIGRATION_LOCK_KEY } from '../../src/postgres/migrate.js';
import { makeTestRecord } from '../../src/testing/store-contract/records.js';
import {
  dropSchema,
  failure,
  openPool,
  organizationState,
  recordUncaught,
  skipPostgres,
  useFreshSchema,
  waitForLockWait,
} from './support.js';

const acme = toOrganizationName('acme')!;

/**
 * A connection terminated by the server while the store holds it checked out
 * (`pg_terminate_backend`, as an administrator or a failover does). Before the
 * fix the client emitted `error` with no listener and Node exited with
 * "Unhandled 'error' event ... Connection terminated unexpectedly"; here that
 * would reach `uncaughtException`, which each test records and expects empty.
 */
describe.skipIf(skipPostgres)('a PostgreSQL connection lost while the store holds it', () => {
  let admin: pg.Pool;
  let schema: string;
  let victim: pg.Pool;
  let application: string;
  let uncaught: ReturnType<typeof recordUncaught>;
  let tests = 0;

  useFreshSchema('lost', { connections: 3 }, (fixture) => {
    ({ pool: admin, schema } = fixture);
  });

  beforeEach(() => {
    // A name of its own, so the poll below finds this test's session and no other file's.
    application = `oat-victim-${process.pid}-${++tests}`;
    victim = openPool(1, { application_name: application });
    uncaught = recordUncaught();
  });

  afterEach(async () => {
    uncaught.stop();
    await victim.end();
  });

  it(
    'a create terminated while its statement waits rejects with STORE_FAILURE, the process lives on, the ' +
      'counter equals the live rows, and the next create succeeds',
    async () => {
      const store = createPostgresTokenStore(victim, { schema });
      await expect(store.insertWithinQuota(makeTestRecord(1), 10)).resolves.toEqual({ ok: true });
      const blocker = await admin.connect();
      try {
        // Holding the organization's quota row makes the create statement wait after it has started.
        await blocker.query('BEGIN');
        await blocker.query(`SELECT live FROM "${schema}".oat_org_quota WHERE organization = $1 FOR UPDATE`, [acme]);
        const create = failure(store.insertWithinQuota(makeTestRecord(2), 10));
        const pid = await waitForLockWait(admin, application);
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await expect(create).resolves.toEqual({
          name: 'OatError',
          code: 'STORE_FAILURE',
          message: 'PostgreSQL token store: insertWithinQuota failed',
          context: { operation: 'insertWithinQuota', sqlstate: '57P01' },
        });
      } finally {
        await blocker.query('ROLLBACK');
        blocker.release();
      }
      expect(uncaught.errors).toEqual([]);
      // The broken client was discarded: the pool's one slot is free for a new connection.
      expect({ total: victim.totalCount, waiting: victim.waitingCount }).toEqual({ total: 0, waiting: 0 });
      await expect(organizationState(admin, schema, acme)).resolves.toEqual({ live: 1, counter: 1, rows: 1 });
      await expect(store.insertWithinQuota(makeTestRecord(3), 10)).resolves.toEqual({ ok: true });
      await expect(organizationState(admin, schema, acme)).resolves.toEqual({ live: 2, counter: 2, rows: 2 });
      expect(uncaught.errors).toEqual([]);
    },
  );

  it(
    'a migrate terminated while it waits on its advisory lock rejects with STORE_FAILURE, the process lives ' +
      'on, and the next migrate succeeds',
    async () => {
      const target = `t_lost_migrate_${process.pid}`;
      const holder = await admin.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        const migrating = failure(migrate(victim, { schema: target }));
        const pid = await waitForLockWait(admin, application);
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await expect(migrating).resolves.toEqual({
          name: 'OatError',
          code: 'STORE_FAILURE',
          message: 'PostgreSQL token store: migrate failed',
          context: { operation: 'migrate', sqlstate: '57P01' },
        });
      } finally {
        await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        holder.release();
      }
      try {
        expect(uncaught.errors).toEqual([]);
        expect(victim.totalCount).toBe(0);
        await expect(migrate(victim, { schema: target })).resolves.toBeUndefined();
        const store = createPostgresTokenStore(victim, { schema: target });
        await expect(store.insertWithinQuota(makeTestRecord(1), 1)).resolves.toEqual({ ok: true });
        expect(uncaught.errors).toEqual([]);
      } finally {
        await dropSchema(admin, target);
      }
    },
  );
});
