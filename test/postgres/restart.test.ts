import type { OrganizationId } from '../../src/core/ids.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOrganizationName } from '../../src/core/ids.js';
import { createPostgresTokenStore, migrate } from '../../src/postgres/index.js';
import { makeTestRecord } from '../../src/testing/store-contract/records.js';
import { startPrivateCluster, type PrivateCluster } from './cluster.js';
import { failure, recordUncaught, skipPostgres, waitForLockWait } from './support.js';

const acme = toOrganizationName('acme')!;

describe.skipIf(skipPostgres)(
  'the PostgreSQL store across a server crash and restart (pg_ctl stop -m immediate, then start)',
  () => {
    let cluster: PrivateCluster | undefined;

    beforeAll(async () => {
      cluster = await startPrivateCluster();
    });

    afterAll(async () => {
      await cluster?.remove();
    });

    it(
      'a create in flight rejects with STORE_FAILURE, calls while the server is down reject with the driver ' +
        'code, and the same store works again after the restart',
      async () => {
        if (cluster === undefined) throw new Error('no cluster');
        const application = `oat-restart-${process.pid}`;
        // The throwaway cluster runs with synchronous_commit off, which an immediate stop may undo; a real server keeps
        // its commits.
        const durable = '-c synchronous_commit=on';
        const pool = new pg.Pool({
          connectionString: cluster.url,
          max: 2,
          application_name: application,
          options: durable,
        });
        const idleErrors: Error[] = [];
        pool.on('error', (error) => idleErrors.push(error)); // the listener the docs ask for, for idle clients
        const admin = new pg.Pool({ connectionString: cluster.url, max: 2 });
        admin.on('error', () => undefined);
        const uncaught = recordUncaught();
        try {
          await migrate(pool);
          const store = createPostgresTokenStore(pool);
          const first = makeTestRecord(1);
          await expect(store.insertWithinQuota(first, 10)).resolves.toEqual({ ok: true });

          // A create waiting inside its transaction when the server goes down.
          const blocker = await admin.connect();
          blocker.on('error', () => undefined); // this test's own checked-out client loses its server too
          await blocker.query('BEGIN');
          await blocker.query('SELECT live FROM oat_org_quota WHERE organization = $1 FOR UPDATE', [acme]);
          const inFlight = failure(store.insertWithinQuota(makeTestRecord(2), 10));
          await waitForLockWait(admin, application);
          await cluster.stopImmediately();
          blocker.release(true);
          await expect(inFlight).resolves.toMatchObject({
            name: 'OatError',
            code: 'STORE_FAILURE',
            context: { operation: 'insertWithinQuota' },
          });

          await expect(failure(store.findById(first.id))).resolves.toEqual({
            name: 'OatError',
            code: 'STORE_FAILURE',
            message: 'PostgreSQL token store: findById failed',
            context: { operation: 'findById', driverCode: 'ECONNREFUSED' },
          });

          await cluster.start();
          await expect(store.findById(first.id)).resolves.toEqual(first);
          await expect(store.insertWithinQuota(makeTestRecord(3), 10)).resolves.toEqual({ ok: true });
          await expect(store.countLive(acme as string as OrganizationId)).resolves.toBe(2);
          const { rows } = await admin.query<{ live: number }>(
            `SELECT count(*)::integer AS live FROM oat_tokens WHERE organization = $1 AND state <> 'deleted'`,
            [acme],
          );
          expect(rows[0]?.live).toBe(2);
          expect(uncaught.errors).toEqual([]);
        } finally {
          uncaught.stop();
          await Promise.all([pool.end(), admin.end()]);
        }
      },
    );
  },
);
