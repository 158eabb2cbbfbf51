import { describe, expect, it } from 'vitest';
import { parseStoredRecord } from '../../core/record-schema.js';
import { seed, type FixtureOf } from './harness.js';
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
