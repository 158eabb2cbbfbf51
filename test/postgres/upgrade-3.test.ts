import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRotationPolicy, planRotation } from '../../src/core/rotation.js';
import { createPostgresTokenStore, migrate } from '../../src/postgres/index.js';
import { makeTestRecord } from '../../src/testing/store-contract/records.js';
import { dropSchema, failure, freshSchema, openPool, skipPostgres } from './support.js';

/** Version 3 as it was released, not today's schema with parts taken away; `__schema__` stands for the schema. */
const SCHEMA_3 = readFileSync(fileURLToPath(new URL('./fixtures/schema-3.sql', import.meta.url)), 'utf8');
const POLICY = createRotationPolicy({ maxGraceSeconds: 3_600 });

describe.skipIf(skipPostgres)('PostgreSQL upgrade from a real version 3 schema', () => {
  let pool: pg.Pool;
  let scratch: string;
  const schema = `t_upgrade3_${process.pid}`;

  beforeAll(async () => {
    pool = openPool(3);
    scratch = await freshSchema(pool, 'upgrade3_scratch');
  });

  afterAll(async () => {
    await dropSchema(pool, schema);
    await dropSchema(pool, scratch);
    await pool.end();
  });

  it(
    'migrate brings it to version 4 with oat_rotated_secrets and recent_addresses; the token reads back, ' +
      'logs in, and rotates',
    async () => {
      await pool.query(SCHEMA_3.replaceAll('"__schema__"', `"${schema}"`));
      // The token's row as today's store writes it, copied into version 3's columns (all of them but one).
      const record = makeTestRecord(1, { allowedNetworks: ['10.0.0.0/8'] });
      await createPostgresTokenStore(pool, { schema: scratch }).insertWithinQuota(record, 5);
      const { rows } = await pool.query<{ name: string }>(
        `SELECT column_name AS name FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = 'oat_tokens' ORDER BY ordinal_position`,
        [schema],
      );
      const columns = rows.map((r) => r.name).join(', ');
      expect(columns).not.toContain('recent_addresses');
      await pool.query(
        `INSERT INTO "${schema}".oat_tokens (${columns}) SELECT ${columns} FROM "${scratch}".oat_tokens;
         INSERT INTO "${schema}".oat_org_quota SELECT * FROM "${scratch}".oat_org_quota;`,
      );
      await expect(failure(createPostgresTokenStore(pool, { schema }).findById(record.id))).resolves.toMatchObject({
        code: 'MISCONFIGURED',
      });

      await migrate(pool, { schema });
      const version = await pool.query(`SELECT version FROM "${schema}".oat_schema_version`);
      expect(version.rows).toEqual([{ version: 4 }]);
      const found = await pool.query(
        `SELECT to_regclass($1) IS NOT NULL AS rotated,
           EXISTS (SELECT 1 FROM information_schema.columns
             WHERE table_schema = $2 AND table_name = 'oat_tokens' AND column_name = 'recent_addresses') AS recent`,
        [`"${schema}".oat_rotated_secrets`, schema],
      );
      expect(found.rows).toEqual([{ rotated: true, recent: true }]);
      const store = createPostgresTokenStore(pool, { schema });
      await expect(store.findById(record.id)).resolves.toEqual(record);
      await expect(store.findBySecretHash(record.secretHash)).resolves.toEqual(record);
      await expect(store.countLive(record.organizationId)).resolves.toBe(1);

      const plan = planRotation(
        record,
        { secretHash: 'rotated-hash', displayPrefix: 'oat_rot_' },
        record.createdAt,
        0,
        POLICY,
      );
      await expect(store.rotate(plan, 1)).resolves.toEqual({ ok: true });
      await expect(store.findBySecretHash('rotated-hash')).resolves.toEqual(plan.next);
      await expect(store.findRotatedSecret(record.secretHash)).resolves.toEqual(plan.retired);
    },
  );
});
