import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createRotationPolicy, planRotation } from '../../src/core/rotation.js';
import { createTokenService, isOatError, type AccessTokenRecord } from '../../src/index.js';
import { createSqliteTokenStore, migrate } from '../../src/sqlite/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { makeTestRecord } from '../../src/testing/store-contract.js';
import { databaseFiles, thrown } from './helpers.js';

const { connect } = databaseFiles('rotation');
const POLICY = createRotationPolicy();

/** A WAL file as version 3 left it: today's schema without the rotation table, the old trigger, version 3. */
async function databaseOf3(token: AccessTokenRecord): Promise<Database.Database> {
  const db = connect();
  migrate(db);
  await createSqliteTokenStore(db).insertWithinQuota(token, 10);
  db.exec(`DROP TABLE oat_rotated_secrets;
DROP TRIGGER oat_tokens_fixed_owner;
CREATE TRIGGER oat_tokens_fixed_owner
BEFORE UPDATE OF organization_id, organization, secret_hash ON oat_tokens
WHEN NEW.organization_id IS NOT OLD.organization_id OR NEW.organization IS NOT OLD.organization OR NEW.secret_hash IS
  NOT OLD.secret_hash
BEGIN
  SELECT RAISE(ABORT, 'oat_tokens: organization_id, organization and secret_hash never change');
END;
UPDATE oat_schema_version SET version = 3;`);
  return db;
}

describe('SQLite schema version 4: rotated secrets', () => {
  it('a version 3 database is refused until migrate upgrades it in place; its tokens then rotate', async () => {
    const token = makeTestRecord(1);
    const db = await databaseOf3(token);
    expect(thrown(() => createSqliteTokenStore(db)).message).toMatch(/version 3 is older than this library's 4/);
    migrate(db);
    expect(db.prepare('SELECT version FROM oat_schema_version').pluck().get()).toBe(4);
    const store = createSqliteTokenStore(db);
    await expect(store.findById(token.id)).resolves.toEqual(token);
    const plan = planRotation(token, { secretHash: 'new-hash', displayPrefix: 'oat_new_' }, token.createdAt, 0, POLICY);
    await expect(store.rotate(plan, 1)).resolves.toEqual({ ok: true });
    await expect(store.findRotatedSecret(token.secretHash)).resolves.toEqual(plan.retired);
  });

  it('the trigger still refuses a secret hash changed without the version', () => {
    const db = connect();
    migrate(db);
    const token = makeTestRecord(1);
    return createSqliteTokenStore(db)
      .insertWithinQuota(token, 10)
      .then(() => {
        expect(() => db.prepare(`UPDATE oat_tokens SET secret_hash = 'x' WHERE id = ?`).run(token.id)).toThrow(
          /secret_hash only with the version/,
        );
      });
  });

  it(
    'an unreadable retired row is STORE_FAILURE UNREADABLE, and a login with its secret is ' + 'RECORD_INVALID',
    async () => {
      const db = connect();
      migrate(db);
      const store = createSqliteTokenStore(db);
      const organizations = [{ id: 'acme', name: 'acme', plan: 'team', owners: ['alice'] }];
      const service = createTokenService({ store, organizations, clock: createFakeClock(), rotation: {} });
      const created = await service.create({ username: 'alice' }, 'acme', {
        label: 'ci',
        resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
      });
      await service.rotate({ username: 'alice' }, 'acme', created.token.id, { graceSeconds: 600 });
      db.prepare(`UPDATE oat_rotated_secrets SET token_id = 'not-a-token'`).run();
      const error = await Promise.resolve(store.findRotatedSecret(created.token.secretHash)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isOatError(error) && [error.code, error.context['reason']]).toEqual(['STORE_FAILURE', 'UNREADABLE']);
      await expect(service.authenticate('acme', created.secret.reveal())).resolves.toEqual({
        ok: false,
        code: 'RECORD_INVALID',
      });
    },
  );
});
