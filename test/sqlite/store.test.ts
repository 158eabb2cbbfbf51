import type { OrganizationId } from '../../src/core/ids.js';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toOrganizationName } from '../../src/core/ids.js';
import { SQLITE_SCHEMA_OBJECTS, SQLITE_SCHEMA_SQL, createSqliteTokenStore, migrate } from '../../src/sqlite/index.js';
import { TEST_EPOCH, makeTestRecord, nextVersion } from '../../src/testing/store-contract.js';
import { databaseFiles, rejection, thrown } from './helpers.js';

const { connect } = databaseFiles('store');

describe('migrate', () => {
  it('creates every schema object, switches the file to WAL, and is idempotent across connections', () => {
    const first = connect();
    migrate(first);
    const second = connect(first.name);
    migrate(second);
    migrate(first);
    const names = first.prepare('SELECT name FROM sqlite_schema').pluck().all();
    expect(names).toEqual(expect.arrayContaining([...SQLITE_SCHEMA_OBJECTS]));
    expect(second.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('gives a connection opened without a busy timeout one', () => {
    const db = connect(undefined, { timeout: 0 });
    expect(db.pragma('busy_timeout', { simple: true })).toBe(0);
    migrate(db);
    expect(Number(db.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
  });

  it('is the SQL docs/sqlite.md shows', () => {
    const docs = readFileSync(fileURLToPath(new URL('../../docs/sqlite.md', import.meta.url)), 'utf8');
    expect(docs).toContain(SQLITE_SCHEMA_SQL.trim());
  });
});

describe('createSqliteTokenStore', () => {
  it('refuses a database that is not ready, listing every problem', () => {
    const db = connect(undefined, { timeout: 0 });
    const error = thrown(() => createSqliteTokenStore(db));
    expect(error.code).toBe('MISCONFIGURED');
    const problems = error.context['problems'] as string[];
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/schema objects missing.*oat_tokens/);
    expect(problems.join('\n')).toMatch(/busy_timeout is 0/);
    expect(problems.join('\n')).toMatch(/journal_mode is delete, not wal/);
  });

  it('migrates first when asked to', async () => {
    const store = createSqliteTokenStore(connect(), { migrate: true });
    await expect(store.insertWithinQuota(makeTestRecord(1), 1)).resolves.toEqual({ ok: true });
  });

  it('also serves an in-memory database (one connection, no WAL)', async () => {
    const store = createSqliteTokenStore(connect(':memory:'), { migrate: true });
    await expect(store.insertWithinQuota(makeTestRecord(1), 1)).resolves.toEqual({ ok: true });
    await expect(store.countLive(makeTestRecord(1).organizationId)).resolves.toBe(1);
  });

  it('turns driver faults into STORE_FAILURE rejections that name the operation, never a raw SqliteError', async () => {
    const db = connect();
    const store = createSqliteTokenStore(db, { migrate: true });
    db.close();
    const error = await rejection(store.findById(makeTestRecord(1).id));
    expect(error.code).toBe('STORE_FAILURE');
    expect(error.context['operation']).toBe('findById');
    expect((await rejection(store.insertWithinQuota(makeTestRecord(2), 5))).code).toBe('STORE_FAILURE');
  });

  it('treats hostile strings as values: they match nothing and change nothing', async () => {
    const db = connect();
    const store = createSqliteTokenStore(db, { migrate: true });
    await store.insertWithinQuota(makeTestRecord(1), 10);
    await expect(store.findBySecretHash("' OR '1'='1")).resolves.toBeNull();
    const page = await store.list({
      organizationId: makeTestRecord(1).organizationId,
      now: TEST_EPOCH,
      statuses: ["active') OR 1=1 --" as 'active'],
      offset: 0,
      limit: 10,
    });
    expect(page).toEqual({ items: [], total: 0, unreadable: 0, unreadableIds: [] });
    expect(db.prepare('SELECT count(*) FROM oat_tokens').pluck().get()).toBe(1);
  });

  it("lists an organization's page through the (organization_id, created_at, id) index", () => {
    const db = connect();
    migrate(db);
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT * FROM oat_tokens WHERE organization_id = 'acme' ORDER BY created_at, id LIMIT 10`,
      )
      .all()
      .map((row) => String((row as { detail: unknown }).detail))
      .join('\n');
    expect(plan).toContain('oat_tokens_organization_id_created');
    expect(plan).not.toContain('TEMP B-TREE');
  });
});

describe('the SQLite schema on its own', () => {
  const acme = toOrganizationName('acme')!;

  it('refuses rows no record could come from', () => {
    const db = connect();
    migrate(db);
    const insert = (patch: Record<string, unknown>) => () =>
      db
        .prepare(
          `INSERT INTO oat_tokens (id, organization_id, organization, label, description, created_by, created_at,
            updated_at, expires_at, last_used_at, state, resources, secret_hash, display_prefix, version)
           VALUES (@id, @organization_id, 'acme', 'x', '', 'alice', @created_at, 0, NULL, NULL, @state, @resources,
             @secret_hash, 'oat_', @version)`,
        )
        .run({
          id: 'i',
          organization_id: 'org-1',
          created_at: 0,
          state: 'active',
          resources: '[]',
          secret_hash: 'h',
          version: 1,
          ...patch,
        });
    expect(insert({})).not.toThrow();
    expect(insert({ id: 'j', secret_hash: 'h2', state: 'expired' })).toThrow(/CHECK/);
    expect(insert({ id: 'j', secret_hash: 'h2', resources: '{not json' })).toThrow(/CHECK/);
    expect(insert({ id: 'j', secret_hash: 'h2', version: 0 })).toThrow(/CHECK/);
    expect(insert({ id: 'j', secret_hash: 'h2', created_at: 'yesterday' })).toThrow(
      /cannot store TEXT value in INTEGER column/,
    );
    expect(insert({ id: 'j', secret_hash: 'h' })).toThrow(/UNIQUE/);
    expect(insert({ id: 'j', secret_hash: 'h2', organization_id: '' })).toThrow(/CHECK/);
    expect(() => db.prepare(`UPDATE oat_tokens SET organization = 'globex' WHERE id = 'i'`).run()).toThrow(
      /never change/,
    );
    expect(() => db.prepare(`UPDATE oat_tokens SET organization_id = 'org-2' WHERE id = 'i'`).run()).toThrow(
      /never change/,
    );
  });

  it('keeps the counter equal to the live count under writes made outside the store', async () => {
    const db = connect();
    const store = createSqliteTokenStore(db, { migrate: true });
    const [a, b, c] = [makeTestRecord(1), makeTestRecord(2), makeTestRecord(3)];
    for (const record of [a, b, c]) await store.insertWithinQuota(record, 10);
    await store.replace(nextVersion(a, { state: 'deleted' }), 1);
    db.prepare(`DELETE FROM oat_tokens WHERE id = ?`).run(b.id);
    db.prepare(`DELETE FROM oat_tokens WHERE id = ?`).run(a.id);
    await expect(store.countLive(acme as string as OrganizationId)).resolves.toBe(1);
    db.prepare(`UPDATE oat_tokens SET state = 'deleted' WHERE id = ?`).run(c.id);
    await expect(store.countLive(acme as string as OrganizationId)).resolves.toBe(0);
    db.prepare(`UPDATE oat_tokens SET state = 'active' WHERE id = ?`).run(c.id);
    await expect(store.countLive(acme as string as OrganizationId)).resolves.toBe(1);
  });
});

describe('the org-access-tokens/sqlite entry', () => {
  it('imports better-sqlite3 only as a type, so loading it never requires the driver', () => {
    const dir = fileURLToPath(new URL('../../src/sqlite/', import.meta.url));
    for (const name of readdirSync(dir)) {
      const source = readFileSync(`${dir}${name}`, 'utf8');
      // Statements only (TSDoc examples in comments may show a value import).
      const statements = source.split('\n').filter((line) => /^(import|export)\b.*['"]better-sqlite3['"]/.test(line));
      for (const line of statements) expect(line).toMatch(/^import type /);
      expect(source).not.toMatch(/(require|import)\(\s*['"]better-sqlite3['"]/);
    }
  });
});
