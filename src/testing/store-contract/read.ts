import { describe, expect, it } from 'vitest';
import type { AccessTokenRecord, TokenStatus } from '../../core/token.js';
import { seed, shapeProblems, type FixtureOf } from './harness.js';
import { TEST_EPOCH, makeTestRecord, nextVersion } from './records.js';

const byCreatedThenId = (a: AccessTokenRecord, b: AccessTokenRecord): number =>
  a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Contract tests of the reads: `findById`, `findBySecretHash`, `list`, `countLive`, and the shape of what comes back.
 */
export function readContract(fixture: FixtureOf): void {
  describe('findById and findBySecretHash', () => {
    it('findById finds deleted tokens too', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      const deleted = nextVersion(record, { state: 'deleted' });
      await store.replace(deleted, 1);
      await expect(store.findById(record.id)).resolves.toEqual(deleted);
    });

    it('findBySecretHash finds deleted tokens too', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      const deleted = nextVersion(record, { state: 'deleted' });
      await store.replace(deleted, 1);
      expect(await store.findBySecretHash(record.secretHash)).toEqual(deleted);
    });

    it('an unknown id or secret hash gives null', async () => {
      const { store } = fixture();
      await seed(store, [makeTestRecord(1)]);
      await expect(store.findById(makeTestRecord(2).id)).resolves.toBeNull();
      expect(await store.findBySecretHash(makeTestRecord(2).secretHash)).toBeNull();
      expect(await store.findBySecretHash('')).toBeNull();
    });
  });

  describe('list', () => {
    it("list returns only the organization's tokens", async () => {
      const { store } = fixture();
      const acme = [makeTestRecord(1), makeTestRecord(3)];
      await seed(store, [acme[0]!, makeTestRecord(2, { organization: 'globex' }), acme[1]!]);
      await expect(
        store.list({ organizationId: acme[0]!.organizationId, now: TEST_EPOCH, offset: 0, limit: 10 }),
      ).resolves.toEqual({ items: acme, total: 2, unreadable: 0, unreadableIds: [] });
      const nobody = makeTestRecord(0, { organization: 'nobody' }).organizationId;
      await expect(store.list({ organizationId: nobody, now: TEST_EPOCH, offset: 0, limit: 10 })).resolves.toEqual({
        items: [],
        total: 0,
        unreadable: 0,
        unreadableIds: [],
      });
    });

    it('list derives expired from now: a live token whose expiresAt is not after now is expired', async () => {
      const { store } = fixture();
      const now = TEST_EPOCH + 86_400_000;
      const records = {
        active: makeTestRecord(1, { expiresAt: now + 1 }),
        endsNow: makeTestRecord(2, { expiresAt: now }),
        inactivePast: makeTestRecord(3, { state: 'inactive', expiresAt: now - 1 }),
        inactive: makeTestRecord(4, { state: 'inactive' }),
        deletedPast: makeTestRecord(5, { expiresAt: now - 1 }),
      };
      await seed(store, Object.values(records));
      const deleted = nextVersion(records.deletedPast, { state: 'deleted' });
      await store.replace(deleted, 1);
      const list = (statuses: TokenStatus[]) =>
        store.list({ organizationId: records.active.organizationId, now, statuses, offset: 0, limit: 10 });
      await expect(list(['expired'])).resolves.toEqual({
        items: [records.endsNow, records.inactivePast],
        total: 2,
        unreadable: 0,
        unreadableIds: [],
      });
      await expect(list(['active'])).resolves.toEqual({
        items: [records.active],
        total: 1,
        unreadable: 0,
        unreadableIds: [],
      });
      await expect(list(['inactive'])).resolves.toEqual({
        items: [records.inactive],
        total: 1,
        unreadable: 0,
        unreadableIds: [],
      });
      await expect(list(['deleted'])).resolves.toEqual({
        items: [deleted],
        total: 1,
        unreadable: 0,
        unreadableIds: [],
      });
      await expect(list(['active', 'deleted'])).resolves.toEqual({
        items: [records.active, deleted],
        total: 2,
        unreadable: 0,
        unreadableIds: [],
      });
      // The same tokens an instant before the first expiry are all live.
      const earlier = await store.list({
        organizationId: records.active.organizationId,
        now: now - 2,
        statuses: ['expired'],
        offset: 0,
        limit: 10,
      });
      expect(earlier).toEqual({ items: [], total: 0, unreadable: 0, unreadableIds: [] });
    });

    it('list includes every status but deleted by default', async () => {
      const { store } = fixture();
      const now = TEST_EPOCH + 86_400_000;
      const active = makeTestRecord(1);
      const inactive = makeTestRecord(2, { state: 'inactive' });
      const expired = makeTestRecord(3, { expiresAt: TEST_EPOCH });
      const gone = makeTestRecord(4);
      await seed(store, [active, inactive, expired, gone]);
      await store.replace(nextVersion(gone, { state: 'deleted' }), 1);
      await expect(store.list({ organizationId: active.organizationId, now, offset: 0, limit: 10 })).resolves.toEqual({
        items: [active, inactive, expired],
        total: 3,
        unreadable: 0,
        unreadableIds: [],
      });
    });

    it('list pages are ordered by createdAt then id and total counts all matches', async () => {
      const { store } = fixture();
      const sameInstant = TEST_EPOCH + 500;
      // Seeded out of order; three share a createdAt so only the id orders them.
      const records = [
        makeTestRecord(7),
        makeTestRecord(12, { createdAt: sameInstant }),
        makeTestRecord(2),
        makeTestRecord(10, { createdAt: sameInstant }),
        makeTestRecord(0),
        makeTestRecord(11, { createdAt: sameInstant }),
        makeTestRecord(5),
      ];
      await seed(store, records);
      const expected = [...records].sort(byCreatedThenId);
      const pages = [];
      for (let offset = 0; offset < 9; offset += 3) {
        const page = await store.list({
          organizationId: records[0]!.organizationId,
          now: TEST_EPOCH,
          offset,
          limit: 3,
        });
        expect(page.total).toBe(records.length);
        expect(page.items.length).toBeLessThanOrEqual(3);
        pages.push(...page.items);
      }
      expect(pages).toEqual(expected);
    });

    it('an offset past the end gives an empty page and the full total', async () => {
      const { store } = fixture();
      await seed(store, [makeTestRecord(1), makeTestRecord(2)]);
      await expect(
        store.list({ organizationId: makeTestRecord(1).organizationId, now: TEST_EPOCH, offset: 5, limit: 10 }),
      ).resolves.toEqual({ items: [], total: 2, unreadable: 0, unreadableIds: [] });
    });
  });

  describe('countLive', () => {
    it('countLive ignores deleted tokens and counts active, inactive and expired ones', async () => {
      const { store } = fixture();
      const gone = makeTestRecord(4);
      await seed(store, [
        makeTestRecord(1),
        makeTestRecord(2, { state: 'inactive' }),
        makeTestRecord(3, { expiresAt: TEST_EPOCH }),
        gone,
      ]);
      await expect(store.countLive(gone.organizationId)).resolves.toBe(4);
      await store.replace(nextVersion(gone, { state: 'deleted' }), 1);
      await expect(store.countLive(gone.organizationId)).resolves.toBe(3);
    });

    it('countLive of an organization without tokens is 0', async () => {
      const { store } = fixture();
      await seed(store, [makeTestRecord(1)]);
      await expect(store.countLive(makeTestRecord(0, { organization: 'nobody' }).organizationId)).resolves.toBe(0);
    });
  });

  describe('records', () => {
    it('records come back deeply frozen with epoch-millisecond instants from every read', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1, { expiresAt: Date.UTC(2031, 0, 1, 0, 0, 0, 1) });
      await seed(store, [record]);
      await store.touchLastUsed(record.id, TEST_EPOCH + 7, TEST_EPOCH + 7);
      const reads = [
        await store.findById(record.id),
        await store.findBySecretHash(record.secretHash),
        ...(await store.list({ organizationId: record.organizationId, now: TEST_EPOCH, offset: 0, limit: 1 })).items,
      ];
      expect(reads).toHaveLength(3);
      for (const read of reads) {
        expect(read).not.toBeNull();
        expect(shapeProblems(read!)).toEqual([]);
        expect(read!.lastUsedAt).toBe(TEST_EPOCH + 7);
        expect(read!.expiresAt).toBe(record.expiresAt);
      }
    });

    it('list pages come back frozen, the items array included', async () => {
      const { store } = fixture();
      await seed(store, [makeTestRecord(1), makeTestRecord(2)]);
      const page = await store.list({
        organizationId: makeTestRecord(1).organizationId,
        now: TEST_EPOCH,
        offset: 0,
        limit: 10,
      });
      expect(page.items).toHaveLength(2);
      expect(Object.isFrozen(page)).toBe(true);
      expect(Object.isFrozen(page.items)).toBe(true);
    });

    it('every field round-trips exactly: millisecond dates, unicode text, resources in order', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1, {
        label: 'déploiement — CI 🚀',
        description: 'line one\nline "two" \u0000 end',
        createdBy: 'Bob.Builder',
        createdAt: Date.UTC(1999, 11, 31, 23, 59, 59, 999),
        updatedAt: Date.UTC(2000, 0, 1, 0, 0, 0, 1),
        expiresAt: Date.UTC(2100, 1, 28, 12, 0, 0, 5),
        resources: [
          { type: 'repository', path: 'acme/z', scopes: ['scope-image-pull'] },
          { type: 'organization', path: 'acme', scopes: ['scope-member-read', 'scope-repository-list'] },
          { type: 'repository', path: 'acme/a', scopes: [] },
        ],
        version: 41,
      });
      await seed(store, [record]);
      await expect(store.findById(record.id)).resolves.toEqual(record);
    });
  });
}
