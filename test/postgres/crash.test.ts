import type { OrganizationId } from '../../src/core/ids.js';
import { once } from 'node:events';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parseStoredRecord } from '../../src/core/record-schema.js';
import { toOrganizationName, type OrganizationName } from '../../src/core/ids.js';
import { createPostgresTokenStore } from '../../src/postgres/index.js';
import { decodeRow } from '../../src/postgres/text.js';
import { makeTestRecord } from '../../src/testing/store-contract/records.js';
import { CHURN_APPLICATION } from './protocol.js';
import { organizationState, requirePgUrl, skipPostgres, useFreshSchema } from './support.js';
import { startWorker, type Worker } from './workers.js';

const CONNECTIONS = 5;
/** Operations a worker completes before it is killed: enough to fill a quota of 20 and delete its way around it. */
const OPERATIONS_BEFORE_KILL = 150;

/** How long {@link waitUntil} waits: well inside the test timeout, so the callers' `finally` blocks still run. */
const WAIT_DEADLINE_MS = 30_000;

const CHURN_SESSIONS = 'SELECT count(*)::integer AS n FROM pg_stat_activity WHERE application_name = $1';
const BLOCKED_TOKEN_INSERTS = `SELECT count(*)::integer AS n FROM pg_stat_activity
  WHERE application_name = $1 AND wait_event_type = 'Lock' AND query LIKE 'WITH reserved AS%oat_tokens%'`;

function organization(name: string): OrganizationName {
  const org = toOrganizationName(name);
  if (org === null) throw new Error(`bad organization ${name}`);
  return org;
}

describe.skipIf(skipPostgres)('the PostgreSQL token store survives a process killed mid-write', () => {
  let pool: pg.Pool;
  let schema: string;

  useFreshSchema('crash', { connections: 3 }, (fixture) => {
    ({ pool, schema } = fixture);
  });

  /** Polls until `sql` (one integer column `n`) is within [atLeast, atMost]; throws after {@link WAIT_DEADLINE_MS}. */
  async function waitUntil(sql: string, atLeast: number, atMost = Infinity): Promise<void> {
    // A wait that never ends would hold whatever the caller holds (the table lock, a live worker) past the test.
    const deadline = Date.now() + WAIT_DEADLINE_MS;
    for (;;) {
      const { rows } = await pool.query<{ n: number }>(sql, [CHURN_APPLICATION]);
      const n = rows[0]?.n ?? 0;
      if (n >= atLeast && n <= atMost) return;
      if (Date.now() > deadline)
        throw new Error(`waited ${WAIT_DEADLINE_MS} ms for ${n} to be within [${atLeast}, ${atMost}]: ${sql}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Starts a worker that creates (and, when full, deletes) in a loop on 5 connections, and waits until it is well under
   * way.
   */
  async function startChurn(org: OrganizationName, limit: number, firstSeq: number): Promise<Worker> {
    const worker = startWorker();
    worker.send({
      type: 'churn',
      url: requirePgUrl(),
      schema,
      organization: org,
      limit,
      connections: CONNECTIONS,
      firstSeq,
    });
    try {
      for (let done = 0; done < OPERATIONS_BEFORE_KILL; ) done = (await worker.next('progress')).operations;
    } catch (error) {
      await kill(worker);
      throw error;
    }
    return worker;
  }

  async function kill(worker: Worker): Promise<void> {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
    const exited = once(worker.child, 'exit');
    worker.child.kill('SIGKILL');
    await exited;
  }

  /**
   * Once the server has dropped the dead worker's sessions: every row parses
   * as a whole record, the quota counter equals the live rows, and the guard
   * still lets exactly up to `limit` in.
   */
  async function expectRecovered(org: OrganizationName, limit: number, firstSeq: number): Promise<void> {
    await waitUntil(CHURN_SESSIONS, 0, 0);
    const { rows } = await pool.query(`SELECT * FROM "${schema}".oat_tokens WHERE organization = $1`, [org]);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(() => parseStoredRecord(decodeRow(row))).not.toThrow();

    const state = await organizationState(pool, schema, org);
    expect(state.counter).toBe(state.live);
    expect(state.live).toBeLessThanOrEqual(limit);

    const store = createPostgresTokenStore(pool, { schema });
    await expect(store.countLive(org as string as OrganizationId)).resolves.toBe(state.live);
    for (let i = 0; i < limit - state.live; i++) {
      await expect(
        store.insertWithinQuota(makeTestRecord(firstSeq + i, { organization: org }), limit),
      ).resolves.toEqual({ ok: true });
    }
    await expect(
      store.insertWithinQuota(makeTestRecord(firstSeq + limit, { organization: org }), limit),
    ).resolves.toEqual({ ok: false, code: 'QUOTA_EXCEEDED', count: limit });
    const after = await organizationState(pool, schema, org);
    expect({ live: after.live, counter: after.counter }).toEqual({ live: limit, counter: limit });
  }

  it(
    'after SIGKILL of a process creating and deleting at the limit, every row is whole, the counter equals ' +
      'the live count, and creates stop at the limit',
    async () => {
      const org = organization('crashco');
      await kill(await startChurn(org, 20, 1));
      await expectRecovered(org, 20, 1_000_000);
    },
  );

  it('a process killed while its create statement is in flight leaks no quota', async () => {
    // A limit the churn never reaches, so every loop is creating. The test then
    // takes a lock that makes the create statements (counter raise and token
    // insert in one) wait: the kill lands, for certain, inside one of them.
    const org = organization('frozenco');
    const worker = await startChurn(org, 1_000_000, 2_000_000);
    const blocker = await pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE "${schema}".oat_tokens IN EXCLUSIVE MODE`);
      await waitUntil(BLOCKED_TOKEN_INSERTS, 1);
      await kill(worker);
    } finally {
      await kill(worker);
      // A backend waiting on a lock does not notice that its client is gone;
      // it finds out, and rolls back, once the lock is released.
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    // The blocked statements of the dead sessions may still commit once the lock goes (a backend learns its client
    // is gone only when it answers), so the live count is read after those sessions have ended, not before.
    await waitUntil(CHURN_SESSIONS, 0, 0);
    const { live } = await organizationState(pool, schema, org);
    await expectRecovered(org, live + 3, 3_000_000);
  });
});
