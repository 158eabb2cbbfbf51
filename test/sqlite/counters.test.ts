import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TokenStore } from '../../src/service/ports.js';
import { SCHEMA_VERSION, checkQuotaCounters, createSqliteTokenStore, migrate } from '../../src/sqlite/index.js';
import { makeTestRecord, nextVersion } from '../../src/testing/store-contract.js';
import { databaseFiles, rejection } from './helpers.js';
import { Worker } from './processes.js';

const { connect } = databaseFiles('counters');

const counters = (db: Database.Database): unknown =>
  db.prepare('SELECT organization, live FROM oat_org_counters ORDER BY organization').all();

/** A migrated file with acme: 3 live + 1 deleted, globex: 2 live, initech: 1 deleted; written through the store. */
async function seeded(): Promise<{ db: Database.Database; store: TokenStore }> {
  const db = connect();
  const store = createSqliteTokenStore(db, { migrate: true });
  const records = [
    makeTestRecord(1),
    makeTestRecord(2),
    makeTestRecord(3),
    makeTestRecord(4),
    makeTestRecord(5, { organization: 'globex' }),
    makeTestRecord(6, { organization: 'globex' }),
    makeTestRecord(7, { organization: 'initech' }),
  ];
  for (const record of records) await store.insertWithinQuota(record, 10);
  await store.replace(nextVersion(records[3]!, { state: 'deleted' }), 1);
  await store.replace(nextVersion(records[6]!, { state: 'deleted' }), 1);
  return { db, store };
}

describe('checkQuotaCounters', () => {
  it('finds nothing to repair in a database only the store and the triggers wrote', async () => {
    const { db } = await seeded();
    await expect(checkQuotaCounters(db)).resolves.toEqual({ checked: 3, mismatches: [], repaired: false });
    await expect(checkQuotaCounters(db, { repair: true })).resolves.toEqual({
      checked: 3,
      mismatches: [],
      repaired: false,
    });
  });

  it(
    'reports counters and rows edited by hand, repairs them on request in one go, and then finds ' + 'them clean',
    async () => {
      const { db, store } = await seeded();
      db.exec(`
      UPDATE oat_org_counters SET live = 1 WHERE organization = 'acme';
      DELETE FROM oat_org_counters WHERE organization = 'globex';
      INSERT INTO oat_org_counters (organization, live) VALUES ('umbrella', 4);
      DROP TRIGGER oat_tokens_count_delete_state;
      UPDATE oat_tokens SET state = 'deleted' WHERE id = '${makeTestRecord(5).id}';
    `);
      migrate(db); // puts the trigger back, and leaves the drift for the check to find
      const drift = [
        { organizationId: 'acme', counted: 1, live: 3 },
        { organizationId: 'globex', counted: 0, live: 1 },
        { organizationId: 'umbrella', counted: 4, live: 0 },
      ];
      const before = counters(db);

      const report = await checkQuotaCounters(db);
      expect(report).toEqual({ checked: 4, mismatches: drift, repaired: false });
      expect(
        Object.isFrozen(report) && Object.isFrozen(report.mismatches) && report.mismatches.every(Object.isFrozen),
      ).toBe(true);
      expect(counters(db)).toEqual(before);
      // The drift is real: the guard reads the counter and lets acme past its limit of 3.
      await expect(store.insertWithinQuota(makeTestRecord(10), 3)).resolves.toEqual({ ok: true });
      db.prepare('DELETE FROM oat_tokens WHERE id = ?').run(makeTestRecord(10).id);

      await expect(checkQuotaCounters(db, { repair: true })).resolves.toEqual({
        checked: 4,
        mismatches: drift,
        repaired: true,
      });
      expect(counters(db)).toEqual([
        { organization: 'acme', live: 3 },
        { organization: 'globex', live: 1 },
        { organization: 'initech', live: 0 },
        { organization: 'umbrella', live: 0 },
      ]);
      await expect(checkQuotaCounters(db)).resolves.toEqual({ checked: 4, mismatches: [], repaired: false });
      await expect(store.insertWithinQuota(makeTestRecord(11), 3)).resolves.toEqual({
        ok: false,
        code: 'QUOTA_EXCEEDED',
        count: 3,
      });
    },
  );

  it(
    'checks while another connection writes, but repairs only with the write lock, changing nothing ' + 'without it',
    async () => {
      const { db } = await seeded();
      db.exec(`UPDATE oat_org_counters SET live = 9 WHERE organization = 'acme'`);
      const other = connect(db.name, { timeout: 30 });
      db.exec('BEGIN IMMEDIATE');
      try {
        await expect(checkQuotaCounters(other)).resolves.toMatchObject({
          mismatches: [{ organizationId: 'acme', counted: 9, live: 3 }],
        });
        const error = await rejection(checkQuotaCounters(other, { repair: true }));
        expect(error.code).toBe('STORE_FAILURE');
        expect(error.context).toMatchObject({ operation: 'checkQuotaCounters', driverCode: 'SQLITE_BUSY' });
      } finally {
        db.exec('ROLLBACK');
      }
      await expect(checkQuotaCounters(other)).resolves.toMatchObject({
        mismatches: [{ organizationId: 'acme', counted: 9, live: 3 }],
      });
    },
  );

  it(
    'a repair waits for a create in flight in another process and counts it: check and fix are one ' + 'transaction',
    async () => {
      const { db } = await seeded();
      db.exec(`UPDATE oat_org_counters SET live = 9 WHERE organization = 'acme'`);
      const holder = new Worker();
      try {
        holder.send({ type: 'hold', file: db.name, holdMs: 300, insert: { organization: 'acme', seq: 100 } });
        await holder.expect('holding');
        // The holder's insert raised the drifted counter to 10 and is not committed yet: a check that read before it
        // would report 9 and 3, or fail to write.
        await expect(checkQuotaCounters(db, { repair: true })).resolves.toEqual({
          checked: 3,
          mismatches: [{ organizationId: 'acme', counted: 10, live: 4 }],
          repaired: true,
        });
        await holder.expect('released');
      } finally {
        await holder.kill();
      }
      await expect(checkQuotaCounters(db)).resolves.toMatchObject({ mismatches: [] });
    },
  );

  it(
    'refuses a repair option that is not a boolean, a database without the schema or at a newer version, and ' +
      'a non-connection',
    async () => {
      const { db } = await seeded();
      const invalid = await rejection(checkQuotaCounters(db, { repair: 'yes' as unknown as boolean }));
      expect(invalid.code).toBe('VALIDATION_FAILED');
      expect(invalid.fields.map((field) => field.path)).toEqual(['repair']);
      expect((await rejection(checkQuotaCounters(connect()))).code).toBe('MISCONFIGURED');
      expect(
        (await rejection(checkQuotaCounters(undefined as unknown as Database.Database))).fields.map(
          (field) => field.path,
        ),
      ).toEqual(['db']);
      db.prepare('UPDATE oat_schema_version SET version = ?').run(SCHEMA_VERSION + 1);
      expect((await rejection(checkQuotaCounters(db))).message).toMatch(/newer than this library's/);
    },
  );

  it(
    'property: whatever the counters were set to, the report lists exactly the wrong ones and a repair ' +
      'leaves every counter equal to its live count',
    async () => {
      const organizations = ['acme', 'globex', 'initech', 'umbrella'];
      const token = fc.record({ organization: fc.constantFrom(...organizations), deleted: fc.boolean() });
      const counter = fc.option(fc.nat({ max: 6 }), { nil: undefined });
      await fc.assert(
        fc.asyncProperty(
          fc.array(token, { maxLength: 12 }),
          fc.tuple(...organizations.map(() => counter)),
          async (tokens, forced) => {
            const db = connect(':memory:');
            migrate(db);
            const store = createSqliteTokenStore(db);
            for (const [seq, { organization, deleted }] of tokens.entries()) {
              const record = makeTestRecord(seq, { organization });
              await store.insertWithinQuota(record, 100);
              if (deleted) await store.replace(nextVersion(record, { state: 'deleted' }), 1);
            }
            const live = (organization: string): number =>
              tokens.filter((t) => t.organization === organization && !t.deleted).length;
            forced.forEach((value, i) => {
              if (value !== undefined)
                db.prepare(
                  'INSERT INTO oat_org_counters (organization, live) VALUES (?, ?) ON CONFLICT (organization) ' +
                    'DO UPDATE SET live = excluded.live',
                ).run(organizations[i], value);
            });
            const counted = (organization: string): number =>
              Number(
                db.prepare('SELECT live FROM oat_org_counters WHERE organization = ?').pluck().get(organization) ?? 0,
              );
            const expected = organizations
              .filter((o) => counted(o) !== live(o))
              .map((organization) => ({
                organizationId: organization,
                counted: counted(organization),
                live: live(organization),
              }));

            const report = await checkQuotaCounters(db, { repair: true });
            expect(report.mismatches).toEqual(expected);
            expect(report.repaired).toBe(expected.length > 0);
            for (const organization of organizations) expect(counted(organization)).toBe(live(organization));
            await expect(checkQuotaCounters(db)).resolves.toMatchObject({ mismatches: [] });
            db.close();
          },
        ),
        { numRuns: 60 },
      );
    },
  );
});
