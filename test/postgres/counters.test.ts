import fc from 'fast-check';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { toOrganizationName, type OrganizationName } from '../../src/core/ids.js';
import { isOatError } from '../../src/errors.js';
import { SCHEMA_VERSION, checkQuotaCounters, createPostgresTokenStore } from '../../src/postgres/index.js';
import { makeTestRecord, nextVersion } from '../../src/testing/store-contract/records.js';
import {
  dropSchema,
  freshSchema,
  openPool,
  organizationState,
  skipPostgres,
  truncate,
  useFreshSchema,
  waitForLockWait,
} from './support.js';

function organization(name: string): OrganizationName {
  const org = toOrganizationName(name);
  if (org === null) throw new Error(`bad organization ${name}`);
  return org;
}

const [acme, beta, gamma] = [organization('acme'), organization('beta'), organization('gamma')];

describe.skipIf(skipPostgres)('checkQuotaCounters on PostgreSQL', () => {
  let pool: pg.Pool;
  let schema: string;
  let seq = 0;

  useFreshSchema('counters', { connections: 4, emptyBeforeEach: true }, (fixture) => {
    ({ pool, schema } = fixture);
  });

  /** Creates `live` tokens for `org` through the store, and `deleted` more that it then deletes. */
  async function tokens(org: OrganizationName, live: number, deleted = 0): Promise<void> {
    const store = createPostgresTokenStore(pool, { schema });
    for (let i = 0; i < live + deleted; i++) {
      const record = makeTestRecord(++seq, { organization: org });
      await store.insertWithinQuota(record, 100);
      if (i >= live) await store.replace(nextVersion(record, { state: 'deleted' }), record.version);
    }
  }

  it(
    'reports every counter equal to its live rows as clean, and changes nothing even when asked ' + 'to repair',
    async () => {
      await tokens(acme, 3, 2);
      await tokens(beta, 1);
      await expect(checkQuotaCounters(pool, { schema })).resolves.toEqual({
        checked: 2,
        mismatches: [],
        repaired: false,
      });
      await expect(checkQuotaCounters(pool, { schema, repair: true })).resolves.toEqual({
        checked: 2,
        mismatches: [],
        repaired: false,
      });
    },
  );

  it(
    'finds hand edits (a counter changed, a row deleted by SQL, a counter removed, a counter with no rows), ' +
      'repairs them on request, and then checks clean',
    async () => {
      await tokens(acme, 2);
      await tokens(beta, 2);
      await tokens(gamma, 1);
      await pool.query(`UPDATE "${schema}".oat_org_quota SET live = 7 WHERE organization = $1`, [acme]);
      await pool.query(
        `UPDATE "${schema}".oat_tokens SET state = 'deleted' WHERE id = (SELECT id FROM "${schema}".oat_tokens ` +
          `WHERE organization = $1 LIMIT 1)`,
        [beta],
      );
      await pool.query(`DELETE FROM "${schema}".oat_org_quota WHERE organization = $1`, [gamma]);
      await pool.query(`INSERT INTO "${schema}".oat_org_quota (organization, live) VALUES ('ghost', 3)`);
      const mismatches = [
        { organizationId: 'acme', counted: 7, live: 2 },
        { organizationId: 'beta', counted: 2, live: 1 },
        { organizationId: 'gamma', counted: 0, live: 1 },
        { organizationId: 'ghost', counted: 3, live: 0 },
      ];

      const report = await checkQuotaCounters(pool, { schema });
      expect(report).toEqual({ checked: 4, mismatches, repaired: false });
      expect(
        Object.isFrozen(report) && Object.isFrozen(report.mismatches) && report.mismatches.every(Object.isFrozen),
      ).toBe(true);
      await expect(organizationState(pool, schema, acme)).resolves.toMatchObject({ counter: 7 });

      await expect(checkQuotaCounters(pool, { schema, repair: true })).resolves.toEqual({
        checked: 4,
        mismatches,
        repaired: true,
      });
      await expect(checkQuotaCounters(pool, { schema })).resolves.toEqual({
        checked: 4,
        mismatches: [],
        repaired: false,
      });
      for (const org of [acme, beta, gamma]) {
        const state = await organizationState(pool, schema, org);
        expect({ org, counter: state.counter }).toEqual({ org, counter: state.live });
      }
      // The guard counts from the repaired value: acme has 2 of 3.
      const store = createPostgresTokenStore(pool, { schema });
      await expect(store.insertWithinQuota(makeTestRecord(++seq, { organization: acme }), 3)).resolves.toEqual({
        ok: true,
      });
      await expect(store.insertWithinQuota(makeTestRecord(++seq, { organization: acme }), 3)).resolves.toMatchObject({
        ok: false,
        code: 'QUOTA_EXCEEDED',
        count: 3,
      });
    },
  );

  it(
    'property: for any hand edits of the counters, the check names exactly the organizations whose counter ' +
      'differs from its live rows, and a repair leaves none',
    async () => {
      type Edit =
        | { readonly kind: 'keep' }
        | { readonly kind: 'set'; readonly value: number }
        | { readonly kind: 'drop' };
      const edit: fc.Arbitrary<Edit> = fc.oneof(
        fc.constant({ kind: 'keep' as const }),
        fc.integer({ min: 0, max: 5 }).map((value) => ({ kind: 'set' as const, value })),
        fc.constant({ kind: 'drop' as const }),
      );
      const org = fc.record({ live: fc.integer({ min: 0, max: 2 }), deleted: fc.integer({ min: 0, max: 1 }), edit });
      const orgs = [acme, beta, gamma];
      await fc.assert(
        fc.asyncProperty(fc.tuple(org, org, org), async (plan) => {
          await truncate(pool, schema);
          const expected: Array<{ organizationId: string; counted: number; live: number }> = [];
          let checked = 0;
          for (const [i, { live, deleted, edit: change }] of plan.entries()) {
            const name = orgs[i] as OrganizationName;
            await tokens(name, live, deleted);
            if (change.kind === 'set') {
              await pool.query(
                `INSERT INTO "${schema}".oat_org_quota (organization, live) VALUES ($1, $2) ON CONFLICT ` +
                  `(organization) DO UPDATE SET live = $2`,
                [name, change.value],
              );
            }
            if (change.kind === 'drop')
              await pool.query(`DELETE FROM "${schema}".oat_org_quota WHERE organization = $1`, [name]);
            const hasRows = live + deleted > 0;
            if (!hasRows && change.kind !== 'set') continue;
            checked++;
            const counted = change.kind === 'set' ? change.value : change.kind === 'drop' ? 0 : live;
            if (counted !== live) expected.push({ organizationId: name, counted, live });
          }
          await expect(checkQuotaCounters(pool, { schema })).resolves.toEqual({
            checked,
            mismatches: expected,
            repaired: false,
          });
          await expect(checkQuotaCounters(pool, { schema, repair: true })).resolves.toEqual({
            checked,
            mismatches: expected,
            repaired: expected.length > 0,
          });
          await expect(checkQuotaCounters(pool, { schema })).resolves.toEqual({
            checked,
            mismatches: [],
            repaired: false,
          });
        }),
        { numRuns: 15 },
      );
    },
  );

  it('a repair racing a create loses neither: the create in flight is counted once it commits', async () => {
    // The create takes its slot and then waits (a table lock holds its token INSERT back); the
    // repair starts while it waits. Counting from a snapshot taken before the create commits
    // and writing that count afterwards would drop the create from the counter.
    await tokens(acme, 2);
    await pool.query(`UPDATE "${schema}".oat_org_quota SET live = 7 WHERE organization = $1`, [acme]);
    const creating = `oat-counters-create-${process.pid}`;
    const repairing = `oat-counters-repair-${process.pid}`;
    const createPool = openPool(1, { application_name: creating });
    const repairPool = openPool(1, { application_name: repairing });
    const blocker = await pool.connect();
    let blocking = true;
    try {
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE "${schema}".oat_tokens IN EXCLUSIVE MODE`);
      const create = createPostgresTokenStore(createPool, { schema }).insertWithinQuota(
        makeTestRecord(++seq, { organization: acme }),
        100,
      );
      await waitForLockWait(pool, creating);
      const repair = checkQuotaCounters(repairPool, { schema, repair: true });
      await waitForLockWait(pool, repairing);
      await blocker.query('COMMIT');
      blocking = false;
      await expect(create).resolves.toEqual({ ok: true });
      await expect(repair).resolves.toEqual({
        checked: 1,
        mismatches: [{ organizationId: 'acme', counted: 8, live: 3 }],
        repaired: true,
      });
    } finally {
      if (blocking) await blocker.query('ROLLBACK');
      blocker.release();
      await Promise.all([createPool.end(), repairPool.end()]);
    }
    await expect(organizationState(pool, schema, acme)).resolves.toEqual({ live: 3, counter: 3, rows: 3 });
  });

  it(
    'reports by organization id, in bytewise order even where the database collation ignores case and ' +
      'punctuation (as SQLite orders them)',
    async () => {
      // A database created with en_US (or ICU) as its default collation gives its text columns that collation.
      for (const [table, column] of [
        ['oat_tokens', 'organization_id'],
        ['oat_org_quota', 'organization'],
      ] as const) {
        await pool.query(`ALTER TABLE "${schema}".${table} ALTER COLUMN ${column} TYPE text COLLATE "en-x-icu"`);
      }
      try {
        const store = createPostgresTokenStore(pool, { schema });
        await store.insertWithinQuota(makeTestRecord(++seq, { organization: acme, organizationId: 'org-Acme' }), 10);
        await pool.query(
          `INSERT INTO "${schema}".oat_org_quota (organization, live) VALUES ('b', 1), ('Z', 1), ('a_c', 1), ('ab', 1)`,
        );
        await pool.query(`UPDATE "${schema}".oat_org_quota SET live = 5 WHERE organization = 'org-Acme'`);
        const report = await checkQuotaCounters(pool, { schema });
        expect(report.mismatches.map((m) => m.organizationId)).toEqual(['Z', 'a_c', 'ab', 'b', 'org-Acme']);
        expect(report.mismatches.at(-1)).toEqual({ organizationId: 'org-Acme', counted: 5, live: 1 });
      } finally {
        for (const [table, column] of [
          ['oat_tokens', 'organization_id'],
          ['oat_org_quota', 'organization'],
        ] as const) {
          await pool.query(`ALTER TABLE "${schema}".${table} ALTER COLUMN ${column} TYPE text COLLATE "default"`);
        }
      }
    },
  );

  it(
    'refuses a repair option that is not a boolean with VALIDATION_FAILED naming repair, and ' + 'repairs nothing',
    async () => {
      await tokens(acme, 2);
      await pool.query(`UPDATE "${schema}".oat_org_quota SET live = 7 WHERE organization = $1`, [acme]);
      for (const options of [
        { schema, repair: 'true' },
        { schema, repair: 1 },
      ]) {
        const error = await checkQuotaCounters(pool, options as unknown as { schema: string; repair: boolean }).catch(
          (e: unknown) => e,
        );
        expect(isOatError(error) && { code: error.code, paths: error.fields.map((field) => field.path) }).toEqual({
          code: 'VALIDATION_FAILED',
          paths: ['repair'],
        });
      }
      const notObject = await checkQuotaCounters(pool, 'repair' as unknown as { repair: boolean }).catch(
        (e: unknown) => e,
      );
      expect(isOatError(notObject) && notObject.code).toBe('VALIDATION_FAILED');
      await expect(organizationState(pool, schema, acme)).resolves.toMatchObject({ counter: 7 });
    },
  );

  it('refuses a schema with a newer version with MISCONFIGURED, and a bad schema name the same way', async () => {
    const newer = await freshSchema(pool, 'counters_newer');
    try {
      await pool.query(`UPDATE "${newer}".oat_schema_version SET version = $1`, [SCHEMA_VERSION + 1]);
      const error = await checkQuotaCounters(pool, { schema: newer, repair: true }).catch((e: unknown) => e);
      expect(isOatError(error) && { code: error.code, message: error.message }).toEqual({
        code: 'MISCONFIGURED',
        message: `database schema version ${SCHEMA_VERSION + 1} is newer than this library's ${SCHEMA_VERSION}`,
      });
    } finally {
      await dropSchema(pool, newer);
    }
    await expect(checkQuotaCounters(pool, { schema: 'Bad-Name' })).rejects.toMatchObject({
      name: 'OatError',
      code: 'MISCONFIGURED',
    });
  });
});
