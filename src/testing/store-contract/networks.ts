import { describe, expect, it } from 'vitest';
import { MAX_ALLOWED_NETWORKS } from '../../core/networks.js';
import { seed, type FixtureOf } from './harness.js';
import { TEST_EPOCH, makeTestRecord, nextVersion } from './records.js';

// Normal forms of each kind a store must keep apart and in order: IPv4, IPv6, single hosts, and the whole space.
const MIXED = ['10.0.0.0/8', '2001:db8::/32', '192.0.2.1/32', '2001:db8::1/128', '0.0.0.0/0', '::/0'];

/** Tries to change an array a caller holds, the way careless code would; a frozen one throws, which is fine. */
function tamper(networks: ReadonlyArray<string>): void {
  try {
    (networks as string[]).push('198.51.100.0/24');
    (networks as string[])[0] = '0.0.0.0/0';
  } catch {
    // Frozen: the store's state was never reachable through it.
  }
}

/** Contract tests of `allowedNetworks`: kept as given, in order, and never reachable through an array handed over. */
export function networksContract(fixture: FixtureOf): void {
  describe('allowedNetworks', () => {
    it('every read gives allowedNetworks back as inserted: IPv4 and IPv6 ranges in their order, or none', async () => {
      const { store } = fixture();
      const restricted = makeTestRecord(1, { allowedNetworks: MIXED });
      const open = makeTestRecord(2);
      await seed(store, [restricted, open]);
      await expect(store.findById(restricted.id)).resolves.toMatchObject({ allowedNetworks: MIXED });
      expect(await store.findBySecretHash(restricted.secretHash)).toMatchObject({ allowedNetworks: MIXED });
      await expect(store.findById(open.id)).resolves.toMatchObject({ allowedNetworks: [] });
      const page = await store.list({ organizationId: open.organizationId, now: TEST_EPOCH, offset: 0, limit: 10 });
      expect(page.items.map((r) => r.allowedNetworks)).toEqual([MIXED, []]);
    });

    it(`a token may hold ${MAX_ALLOWED_NETWORKS} ranges, the most a request may give`, async () => {
      const { store } = fixture();
      const many = Array.from({ length: MAX_ALLOWED_NETWORKS }, (_, i) => `10.${i}.0.0/16`);
      const record = makeTestRecord(1, { allowedNetworks: many });
      await seed(store, [record]);
      await expect(store.findById(record.id)).resolves.toMatchObject({ allowedNetworks: many });
    });

    it('replace changes allowedNetworks, [] lifts them, and touchLastUsed keeps them', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1, { allowedNetworks: ['10.0.0.0/8'] });
      await seed(store, [record]);
      const narrowed = nextVersion(record, { allowedNetworks: ['2001:db8::/32', '10.1.0.0/16'] });
      await expect(store.replace(narrowed, 1)).resolves.toEqual({ ok: true });
      await store.touchLastUsed(record.id, record.createdAt + 5, record.createdAt + 5);
      await expect(store.findById(record.id)).resolves.toMatchObject({
        allowedNetworks: ['2001:db8::/32', '10.1.0.0/16'],
        lastUsedAt: record.createdAt + 5,
      });
      await expect(store.replace(nextVersion(narrowed, { allowedNetworks: [] }), 2)).resolves.toEqual({ ok: true });
      await expect(store.findById(record.id)).resolves.toMatchObject({ allowedNetworks: [] });
    });

    it('allowedNetworks is handed out frozen; no caller array reaches the store or is frozen by it', async () => {
      const { store } = fixture();
      // A caller's own, unfrozen array: changing it after the insert must not change the token.
      const given = ['10.0.0.0/8', '2001:db8::/32'];
      const record = { ...makeTestRecord(1), allowedNetworks: given };
      await seed(store, [record]);
      // Storing copies: the caller's array stays the caller's, unfrozen.
      expect(Object.isFrozen(given)).toBe(false);
      tamper(given);
      const read = await store.findById(record.id);
      expect(Object.isFrozen(read?.allowedNetworks)).toBe(true);
      tamper(read?.allowedNetworks ?? []);
      const byHash = await store.findBySecretHash(record.secretHash);
      expect(Object.isFrozen(byHash?.allowedNetworks)).toBe(true);
      const page = await store.list({ organizationId: record.organizationId, now: TEST_EPOCH, offset: 0, limit: 10 });
      expect(page.items.every((r) => Object.isFrozen(r.allowedNetworks))).toBe(true);
      tamper(page.items[0]?.allowedNetworks ?? []);
      await expect(store.findById(record.id)).resolves.toMatchObject({
        allowedNetworks: ['10.0.0.0/8', '2001:db8::/32'],
      });

      const replaced = ['192.0.2.0/24'];
      await expect(store.replace({ ...nextVersion(record), allowedNetworks: replaced }, 1)).resolves.toEqual({
        ok: true,
      });
      expect(Object.isFrozen(replaced)).toBe(false);
      tamper(replaced);
      await expect(store.findById(record.id)).resolves.toMatchObject({ allowedNetworks: ['192.0.2.0/24'] });
    });
  });
}
