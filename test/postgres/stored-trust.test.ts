import type pg from 'pg';
import { describe } from 'vitest';
import { createPostgresTokenStore } from '../../src/postgres/index.js';
import { describeStoredTrust, TAMPERED_GRANTS } from '../support/stored-trust.js';
import { skipPostgres, truncate, useFreshSchema } from './support.js';

describe.skipIf(skipPostgres)('PostgreSQL', () => {
  let pool: pg.Pool;
  let schema: string;

  useFreshSchema('trust', { connections: 3 }, (fixture) => {
    ({ pool, schema } = fixture);
  });

  describeStoredTrust('PostgreSQL server, rows edited with SQL', async () => {
    await truncate(pool, schema);
    return {
      store: createPostgresTokenStore(pool, { schema }),
      async tamper(id, how) {
        // jsonb cannot hold text that is not JSON: the closest hand edit is JSON that is not a grant list.
        const value = how === 'malformed' ? '{"type":"repository","path":"acme/app"}' : TAMPERED_GRANTS[how];
        const result = await pool.query(`UPDATE "${schema}".oat_tokens SET resources = $1::jsonb WHERE id = $2`, [
          value,
          id,
        ]);
        if (result.rowCount !== 1) throw new Error('the edit matched no row');
      },
    };
  }, ['member-edit', 'other-org', 'public-push', 'unknown-scope', 'malformed']);
});
