import { describe, expect, it } from 'vitest';
import { parseStoredRecord } from '../../core/record-schema.js';
import { interleave, seed, type FixtureOf } from './harness.js';
import { makeTestRecord, nextVersion } from './records.js';

/** Contract tests through the back door: what is really stored, row by row. */
export function storedStateContract(fixture: FixtureOf): void {
  const readRow = (): NonNullable<ReturnType<FixtureOf>['readRow']> => {
    const read = fixture().readRow;
    if (read === null) throw new Error('contract: stored-state tests run only with `inspect`');
    return read;
  };

  describe('stored state (through inspect)', () => {
    it('the stored row parses to the record the store hands back, after insert, touch and replace', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1, { expiresAt: Date.UTC(2030, 0, 1, 0, 0, 0, 3) });
      await seed(store, [record]);
      expect(parseStoredRecord(await readRow()(record.id))).toEqual(record);
      await store.touchLastUsed(record.id, record.createdAt + 9, record.createdAt + 9);
      expect(parseStoredRecord(await readRow()(record.id))).toEqual(await store.findById(record.id));
      await store.replace(nextVersion(record, { state: 'deleted' }), 1);
      expect(parseStoredRecord(await readRow()(record.id))).toEqual(await store.findById(record.id));
    });

    it('a refused insert stores no row', async () => {
      const { store } = fixture();
      const first = makeTestRecord(1);
      await seed(store, [first], 1);
      const overQuota = makeTestRecord(2);
      const duplicateHash = makeTestRecord(3, { secretHash: first.secretHash });
      await store.insertWithinQuota(overQuota, 1);
      await store.insertWithinQuota(duplicateHash, 10);
      await expect(readRow()(overQuota.id)).resolves.toBeNull();
      await expect(readRow()(duplicateHash.id)).resolves.toBeNull();
    });

    it('a conflicting replace leaves the stored row unchanged', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      const before = parseStoredRecord(await readRow()(record.id));
      await store.replace(nextVersion(record, { label: 'lost' }), 7);
      expect(parseStoredRecord(await readRow()(record.id))).toEqual(before);
    });
  });
}

/** Contract tests across two handles on the same storage, as two processes would hold. */
export function sharedStorageContract(fixture: FixtureOf): void {
  const another = () => {
    const open = fixture().openAnother;
    if (open === null) throw new Error('contract: shared-storage tests run only with `openAnother`');
    return open();
  };

  describe('shared storage (a second handle, as another process)', () => {
    it('a second handle sees what the first wrote, and the first sees its writes', async () => {
      const { store } = fixture();
      const other = await another();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      await expect(other.findById(record.id)).resolves.toEqual(record);
      const v2 = nextVersion(record, { state: 'inactive' });
      await expect(other.replace(v2, 1)).resolves.toBe('replaced');
      expect(await store.findBySecretHash(record.secretHash)).toEqual(v2);
    });

    it('the quota holds across handles: inserts split over two handles leave exactly `limit` live tokens', async () => {
      const { store } = fixture();
      const other = await another();
      const records = Array.from({ length: 24 }, (_, i) => makeTestRecord(100 + i));
      const outcomes = await Promise.all(
        interleave([records.filter((_, i) => i % 2 === 0).map((r) => store.insertWithinQuota(r, 10)), records.filter((_, i) => i % 2 === 1).map((r) => other.insertWithinQuota(r, 10))]),
      );
      expect(outcomes.filter((o) => o.inserted)).toHaveLength(10);
      await expect(store.countLive(records[0]!.organization)).resolves.toBe(10);
      await expect(other.countLive(records[0]!.organization)).resolves.toBe(10);
    });

    it('of two replaces on different handles expecting the same version, exactly one applies', async () => {
      const { store } = fixture();
      const other = await another();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      const outcomes = await Promise.all([store.replace(nextVersion(record, { label: 'one' }), 1), other.replace(nextVersion(record, { label: 'two' }), 1)]);
      expect([...outcomes].sort()).toEqual(['conflict', 'replaced']);
      await expect(store.replace(nextVersion(record, { state: 'deleted' }), 2)).resolves.toBe('replaced');
      await expect(other.countLive(record.organization)).resolves.toBe(0);
    });
  });
}
