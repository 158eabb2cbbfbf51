import { describe, expect, it } from 'vitest';
import { seed, type FixtureOf } from './harness.js';
import { makeTestRecord, nextVersion } from './records.js';

const at = (record: { createdAt: number }, seconds: number): number => record.createdAt + seconds * 1_000;

/** Contract tests of `touchLastUsed`: conditional, monotonic, versionless. */
export function touchContract(fixture: FixtureOf): void {
  describe('touchLastUsed', () => {
    it('touchLastUsed sets lastUsedAt on a never-used token and resolves true', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      await expect(store.touchLastUsed(record.id, at(record, 10), at(record, 10))).resolves.toBe(true);
      await expect(store.findById(record.id)).resolves.toEqual({ ...record, lastUsedAt: at(record, 10) });
    });

    it('touchLastUsed writes only when lastUsedAt is earlier than ifOlderThan', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      await store.touchLastUsed(record.id, at(record, 10), at(record, 10));
      // Within the interval: the stored 10 s is not earlier than 10 s.
      await expect(store.touchLastUsed(record.id, at(record, 70), at(record, 10))).resolves.toBe(false);
      await expect(store.findById(record.id)).resolves.toMatchObject({ lastUsedAt: at(record, 10) });
      await expect(store.touchLastUsed(record.id, at(record, 80), at(record, 10.001))).resolves.toBe(true);
      await expect(store.findById(record.id)).resolves.toMatchObject({ lastUsedAt: at(record, 80) });
    });

    it('touchLastUsed never moves lastUsedAt backwards', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      await store.touchLastUsed(record.id, at(record, 100), at(record, 100));
      await expect(store.touchLastUsed(record.id, at(record, 50), at(record, 50))).resolves.toBe(false);
      await expect(store.touchLastUsed(record.id, at(record, 100), at(record, 100))).resolves.toBe(false);
      await expect(store.findById(record.id)).resolves.toMatchObject({ lastUsedAt: at(record, 100) });
    });

    it(
      'touchLastUsed does not change version or any other field, so a replace read before it ' + 'still applies',
      async () => {
        const { store } = fixture();
        const record = makeTestRecord(1);
        await seed(store, [record]);
        await store.touchLastUsed(record.id, at(record, 5), at(record, 5));
        await expect(store.findById(record.id)).resolves.toEqual({ ...record, lastUsedAt: at(record, 5) });
        await expect(store.replace(nextVersion(record, { label: 'after touch' }), 1)).resolves.toEqual({ ok: true });
        await expect(store.findById(record.id)).resolves.toMatchObject({
          version: 2,
          label: 'after touch',
          lastUsedAt: at(record, 5),
        });
      },
    );

    it('touchLastUsed never writes to a deleted token', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      const deleted = nextVersion(record, { state: 'deleted' });
      await store.replace(deleted, 1);
      await expect(store.touchLastUsed(record.id, at(record, 5), at(record, 5))).resolves.toBe(false);
      await expect(store.findById(record.id)).resolves.toEqual(deleted);
    });

    it('touchLastUsed writes to inactive tokens too (only deleted ones are refused)', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1, { state: 'inactive' });
      await seed(store, [record]);
      await expect(store.touchLastUsed(record.id, at(record, 5), at(record, 5))).resolves.toBe(true);
    });

    it('touchLastUsed of an unknown id resolves false and creates nothing', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1);
      await expect(store.touchLastUsed(record.id, at(record, 5), at(record, 5))).resolves.toBe(false);
      await expect(store.findById(record.id)).resolves.toBeNull();
    });

    it('concurrent touches within one interval write exactly once', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      const writes = await Promise.all(
        Array.from({ length: 10 }, () => store.touchLastUsed(record.id, at(record, 30), at(record, 30))),
      );
      expect(writes.filter(Boolean)).toHaveLength(1);
      await expect(store.findById(record.id)).resolves.toMatchObject({ lastUsedAt: at(record, 30), version: 1 });
    });
  });
}
