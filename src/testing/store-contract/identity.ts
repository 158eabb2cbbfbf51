import { describe, expect, it } from 'vitest';
import { TEST_EPOCH, makeTestRecord, nextVersion } from './records.js';
import { seed, type FixtureOf } from './harness.js';

/**
 * Contract tests of ownership by organization id: quota, listing and replace follow `organizationId`, never the name.
 */
export function identityContract(fixture: FixtureOf): void {
  describe('organization ids', () => {
    it('tokens of two organization ids that share a name are counted and listed apart', async () => {
      const { store } = fixture();
      // The second organization took the name "acme" after the first was renamed or left.
      const old = [makeTestRecord(1, { organizationId: 'org-old' }), makeTestRecord(2, { organizationId: 'org-old' })];
      const fresh = makeTestRecord(3, { organizationId: 'org-new' });
      await seed(store, [...old, fresh]);
      await expect(store.countLive(old[0]!.organizationId)).resolves.toBe(2);
      await expect(store.countLive(fresh.organizationId)).resolves.toBe(1);
      await expect(
        store.list({ organizationId: fresh.organizationId, now: TEST_EPOCH, offset: 0, limit: 10 }),
      ).resolves.toEqual({ items: [fresh], total: 1, unreadable: 0, unreadableIds: [] });
      await expect(store.insertWithinQuota(makeTestRecord(4, { organizationId: 'org-new' }), 2)).resolves.toEqual({
        ok: true,
      });
    });

    it('tokens of one organization id created under different names are counted and listed together', async () => {
      const { store } = fixture();
      const before = makeTestRecord(1, { organizationId: 'org-1', organization: 'acme' });
      const after = makeTestRecord(2, { organizationId: 'org-1', organization: 'acme-renamed' });
      await seed(store, [before, after]);
      await expect(store.countLive(before.organizationId)).resolves.toBe(2);
      await expect(
        store.insertWithinQuota(makeTestRecord(3, { organizationId: 'org-1', organization: 'acme-renamed' }), 2),
      ).resolves.toMatchObject({ ok: false, code: 'QUOTA_EXCEEDED', count: 2 });
      await expect(
        store.list({ organizationId: before.organizationId, now: TEST_EPOCH, offset: 0, limit: 10 }),
      ).resolves.toEqual({ items: [before, after], total: 2, unreadable: 0, unreadableIds: [] });
    });

    it('replace keeps the stored organizationId and name: a token never changes owner', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1, { organizationId: 'org-1' });
      await seed(store, [record]);
      const moved = {
        ...nextVersion(record, { label: 'moved' }),
        organizationId: makeTestRecord(0, { organizationId: 'org-2' }).organizationId,
        organization: makeTestRecord(0, { organization: 'other' }).organization,
      };
      await expect(store.replace(moved, 1)).resolves.toEqual({ ok: true });
      await expect(store.findById(record.id)).resolves.toMatchObject({
        label: 'moved',
        organizationId: 'org-1',
        organization: record.organization,
      });
      await expect(store.countLive(moved.organizationId)).resolves.toBe(0);
      await expect(store.countLive(record.organizationId)).resolves.toBe(1);
    });
  });
}
