import { describe, expect, it } from 'vitest';
import { seed, type FixtureOf } from './harness.js';
import { makeTestRecord, nextVersion } from './records.js';

/** Contract tests of `replace`: the version guard, deleted as final, and the quota it frees. */
export function replaceContract(fixture: FixtureOf): void {
  describe('replace', () => {
    it('replace applies only when the stored version equals expectedVersion', async () => {
      const { store } = fixture();
      const v1 = makeTestRecord(1);
      await seed(store, [v1]);
      const v2 = nextVersion(v1, { label: 'renamed', updatedAt: v1.createdAt + 60_000 });
      await expect(store.replace(v2, 2)).resolves.toEqual({ ok: false, code: 'CONFLICT' });
      await expect(store.replace(v2, 0)).resolves.toEqual({ ok: false, code: 'CONFLICT' });
      await expect(store.findById(v1.id)).resolves.toEqual(v1);
      await expect(store.replace(v2, 1)).resolves.toEqual({ ok: true });
      await expect(store.findById(v1.id)).resolves.toEqual(v2);
      await expect(store.replace(nextVersion(v1, { label: 'stale' }), 1)).resolves.toEqual({
        ok: false,
        code: 'CONFLICT',
      });
      await expect(store.findById(v1.id)).resolves.toEqual(v2);
    });

    it('a replaced record is found by its secret hash and listed in its new form', async () => {
      const { store } = fixture();
      const v1 = makeTestRecord(1);
      await seed(store, [v1]);
      const v2 = nextVersion(v1, {
        state: 'inactive',
        description: 'paused',
        resources: [{ type: 'repository', path: 'acme/*', scopes: ['scope-image-pull'] }],
      });
      await expect(store.replace(v2, 1)).resolves.toEqual({ ok: true });
      expect(await store.findBySecretHash(v1.secretHash)).toEqual(v2);
      const page = await store.list({ organizationId: v1.organizationId, now: v1.createdAt, offset: 0, limit: 10 });
      expect(page).toEqual({ items: [v2], total: 1, unreadable: 0, unreadableIds: [] });
    });

    it('replace of an unknown id is not-found', async () => {
      const { store } = fixture();
      await expect(store.replace(nextVersion(makeTestRecord(1)), 1)).resolves.toEqual({ ok: false, code: 'NOT_FOUND' });
      await expect(store.findById(makeTestRecord(1).id)).resolves.toBeNull();
    });

    it('replace never resurrects a deleted token', async () => {
      const { store } = fixture();
      const v1 = makeTestRecord(1);
      await seed(store, [v1]);
      const deleted = nextVersion(v1, { state: 'deleted' });
      await expect(store.replace(deleted, 1)).resolves.toEqual({ ok: true });
      await expect(store.replace(nextVersion(deleted, { state: 'active' }), 2)).resolves.toEqual({
        ok: false,
        code: 'CONFLICT',
      });
      await expect(store.replace(nextVersion(deleted, { state: 'deleted', label: 'edited' }), 2)).resolves.toEqual({
        ok: false,
        code: 'CONFLICT',
      });
      await expect(store.findById(v1.id)).resolves.toEqual(deleted);
      await expect(store.countLive(v1.organizationId)).resolves.toBe(0);
    });

    it('a replace into deleted frees one unit of quota, from active or inactive', async () => {
      const { store } = fixture();
      const [a, b, c] = [makeTestRecord(1), makeTestRecord(2, { state: 'inactive' }), makeTestRecord(3)];
      await seed(store, [a, b, c], 3);
      await expect(store.insertWithinQuota(makeTestRecord(4), 3)).resolves.toMatchObject({
        ok: false,
        code: 'QUOTA_EXCEEDED',
      });
      await expect(store.replace(nextVersion(a, { state: 'deleted' }), 1)).resolves.toEqual({ ok: true });
      await expect(store.countLive(a.organizationId)).resolves.toBe(2);
      await expect(store.replace(nextVersion(b, { state: 'deleted' }), 1)).resolves.toEqual({ ok: true });
      await expect(store.countLive(a.organizationId)).resolves.toBe(1);
      await expect(store.insertWithinQuota(makeTestRecord(4), 3)).resolves.toEqual({ ok: true });
      await expect(store.insertWithinQuota(makeTestRecord(5), 3)).resolves.toEqual({ ok: true });
      await expect(store.insertWithinQuota(makeTestRecord(6), 3)).resolves.toEqual({
        ok: false,
        code: 'QUOTA_EXCEEDED',
        count: 3,
      });
    });

    it('a replace between active and inactive leaves the quota count unchanged', async () => {
      const { store } = fixture();
      const v1 = makeTestRecord(1);
      await seed(store, [v1, makeTestRecord(2)]);
      const v2 = nextVersion(v1, { state: 'inactive' });
      await expect(store.replace(v2, 1)).resolves.toEqual({ ok: true });
      await expect(store.countLive(v1.organizationId)).resolves.toBe(2);
      await expect(store.replace(nextVersion(v2, { state: 'active' }), 2)).resolves.toEqual({ ok: true });
      await expect(store.countLive(v1.organizationId)).resolves.toBe(2);
    });

    it("replace keeps the stored lastUsedAt and ignores the record's", async () => {
      const { store } = fixture();
      const v1 = makeTestRecord(1);
      await seed(store, [v1]);
      const usedAt = v1.createdAt + 5_000;
      await expect(store.touchLastUsed(v1.id, usedAt, usedAt)).resolves.toBe(true);
      await expect(
        store.replace(nextVersion(v1, { label: 'renamed', lastUsedAt: Date.UTC(2099, 0, 1) }), 1),
      ).resolves.toEqual({ ok: true });
      await expect(store.findById(v1.id)).resolves.toEqual(nextVersion(v1, { label: 'renamed', lastUsedAt: usedAt }));
      const never = makeTestRecord(2);
      await seed(store, [never]);
      await expect(store.replace(nextVersion(never, { lastUsedAt: usedAt }), 1)).resolves.toEqual({ ok: true });
      await expect(store.findById(never.id)).resolves.toMatchObject({ version: 2, lastUsedAt: null });
    });

    it('concurrent replace calls expecting the same version: exactly one applies', async () => {
      const { store } = fixture();
      const v1 = makeTestRecord(1);
      await seed(store, [v1]);
      const candidates = Array.from({ length: 12 }, (_, i) =>
        nextVersion(v1, { label: `writer ${i}`, state: i % 2 === 0 ? 'inactive' : 'active' }),
      );
      const outcomes = await Promise.all(candidates.map((record) => store.replace(record, 1)));
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok && o.code === 'CONFLICT')).toHaveLength(candidates.length - 1);
      const winner = candidates[outcomes.findIndex((o) => o.ok)];
      await expect(store.findById(v1.id)).resolves.toEqual(winner);
    });

    it('concurrent deletes of one token free exactly one unit of quota', async () => {
      const { store } = fixture();
      const v1 = makeTestRecord(1);
      await seed(store, [v1, makeTestRecord(2), makeTestRecord(3)]);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.replace(nextVersion(v1, { state: 'deleted', label: `deleter ${i}` }), 1),
        ),
      );
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      await expect(store.countLive(v1.organizationId)).resolves.toBe(2);
    });
  });
}
