import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRotationPolicy, planRotation } from '../../src/core/rotation.js';
import { createSqliteTokenStore, migrate } from '../../src/sqlite/index.js';
import { makeTestRecord } from '../../src/testing/store-contract/records.js';
import { databaseFiles, thrown } from './helpers.js';

/** Version 3 as it was released, not today's schema with parts taken away. */
const SCHEMA_3 = readFileSync(fileURLToPath(new URL('./fixtures/schema-3.sql', import.meta.url)), 'utf8');
const POLICY = createRotationPolicy({ maxGraceSeconds: 3_600 });

const { connect, fresh } = databaseFiles('upgrade-3');

describe('SQLite upgrade from a real version 3 database', () => {
  it(
    'migrate brings it to version 4 with oat_rotated_secrets and recent_addresses; the token reads back, ' +
      'logs in, and rotates',
    async () => {
      // The token's row as today's store writes it, copied into version 3's columns (all of them but one).
      const scratch = fresh('scratch');
      const record = makeTestRecord(1, { allowedNetworks: ['10.0.0.0/8'] });
      const today = connect(scratch);
      migrate(today);
      await expect(createSqliteTokenStore(today).insertWithinQuota(record, 5)).resolves.toEqual({ ok: true });
      today.close();

      const db = connect();
      db.exec(SCHEMA_3);
      db.prepare('ATTACH DATABASE ? AS scratch').run(scratch);
      const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('oat_tokens') as string[]).join(
        ', ',
      );
      expect(columns).not.toContain('recent_addresses');
      db.exec(`INSERT INTO main.oat_tokens (${columns}) SELECT ${columns} FROM scratch.oat_tokens; DETACH scratch;`);
      expect(thrown(() => createSqliteTokenStore(db)).code).toBe('MISCONFIGURED');

      migrate(db);
      expect(db.prepare('SELECT version FROM oat_schema_version').pluck().get()).toBe(4);
      expect(db.prepare(`SELECT name FROM sqlite_schema WHERE name = 'oat_rotated_secrets'`).pluck().get()).toBe(
        'oat_rotated_secrets',
      );
      expect(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('oat_tokens')).toContain(
        'recent_addresses',
      );
      const store = createSqliteTokenStore(db);
      await expect(store.findById(record.id)).resolves.toEqual(record);
      await expect(store.findBySecretHash(record.secretHash)).resolves.toEqual(record);
      await expect(store.countLive(record.organizationId)).resolves.toBe(1);

      // Version 3's trigger froze secret_hash; migrate must have replaced it by the one allowing it with the version.
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
