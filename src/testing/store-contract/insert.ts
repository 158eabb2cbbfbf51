import { describe, expect, it } from 'vitest';
import { interleave, seed, type FixtureOf } from './harness.js';
import { makeTestRecord, nextVersion } from './records.js';

/** Contract tests of `insertWithinQuota`: the quota guard and uniqueness. */
export function insertContract(fixture: FixtureOf): void {
  describe('insertWithinQuota', () => {
    it('a record handed back is equal to the one inserted', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1, { description: 'built by CI', expiresAt: Date.UTC(2030, 5, 6, 7, 8, 9, 10) });
      await expect(store.insertWithinQuota(record, 10)).resolves.toEqual({ ok: true });
      await expect(store.findById(record.id)).resolves.toEqual(record);
      expect(await store.findBySecretHash(record.secretHash)).toEqual(record);
    });

    it('inserts while the organization holds fewer than `limit` non-deleted tokens', async () => {
      const { store } = fixture();
      for (let seq = 1; seq <= 3; seq++) {
        await expect(store.insertWithinQuota(makeTestRecord(seq), 3)).resolves.toEqual({ ok: true });
      }
      await expect(store.countLive(makeTestRecord(1).organizationId)).resolves.toBe(3);
    });

    it(
      'insertWithinQuota refuses a record once the organization holds `limit` non-deleted tokens, reporting ' +
        'that count',
      async () => {
        const { store } = fixture();
        await seed(store, [makeTestRecord(1), makeTestRecord(2), makeTestRecord(3)], 3);
        const refused = makeTestRecord(4);
        await expect(store.insertWithinQuota(refused, 3)).resolves.toEqual({
          ok: false,
          code: 'QUOTA_EXCEEDED',
          count: 3,
        });
        await expect(store.findById(refused.id)).resolves.toBeNull();
        expect(await store.findBySecretHash(refused.secretHash)).toBeNull();
        await expect(store.countLive(refused.organizationId)).resolves.toBe(3);
      },
    );

    it('a limit lower than the count refuses too, and a limit of 0 refuses every record', async () => {
      const { store } = fixture();
      await seed(store, [makeTestRecord(1), makeTestRecord(2)]);
      await expect(store.insertWithinQuota(makeTestRecord(3), 1)).resolves.toEqual({
        ok: false,
        code: 'QUOTA_EXCEEDED',
        count: 2,
      });
      await expect(store.insertWithinQuota(makeTestRecord(4, { organization: 'empty' }), 0)).resolves.toEqual({
        ok: false,
        code: 'QUOTA_EXCEEDED',
        count: 0,
      });
    });

    it('inactive and expired tokens count toward the quota until deleted', async () => {
      const { store } = fixture();
      const inactive = makeTestRecord(1, { state: 'inactive' });
      const expired = makeTestRecord(2, { expiresAt: Date.UTC(2000, 0, 1) });
      await seed(store, [inactive, expired]);
      await expect(store.insertWithinQuota(makeTestRecord(3), 2)).resolves.toEqual({
        ok: false,
        code: 'QUOTA_EXCEEDED',
        count: 2,
      });
      await expect(store.replace(nextVersion(expired, { state: 'deleted' }), 1)).resolves.toEqual({ ok: true });
      await expect(store.insertWithinQuota(makeTestRecord(3), 2)).resolves.toEqual({ ok: true });
    });

    it('the quota counts each organization separately', async () => {
      const { store } = fixture();
      await seed(store, [makeTestRecord(1, { organization: 'acme' }), makeTestRecord(2, { organization: 'acme' })], 2);
      await expect(store.insertWithinQuota(makeTestRecord(3, { organization: 'globex' }), 2)).resolves.toEqual({
        ok: true,
      });
      await expect(store.insertWithinQuota(makeTestRecord(4, { organization: 'acme' }), 2)).resolves.toMatchObject({
        ok: false,
        code: 'QUOTA_EXCEEDED',
      });
      await expect(store.countLive(makeTestRecord(0, { organization: 'globex' }).organizationId)).resolves.toBe(1);
    });

    it('DUPLICATE for a reused id or secret hash, and the stored token stays as it was', async () => {
      const { store } = fixture();
      const original = makeTestRecord(1);
      await seed(store, [original]);
      const sameId = makeTestRecord(2, { id: original.id });
      const sameHash = makeTestRecord(3, { secretHash: original.secretHash });
      await expect(store.insertWithinQuota(sameId, 10)).resolves.toEqual({ ok: false, code: 'DUPLICATE' });
      await expect(store.insertWithinQuota(sameHash, 10)).resolves.toEqual({ ok: false, code: 'DUPLICATE' });
      await expect(store.findById(original.id)).resolves.toEqual(original);
      await expect(store.findById(sameHash.id)).resolves.toBeNull();
      expect(await store.findBySecretHash(sameId.secretHash)).toBeNull();
      await expect(store.countLive(original.organizationId)).resolves.toBe(1);
    });

    it('DUPLICATE also when the token holding the id or secret hash is deleted', async () => {
      const { store } = fixture();
      const original = makeTestRecord(1);
      await seed(store, [original]);
      await expect(store.replace(nextVersion(original, { state: 'deleted' }), 1)).resolves.toEqual({ ok: true });
      await expect(store.insertWithinQuota(makeTestRecord(2, { id: original.id }), 10)).resolves.toEqual({
        ok: false,
        code: 'DUPLICATE',
      });
      await expect(
        store.insertWithinQuota(makeTestRecord(3, { secretHash: original.secretHash }), 10),
      ).resolves.toEqual({ ok: false, code: 'DUPLICATE' });
      await expect(store.countLive(original.organizationId)).resolves.toBe(0);
    });

    it(
      'N concurrent insertWithinQuota calls at limit k, organizations interleaved, leave exactly k live ' +
        'tokens each',
      async () => {
        const { store } = fixture();
        const limit = 10;
        const organizations = ['acme', 'globex', 'initech'];
        const perOrganization = organizations.map((organization, o) =>
          Array.from({ length: 25 }, (_, i) => makeTestRecord(1_000 * (o + 1) + i, { organization })),
        );
        const outcomes = await Promise.all(
          interleave(perOrganization).map((record) => store.insertWithinQuota(record, limit)),
        );
        expect(outcomes.filter((o) => o.ok)).toHaveLength(limit * organizations.length);
        for (const outcome of outcomes) {
          if (!outcome.ok) expect(outcome).toEqual({ ok: false, code: 'QUOTA_EXCEEDED', count: limit });
        }
        for (const records of perOrganization) {
          const organization = records[0]!.organizationId;
          await expect(store.countLive(organization)).resolves.toBe(limit);
          const found = await Promise.all(records.map((r) => store.findById(r.id)));
          expect(found.filter((r) => r !== null)).toHaveLength(limit);
        }
      },
    );

    it('concurrent inserts of one id or one secret hash: exactly one goes in, the others are DUPLICATE', async () => {
      const { store } = fixture();
      const base = makeTestRecord(1);
      const sameId = Array.from({ length: 8 }, (_, i) => makeTestRecord(100 + i, { id: base.id }));
      const sameHash = Array.from({ length: 8 }, (_, i) => makeTestRecord(200 + i, { secretHash: 'shared-hash' }));
      const outcomes = await Promise.all(
        [...sameId, ...sameHash].map((record) => store.insertWithinQuota(record, 100)),
      );
      const [byId, byHash] = [outcomes.slice(0, 8), outcomes.slice(8)];
      for (const group of [byId, byHash]) {
        expect(group.filter((o) => o.ok)).toHaveLength(1);
        expect(group.filter((o) => !o.ok && o.code === 'DUPLICATE')).toHaveLength(7);
      }
      await expect(store.countLive(base.organizationId)).resolves.toBe(2);
    });
  });
}
