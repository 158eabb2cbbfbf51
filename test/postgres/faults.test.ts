import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isOatError } from '../../src/errors.js';
import { createPostgresTokenStore, migrate } from '../../src/postgres/index.js';
import { makeTestRecord } from '../../src/testing/store-contract/records.js';

/** A port on 127.0.0.1 that was free a moment ago and has nothing listening on it now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A pool whose every query and checkout rejects with `error`, as the driver would hand it over. */
function failingPool(error: Error): pg.Pool {
  const reject = (): Promise<never> => Promise.reject(error);
  return { query: reject, connect: reject, on: () => undefined } as unknown as pg.Pool;
}

async function contextOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return isOatError(error) ? { code: error.code, context: error.context } : error;
  }
  throw new Error('expected a rejection');
}

// None of these needs a server: the faults happen before one would answer.
describe('PostgreSQL store failures say where the fault came from', () => {
  it(
    'a refused connection gives STORE_FAILURE with the driver code in context.driverCode and ' + 'no sqlstate',
    async () => {
      const pool = new pg.Pool({
        host: '127.0.0.1',
        port: await closedPort(),
        user: 'nobody',
        database: 'none',
        max: 1,
      });
      pool.on('error', () => undefined);
      try {
        const store = createPostgresTokenStore(pool);
        const record = makeTestRecord(1);
        await expect(contextOf(store.findById(record.id))).resolves.toEqual({
          code: 'STORE_FAILURE',
          context: { operation: 'findById', driverCode: 'ECONNREFUSED' },
        });
        await expect(contextOf(store.insertWithinQuota(record, 1))).resolves.toEqual({
          code: 'STORE_FAILURE',
          context: { operation: 'insertWithinQuota', driverCode: 'ECONNREFUSED' },
        });
        await expect(contextOf(migrate(pool))).resolves.toEqual({
          code: 'STORE_FAILURE',
          context: { operation: 'migrate', driverCode: 'ECONNREFUSED' },
        });
      } finally {
        await pool.end();
      }
    },
  );

  it(
    'a system error whose code has the shape of a SQLSTATE (EPIPE) is still a driver code, never ' + 'a sqlstate',
    async () => {
      const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });
      const store = createPostgresTokenStore(failingPool(epipe));
      await expect(contextOf(store.countLive(makeTestRecord(1).organizationId))).resolves.toEqual({
        code: 'STORE_FAILURE',
        context: { operation: 'countLive', driverCode: 'EPIPE' },
      });
    },
  );

  it('an error the server sent (with its severity) puts its SQLSTATE in context.sqlstate', async () => {
    const serverError = Object.assign(new Error('canceling statement due to statement timeout'), {
      code: '57014',
      severity: 'ERROR',
    });
    const store = createPostgresTokenStore(failingPool(serverError));
    await expect(contextOf(store.countLive(makeTestRecord(1).organizationId))).resolves.toEqual({
      code: 'STORE_FAILURE',
      context: { operation: 'countLive', sqlstate: '57014' },
    });
  });

  it('an error with no code adds neither field', async () => {
    const store = createPostgresTokenStore(failingPool(new Error('Connection terminated unexpectedly')));
    await expect(contextOf(store.countLive(makeTestRecord(1).organizationId))).resolves.toEqual({
      code: 'STORE_FAILURE',
      context: { operation: 'countLive' },
    });
  });
});
