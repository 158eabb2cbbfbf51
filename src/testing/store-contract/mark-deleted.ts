import { describe, expect, it } from 'vitest';
import type { OrganizationId } from '../../core/ids.js';
import { seed, type FixtureOf } from './harness.js';
import { makeTestRecord } from './records.js';

/**
 * Contract tests of `markDeleted`: deleting a token without reading its record, guarded by organization id and state.
 */
export function markDeletedContract(fixture: FixtureOf): void {
  describe('markDeleted', () => {
    it(
      'markDeleted marks a live token deleted, bumps its version, sets updatedAt, frees its quota and ' +
        'resolves to its secret hash',
      async () => {
        const { store } = fixture();
        const record = makeTestRecord(1);
        await seed(store, [record, makeTestRecord(2)]);
        const at = record.createdAt + 60_000;
        await expect(store.markDeleted(record.id, record.organizationId, at)).resolves.toBe(record.secretHash);
        await expect(store.findById(record.id)).resolves.toMatchObject({
          state: 'deleted',
          version: record.version + 1,
          updatedAt: at,
          label: record.label,
        });
        await expect(store.countLive(record.organizationId)).resolves.toBe(1);
      },
    );

    it(
      'markDeleted applies to nothing and resolves null for another organization, an unknown id or a token ' +
        'already deleted',
      async () => {
        const { store } = fixture();
        const record = makeTestRecord(1);
        const gone = makeTestRecord(2, { state: 'deleted' });
        await seed(store, [record, gone]);
        await expect(store.markDeleted(record.id, 'umbrella' as OrganizationId, record.createdAt)).resolves.toBeNull();
        await expect(
          store.markDeleted(makeTestRecord(3).id, record.organizationId, record.createdAt),
        ).resolves.toBeNull();
        await expect(store.markDeleted(gone.id, gone.organizationId, record.createdAt)).resolves.toBeNull();
        await expect(store.findById(record.id)).resolves.toEqual(record);
        await expect(store.findById(gone.id)).resolves.toEqual(gone);
        await expect(store.countLive(record.organizationId)).resolves.toBe(1);
      },
    );

    it(
      'of two concurrent markDeleted calls for one token exactly one applies, and the quota is ' + 'freed once',
      async () => {
        const { store } = fixture();
        const record = makeTestRecord(1);
        await seed(store, [record, makeTestRecord(2)]);
        const outcomes = await Promise.all([
          store.markDeleted(record.id, record.organizationId, record.createdAt),
          store.markDeleted(record.id, record.organizationId, record.createdAt),
        ]);
        expect(outcomes.filter((o) => o !== null)).toEqual([record.secretHash]);
        await expect(store.countLive(record.organizationId)).resolves.toBe(1);
      },
    );
  });
}
