import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSqliteTokenStore, migrate } from '../../src/sqlite/index.js';
import { makeTestRecord } from '../../src/testing/store-contract.js';
import { databaseFiles, rejection, thrown } from './helpers.js';

const { connect, fresh } = databaseFiles('faults');

function notADatabase(): string {
  const file = fresh('junk');
  writeFileSync(
    file,
    'plain text where a database was expected, longer than the 100-byte SQLite header.................',
  );
  return file;
}

describe('driver faults of migrate and construction are OatErrors, never a raw SqliteError', () => {
  it('a file that is not a database: MISCONFIGURED with SQLITE_NOTADB, from migrate and from the store', () => {
    const file = notADatabase();
    for (const error of [thrown(() => migrate(connect(file))), thrown(() => createSqliteTokenStore(connect(file)))]) {
      expect(error.code).toBe('MISCONFIGURED');
      expect(error.context['driverCode']).toBe('SQLITE_NOTADB');
      expect((error.cause as { code?: unknown }).code).toBe('SQLITE_NOTADB');
    }
  });

  it('a read-only connection to a database migrate has to write: MISCONFIGURED with SQLITE_READONLY', () => {
    const file = fresh('plain');
    connect(file).exec('CREATE TABLE unrelated (x)');
    const error = thrown(() => migrate(connect(file, { readonly: true })));
    expect(error.code).toBe('MISCONFIGURED');
    expect(error.context).toMatchObject({ operation: 'migrate', driverCode: 'SQLITE_READONLY' });
  });

  it('a closed connection: MISCONFIGURED from migrate and from the store, which says so', () => {
    const db = connect();
    db.close();
    expect(thrown(() => migrate(db))).toMatchObject({
      code: 'MISCONFIGURED',
      message: expect.stringMatching(/closed/),
    });
    expect(thrown(() => createSqliteTokenStore(db, { migrate: true }))).toMatchObject({
      code: 'MISCONFIGURED',
      message: expect.stringMatching(/closed/),
    });
  });

  it('something that is not a connection: MISCONFIGURED naming db', () => {
    for (const db of [undefined, null, {}, 'tokens.db']) {
      const error = thrown(() => migrate(db as unknown as Database.Database));
      expect(error.code).toBe('MISCONFIGURED');
      expect(error.fields.map((field) => field.path)).toEqual(['db']);
      expect(
        thrown(() => createSqliteTokenStore(db as unknown as Database.Database)).fields.map((field) => field.path),
      ).toEqual(['db']);
    }
  });

  it('the write lock held past the busy timeout: STORE_FAILURE with SQLITE_BUSY in context.driverCode', () => {
    const holder = connect();
    migrate(holder);
    holder.exec('BEGIN IMMEDIATE');
    const error = thrown(() => migrate(connect(holder.name, { timeout: 30 })));
    expect(error.code).toBe('STORE_FAILURE');
    expect(error.context).toMatchObject({ operation: 'migrate', driverCode: 'SQLITE_BUSY' });
    holder.exec('ROLLBACK');
  });
});

describe('driver faults of store calls', () => {
  it(
    'reject with STORE_FAILURE carrying the SQLite code in context.driverCode, and not the ' + 'driver message',
    async () => {
      const holder = connect();
      migrate(holder);
      const store = createSqliteTokenStore(connect(holder.name, { timeout: 30 }));
      holder.exec('BEGIN IMMEDIATE');
      const error = await rejection(store.insertWithinQuota(makeTestRecord(1), 10));
      holder.exec('ROLLBACK');
      expect(error.code).toBe('STORE_FAILURE');
      expect(error.context).toMatchObject({ operation: 'insertWithinQuota', driverCode: 'SQLITE_BUSY' });
      expect(error.message).not.toMatch(/locked/);
      expect((error.cause as Error).message).toMatch(/locked/);
    },
  );
});
