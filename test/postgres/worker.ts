/**
 * A child process for the PostgreSQL concurrency and crash tests, run as
 * `node --import tsx test/postgres/worker.ts` with an IPC channel. It owns its
 * own `pg.Pool`, so its connections are as independent from its siblings' as
 * those of separate application instances.
 *
 * Protocol (`Command` and `Report` in protocol.ts): `race` opens the pool,
 * queues all its creates behind a barrier (an advisory lock the parent holds)
 * and reports `ready`; when the parent releases the lock the creates run, and
 * the worker reports `done`. `churn` creates and deletes in a loop
 * forever, reporting `progress`, until the parent kills it. A worker exits as soon
 * as its IPC channel closes (`exit`, or the parent gone), whatever it is doing.
 */
import pg from 'pg';
import { createPostgresTokenStore } from '../../src/postgres/index.js';
import type { TokenStore } from '../../src/service/ports.js';
import { makeTestRecord, nextVersion } from '../../src/testing/store-contract/records.js';
import { toOrganizationName, type OrganizationId } from '../../src/core/ids.js';
import type { AccessTokenRecord } from '../../src/core/token.js';
import { CHURN_APPLICATION, type Command, type Report, type Strategy } from './protocol.js';
import { report, serveCommands } from '../support/worker-ipc.js';

const send = (message: Report): void => report(message);

/**
 * The negative control: count, pause, insert, as separate statements under
 * READ COMMITTED. Each count sees only what has committed, and nothing
 * commits during the pause of the first creates released by the barrier, so
 * all of them see room: with more connections than free slots the overshoot
 * is certain, not a matter of scheduling luck.
 */
const NAIVE_PAUSE_SECONDS = 0.05;

function naiveCount(schema: string): string {
  return `SELECT count(*)::integer AS n FROM "${schema}".oat_tokens WHERE organization = $1 AND state <> 'deleted'`;
}

function naiveInsert(schema: string): string {
  return `INSERT INTO "${schema}".oat_tokens
      (id, organization_id, organization, label, description, created_by, created_at, updated_at, expires_at,
       last_used_at, state, resources, secret_hash, display_prefix, version)
    VALUES ($1::uuid, $2::text, $3::text, $4::text, $5::text, $6::text, $7::timestamptz, $8::timestamptz,
      $9::timestamptz, $10::timestamptz,
            $11::text, $12::jsonb, $13::text, $14::text, $15::integer)`;
}

async function insertOne(
  pool: pg.Pool,
  store: TokenStore,
  schema: string,
  strategy: Strategy,
  record: AccessTokenRecord,
  limit: number,
): Promise<boolean> {
  if (strategy === 'store') return (await store.insertWithinQuota(record, limit)).ok;
  const r = record;
  // The same transaction envelope as the store's insert (BEGIN, guard and
  // insert, COMMIT on one connection), so only the guard differs.
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const counted = await client.query<{ n: number }>(naiveCount(schema), [r.organization]);
    if ((counted.rows[0]?.n ?? 0) >= limit) {
      await client.query('COMMIT');
      return false;
    }
    // The window a real service has between two awaited queries, made wide enough that it always overlaps.
    await client.query('SELECT pg_sleep($1)', [NAIVE_PAUSE_SECONDS]);
    await client.query(naiveInsert(schema), [
      // Records carry epoch milliseconds; timestamptz parameters go as Dates.
      r.id,
      r.organizationId,
      r.organization,
      r.label,
      r.description,
      r.createdBy,
      new Date(r.createdAt),
      new Date(r.updatedAt),
      r.expiresAt === null ? null : new Date(r.expiresAt),
      r.lastUsedAt === null ? null : new Date(r.lastUsedAt),
      r.state,
      JSON.stringify(r.resources),
      r.secretHash,
      r.displayPrefix,
      r.version,
    ]);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function race(command: Extract<Command, { type: 'race' }>): Promise<void> {
  const pool = new pg.Pool({ connectionString: command.url, max: command.connections });
  pool.on('error', () => undefined);
  try {
    const store = createPostgresTokenStore(pool, { schema: command.schema });
    const records = Array.from({ length: command.creates }, (_, i) =>
      makeTestRecord(command.firstSeq + i, { organization: command.organization }),
    );
    // Hold every connection, so the creates below queue inside the pool...
    const held = await Promise.all(Array.from({ length: command.connections }, () => pool.connect()));
    const outcomes = Promise.allSettled(
      records.map((record) => insertOne(pool, store, command.schema, command.strategy, record, command.limit)),
    );
    // ...and each connection waits in the server on the barrier lock the parent
    // holds. When the parent lets go, every connection of every worker is
    // released at the same instant and hands itself to a queued create.
    const barrier = held.map((client) =>
      client
        .query('SELECT pg_advisory_lock_shared($1::bigint), pg_advisory_unlock_shared($1::bigint)', [
          command.barrierKey,
        ])
        .finally(() => client.release()),
    );
    send({ type: 'ready' });
    await Promise.all(barrier);
    const settled = await outcomes;
    const failures = settled.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
    const inserted = settled.filter((o) => o.status === 'fulfilled' && o.value).length;
    send({ type: 'done', inserted, refused: settled.length - inserted - failures.length, failures });
  } finally {
    await pool.end();
  }
}

async function churn(command: Extract<Command, { type: 'churn' }>): Promise<never> {
  const pool = new pg.Pool({
    connectionString: command.url,
    max: command.connections,
    application_name: CHURN_APPLICATION,
  });
  pool.on('error', () => undefined);
  const store = createPostgresTokenStore(pool, { schema: command.schema });
  const organization = toOrganizationName(command.organization);
  if (organization === null) throw new Error('churn: bad organization');
  let seq = command.firstSeq;
  let operations = 0;
  const loop = async (): Promise<never> => {
    for (;;) {
      const outcome = await store.insertWithinQuota(makeTestRecord(seq++, { organization }), command.limit);
      if (!outcome.ok) {
        // Full: delete the oldest live token so creates keep moving the counter both ways.
        const page = await store.list({
          organizationId: organization as string as OrganizationId,
          now: 0,
          offset: 0,
          limit: 1,
        });
        const oldest = page.items[0];
        if (oldest !== undefined) await store.replace(nextVersion(oldest, { state: 'deleted' }), oldest.version);
      }
      if (++operations % 25 === 0) send({ type: 'progress', operations });
    }
  };
  return Promise.race(Array.from({ length: command.connections }, loop));
}

serveCommands<Command>({ race, churn });
