import { describe, expect, it } from 'vitest';
import { interleave, seed, type ContractFixture, type FixtureOf } from './harness.js';
import { makeTestRecord, nextVersion } from './records.js';

/** One shared-storage check: a contract sentence and the test that proves it on a fixture with `openAnother`. */
export interface SharedStorageCheck {
  readonly name: string;
  readonly run: (fixture: ContractFixture) => Promise<void>;
}

const another = (fixture: ContractFixture) => {
  if (fixture.openAnother === null) throw new Error('contract: shared-storage tests run only with `openAnother`');
  return fixture.openAnother();
};

/**
 * The checks of the shared-storage group, in the order the suite registers
 * them. Internal to the kit: exported so that its own tests can run them
 * against stores that must fail them, outside `describe`.
 */
export const SHARED_STORAGE_CHECKS: ReadonlyArray<SharedStorageCheck> = Object.freeze([
  {
    name: 'a second handle sees what the first wrote, and the first sees its writes',
    run: async (fixture) => {
      const { store } = fixture;
      const other = await another(fixture);
      const record = makeTestRecord(1);
      await seed(store, [record]);
      await expect(other.findById(record.id)).resolves.toEqual(record);
      const v2 = nextVersion(record, { state: 'inactive' });
      await expect(other.replace(v2, 1)).resolves.toEqual({ ok: true });
      expect(await store.findBySecretHash(record.secretHash)).toEqual(v2);
    },
  },
  {
    name: 'the quota holds across handles: inserts alternating between two handles leave exactly `limit` live tokens',
    run: async (fixture) => {
      const { store } = fixture;
      const other = await another(fixture);
      const records = Array.from({ length: 24 }, (_, i) => makeTestRecord(100 + i));
      // Calls, not promises, are interleaved: a call starts when invoked, so mapping records to promises first would
      // run all of one handle's calls before the other's on a store that completes synchronously.
      const calls = interleave([
        records.filter((_, i) => i % 2 === 0).map((r) => () => store.insertWithinQuota(r, 10)),
        records.filter((_, i) => i % 2 === 1).map((r) => () => other.insertWithinQuota(r, 10)),
      ]);
      const outcomes = await Promise.all(calls.map((call) => call()));
      expect(outcomes.filter((o) => o.ok)).toHaveLength(10);
      await expect(store.countLive(records[0]!.organizationId)).resolves.toBe(10);
      await expect(other.countLive(records[0]!.organizationId)).resolves.toBe(10);
    },
  },
  {
    name: 'of two replaces on different handles expecting the same version, exactly one applies',
    run: async (fixture) => {
      const { store } = fixture;
      const other = await another(fixture);
      const record = makeTestRecord(1);
      await seed(store, [record]);
      const outcomes = await Promise.all([
        store.replace(nextVersion(record, { label: 'one' }), 1),
        other.replace(nextVersion(record, { label: 'two' }), 1),
      ]);
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok)).toEqual([{ ok: false, code: 'CONFLICT' }]);
      await expect(store.replace(nextVersion(record, { state: 'deleted' }), 2)).resolves.toEqual({ ok: true });
      await expect(other.countLive(record.organizationId)).resolves.toBe(0);
    },
  },
]);

/** Contract tests across two handles on the same storage, as two processes would hold. */
export function sharedStorageContract(fixture: FixtureOf): void {
  describe('shared storage (a second handle, as another process)', () => {
    for (const check of SHARED_STORAGE_CHECKS) it(check.name, () => check.run(fixture()));
  });
}
