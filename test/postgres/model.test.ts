import type pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createPostgresTokenStore } from '../../src/postgres/index.js';
import { checkTokenServiceModel } from '../../src/testing/model.js';
import { dropSchema, freshSchema, openPool, skipPostgres } from './support.js';

describe.skipIf(skipPostgres)('the service against its model, on PostgreSQL', () => {
  let pool: pg.Pool;

  beforeAll(() => {
    pool = openPool(5);
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('keeps every invariant under the seed lifecycle', async () => {
    await checkTokenServiceModel({
      numRuns: 15,
      makeStore: async () => {
        const schema = await freshSchema(pool, 'model');
        return { store: createPostgresTokenStore(pool, { schema }), cleanup: () => dropSchema(pool, schema) };
      },
    });
  });

  it('keeps every invariant with rotation and reuse detection on', async () => {
    await checkTokenServiceModel({
      numRuns: 10,
      rotation: true,
      makeStore: async () => {
        const schema = await freshSchema(pool, 'model');
        return { store: createPostgresTokenStore(pool, { schema }), cleanup: () => dropSchema(pool, schema) };
      },
    });
  });
});
