import type pg from 'pg';
import { describe } from 'vitest';
import { createPostgresTokenStore } from '../../src/postgres/index.js';
import { decodeRow } from '../../src/postgres/text.js';
import { describeTokenStoreContract } from '../../src/testing/store-contract.js';
import { openPool, skipPostgres, truncate, useFreshSchema } from './support.js';

describe.skipIf(skipPostgres)('the PostgreSQL token store keeps the TokenStore contract', () => {
  let pool: pg.Pool;
  let schema: string;

  useFreshSchema('contract', { connections: 5 }, (fixture) => {
    ({ pool, schema } = fixture);
  });

  describeTokenStoreContract({
    name: 'postgres',
    capabilities: { concurrentProcesses: true, rotation: true },
    async makeStore() {
      await truncate(pool, schema);
      const others: pg.Pool[] = [];
      return {
        store: createPostgresTokenStore(pool, { schema }),
        // Another pool is another set of server sessions, as another process would hold.
        async openAnother() {
          const other = openPool(5);
          others.push(other);
          return createPostgresTokenStore(other, { schema });
        },
        async cleanup() {
          await Promise.all(others.map((other) => other.end()));
        },
      };
    },
    inspect: () => async (id) => {
      const { rows } = await pool.query(`SELECT * FROM "${schema}".oat_tokens WHERE id = $1`, [id]);
      return rows[0] === undefined ? null : decodeRow(rows[0]);
    },
  });
});
