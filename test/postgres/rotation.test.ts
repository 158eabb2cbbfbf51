import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRotationPolicy, planRotation } from '../../src/core/rotation.js';
import { createTokenService } from '../../src/index.js';
import { createPostgresTokenStore, migrate } from '../../src/postgres/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { makeTestRecord } from '../../src/testing/store-contract/records.js';
import { dropSchema, failure, openPool, skipPostgres } from './support.js';

const POLICY = createRotationPolicy();

describe.skipIf(skipPostgres)('PostgreSQL schema version 4: rotated secrets', () => {
  let pool: pg.Pool;
  let schema: string;
  let schemas = 0;

  beforeAll(() => {
    pool = openPool(4);
  });
  beforeEach(() => {
    schema = `t_rotation_${process.pid}_${++schemas}`;
  });
  afterEach(async () => {
    await dropSchema(pool, schema);
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('a version 3 schema is refused until migrate adds the table; its tokens then rotate', async () => {
    await migrate(pool, { schema });
    const token = makeTestRecord(1);
    await createPostgresTokenStore(pool, { schema }).insertWithinQuota(token, 10);
    // Version 3 is today's schema without the rotation table.
    await pool.query(
      `DROP TABLE "${schema}".oat_rotated_secrets; UPDATE "${schema}".oat_schema_version SET version = 3`,
    );
    await expect(failure(createPostgresTokenStore(pool, { schema }).findById(token.id))).resolves.toMatchObject({
      code: 'MISCONFIGURED',
      message: "database schema version 3 is older than this library's 4 (run migrate)",
    });
    await migrate(pool, { schema });
    const store = createPostgresTokenStore(pool, { schema });
    await expect(store.findById(token.id)).resolves.toEqual(token);
    const plan = planRotation(token, { secretHash: 'new-hash', displayPrefix: 'oat_new_' }, token.createdAt, 0, POLICY);
    await expect(store.rotate(plan, 1)).resolves.toEqual({ ok: true });
    await expect(store.findRotatedSecret(token.secretHash)).resolves.toEqual(plan.retired);
    await expect(store.findBySecretHash('new-hash')).resolves.toEqual(plan.next);
  });

  it(
    'an unreadable retired row is STORE_FAILURE UNREADABLE, and a login with its secret is ' + 'RECORD_INVALID',
    async () => {
      await migrate(pool, { schema });
      const store = createPostgresTokenStore(pool, { schema });
      const organizations = [{ id: 'acme', name: 'acme', plan: 'team', owners: ['alice'] }];
      const service = createTokenService({ store, organizations, clock: createFakeClock(), rotation: {} });
      const created = await service.create({ username: 'alice' }, 'acme', {
        label: 'ci',
        resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
      });
      await service.rotate({ username: 'alice' }, 'acme', created.token.id, { graceSeconds: 600 });
      // A hand edit the column types and CHECK allow but no JavaScript instant can hold.
      await pool.query(`UPDATE "${schema}".oat_rotated_secrets SET forget_at = 'infinity'`);
      await expect(failure(Promise.resolve(store.findRotatedSecret(created.token.secretHash)))).resolves.toMatchObject({
        code: 'STORE_FAILURE',
        context: { reason: 'UNREADABLE' },
      });
      await expect(service.authenticate('acme', created.secret.reveal())).resolves.toEqual({
        ok: false,
        code: 'RECORD_INVALID',
      });
    },
  );
});
