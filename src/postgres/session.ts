import type { Pool, PoolClient } from 'pg';

/** What a transaction's body decided: commit its writes, or roll them back and still return a value. */
export type Settled<T> = { readonly commit: boolean; readonly value: T };

/**
 * Runs `body` in a transaction on one client checked out of `pool`, and
 * gives the client back in every case.
 *
 * While a client is checked out, the pool takes its own `error` listener off
 * it. A connection that ends then (a server restart, `pg_terminate_backend`,
 * a network cut) emits `error` on the client, and an `error` event nobody
 * listens to ends the Node process. So the client carries a listener of ours
 * for exactly as long as this function holds it; the fault it reports makes
 * the query in flight reject, and the broken client is discarded
 * (`release(error)`), never handed to the next caller.
 *
 * Rolls back when the body says so or throws. A client whose connection was
 * lost skips the ROLLBACK (the server has already rolled back); one whose
 * ROLLBACK failed is discarded rather than returned to the pool half-open.
 */
export async function inTransaction<T>(pool: Pool, body: (client: PoolClient) => Promise<Settled<T>>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error): void => {
    lost ??= error;
  };
  client.on('error', onError);
  let rollbackFailed: Error | undefined;
  try {
    await client.query('BEGIN');
    const { commit, value } = await body(client);
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
    return value;
  } catch (error) {
    if (lost === undefined) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        rollbackFailed = rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK failed');
      }
    }
    throw error;
  } finally {
    // Removing ours and releasing are one synchronous step: release puts the
    // pool's listener back before any further event can fire.
    client.removeListener('error', onError);
    client.release(lost ?? rollbackFailed);
  }
}
