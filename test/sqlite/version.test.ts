import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, createSqliteTokenStore, migrate } from '../../src/sqlite/index.js';
import { makeTestRecord } from '../../src/testing/store-contract.js';
import { databaseFiles, thrown } from './helpers.js';

const SCHEMA_0_1 = readFileSync(fileURLToPath(new URL('./fixtures/schema-0.1.sql', import.meta.url)), 'utf8');

const { connect } = databaseFiles('version');

const recorded = (db: Database.Database): unknown => db.prepare('SELECT version FROM oat_schema_version').pluck().get();

/** A file as 0.1's migrate left it, holding one live token written with 0.1's columns. */
function databaseOf0_1(): { db: Database.Database; token: ReturnType<typeof makeTestRecord> } {
  const db = connect();
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA_0_1);
  const token = makeTestRecord(1);
  db.prepare(
    `INSERT INTO oat_tokens (id, organization, label, description, created_by, created_at, updated_at, expires_at,
      last_used_at, state, resources, secret_hash, display_prefix, version)
     VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, 'active', ?, ?, ?, 1)`,
  ).run(
    token.id,
    token.organization,
    token.label,
    token.description,
    token.createdBy,
    Number(token.createdAt),
    Number(token.updatedAt),
    JSON.stringify(token.resources),
    token.secretHash,
    token.displayPrefix,
  );
  return { db, token };
}

describe('the SQLite schema version', () => {
  it('is 4, and migrate records it once however often it runs', () => {
    expect(SCHEMA_VERSION).toBe(4);
    const db = connect();
    migrate(db);
    migrate(db);
    expect(db.prepare('SELECT singleton, version FROM oat_schema_version').all()).toEqual([
      { singleton: 1, version: SCHEMA_VERSION },
    ]);
  });

  it(
    'a 0.1 database (no version recorded) is refused by the store until migrate upgrades it, keeping its ' +
      'tokens and counter',
    async () => {
      const { db, token } = databaseOf0_1();
      const refused = thrown(() => createSqliteTokenStore(db));
      expect(refused.code).toBe('MISCONFIGURED');
      expect(refused.context['problems']).toEqual([
        `database schema version 0 is older than this library's ${SCHEMA_VERSION} (run migrate(db))`,
      ]);

      migrate(db);
      expect(recorded(db)).toBe(SCHEMA_VERSION);
      const store = createSqliteTokenStore(db);
      await expect(store.findById(token.id)).resolves.toEqual(token);
      await expect(store.countLive(token.organizationId)).resolves.toBe(1);
      await expect(store.insertWithinQuota(makeTestRecord(2), 2)).resolves.toEqual({ ok: true });
      await expect(store.insertWithinQuota(makeTestRecord(3), 2)).resolves.toEqual({
        ok: false,
        code: 'QUOTA_EXCEEDED',
        count: 2,
      });
    },
  );

  it(
    'a version 3 database is refused until migrate adds recent_addresses: tokens read with none, and touches ' +
      'record them',
    async () => {
      const db = connect();
      migrate(db);
      const record = makeTestRecord(1, { allowedNetworks: ['10.0.0.0/8'] });
      await expect(createSqliteTokenStore(db).insertWithinQuota(record, 5)).resolves.toEqual({ ok: true });
      // What version 3 held: the same tables without the column.
      db.exec(`ALTER TABLE oat_tokens DROP COLUMN recent_addresses; UPDATE oat_schema_version SET version = 3;`);
      const refused = thrown(() => createSqliteTokenStore(db));
      expect(refused.code).toBe('MISCONFIGURED');
      expect(refused.context['problems']).toEqual([
        "database schema version 3 is older than this library's 4 (run migrate(db))",
      ]);
      migrate(db);
      expect(recorded(db)).toBe(4);
      const store = createSqliteTokenStore(db);
      await expect(store.findById(record.id)).resolves.toEqual(record);
      await expect(
        store.touchLastUsed(record.id, record.createdAt + 1, record.createdAt + 1, '192.0.2.1'),
      ).resolves.toBe(true);
      await expect(store.findById(record.id)).resolves.toMatchObject({ recentAddresses: ['192.0.2.1'] });
    },
  );

  it(
    'a version 1 database with tokens of several organizations migrates to 2: ids equal the names, counters, ' +
      'listing and triggers keep working',
    async () => {
      const { db, token } = databaseOf0_1();
      db.exec(`CREATE TABLE oat_schema_version (singleton INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 1),
        version INTEGER NOT NULL CHECK (version >= 1)) STRICT;
             INSERT INTO oat_schema_version VALUES (1, 1);`);
      const insert = db.prepare(
        `INSERT INTO oat_tokens (id, organization, label, description, created_by, created_at, updated_at, expires_at,
          last_used_at, state, resources, secret_hash, display_prefix, version)
       VALUES (?, ?, 'x', '', 'alice', ?, ?, NULL, NULL, ?, '[]', ?, 'oat_', 1)`,
      );
      insert.run(makeTestRecord(2).id, 'globex', 2, 2, 'active', 'hash-2');
      insert.run(makeTestRecord(3).id, 'globex', 3, 3, 'deleted', 'hash-3');
      insert.run(makeTestRecord(4).id, 'acme', 4, 4, 'inactive', 'hash-4');
      db.prepare(`UPDATE oat_org_counters SET live = 7 WHERE organization = 'initech'`).run();
      const refused = thrown(() => createSqliteTokenStore(db));
      expect(refused.context['problems']).toEqual([
        `database schema version 1 is older than this library's ${SCHEMA_VERSION} (run migrate(db))`,
      ]);

      migrate(db);
      expect(recorded(db)).toBe(SCHEMA_VERSION);
      expect(
        db.prepare(`SELECT count(*) FROM oat_tokens WHERE organization_id IS NOT organization`).pluck().get(),
      ).toBe(0);
      const store = createSqliteTokenStore(db);
      const acme = token.organizationId;
      const globex = makeTestRecord(0, { organization: 'globex' }).organizationId;
      await expect(store.findById(token.id)).resolves.toEqual(token);
      await expect(store.countLive(acme)).resolves.toBe(2);
      await expect(store.countLive(globex)).resolves.toBe(1);
      const page = await store.list({
        organizationId: globex,
        now: 0,
        offset: 0,
        limit: 10,
        statuses: ['active', 'deleted'],
      });
      expect(page.items.map((r) => [r.organizationId, r.state])).toEqual([
        ['globex', 'active'],
        ['globex', 'deleted'],
      ]);
      // The triggers are keyed by organization_id now: a delete through the store lowers the id's counter.
      await expect(store.replace({ ...token, state: 'deleted', version: 2 }, 1)).resolves.toEqual({ ok: true });
      await expect(store.countLive(acme)).resolves.toBe(1);
      await expect(
        store.insertWithinQuota(makeTestRecord(5, { organizationId: 'org-new', organization: 'acme' }), 1),
      ).resolves.toEqual({ ok: true });
      await expect(store.countLive(acme)).resolves.toBe(1);
      migrate(db);
      expect(db.prepare(`SELECT count(*) FROM oat_tokens`).pluck().get()).toBe(5);
    },
  );

  it('a newer version is refused by the store and by migrate, naming both versions, and left as it is', () => {
    const db = connect();
    migrate(db);
    db.prepare('UPDATE oat_schema_version SET version = ?').run(SCHEMA_VERSION + 1);
    for (const error of [
      thrown(() => createSqliteTokenStore(db)),
      thrown(() => migrate(db)),
      thrown(() => createSqliteTokenStore(db, { migrate: true })),
    ]) {
      expect(error.code).toBe('MISCONFIGURED');
      expect(error.message).toMatch(
        new RegExp(`^database schema version ${SCHEMA_VERSION + 1} is newer than this library's ${SCHEMA_VERSION}\\b`),
      );
      expect(error.context).toMatchObject({ databaseVersion: SCHEMA_VERSION + 1, libraryVersion: SCHEMA_VERSION });
    }
    expect(recorded(db)).toBe(SCHEMA_VERSION + 1);
  });

  it('an unknown version (the version table without its row) is refused by the store and by migrate', () => {
    const db = connect();
    migrate(db);
    db.exec('DELETE FROM oat_schema_version');
    for (const error of [thrown(() => createSqliteTokenStore(db)), thrown(() => migrate(db))]) {
      expect(error.code).toBe('MISCONFIGURED');
      expect(error.message).toMatch(/^database schema version is unknown .*this library's is 4$/);
      expect(error.context).toMatchObject({ databaseVersion: null, libraryVersion: SCHEMA_VERSION });
    }
    expect(db.prepare('SELECT count(*) FROM oat_schema_version').pluck().get()).toBe(0);
  });

  it('is read as a number on a connection that reads integers as bigint', () => {
    const db = connect();
    migrate(db);
    db.defaultSafeIntegers(true);
    expect(() => createSqliteTokenStore(db)).not.toThrow();
  });
});
