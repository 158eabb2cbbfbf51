import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessTokenRecord } from '../../core/token.js';
import { seed, type FixtureOf } from './harness.js';
import { makeTestRecord, nextVersion } from './records.js';

const at = (record: { createdAt: number }, seconds: number): number => record.createdAt + seconds * 1_000;
const ADDRESSES = ['192.0.2.1', '192.0.2.2', '2001:db8::1', '2001:db8::2', '198.51.100.7', '203.0.113.9', '10.0.0.1'];

/** A plain statement of one touch, to check stores against: due or new address writes; the list is a recency list. */
function referenceTouch(
  state: { lastUsedAt: number | null; recent: string[] },
  when: number,
  ifOlderThan: number,
  address: string | undefined,
): boolean {
  const due = state.lastUsedAt === null || state.lastUsedAt < ifOlderThan;
  const fresh = address !== undefined && !state.recent.includes(address);
  if (!due && !fresh) return false;
  if (due) state.lastUsedAt = when;
  if (address !== undefined) state.recent = [address, ...state.recent.filter((a) => a !== address)].slice(0, 5);
  return true;
}

/** Contract tests of `recentAddresses`: written by `touchLastUsed` with an address, kept by everything else. */
export function recentAddressesContract(fixture: FixtureOf): void {
  describe('recentAddresses', () => {
    it(
      'touchLastUsed with an address puts it first; a new address is written even when last-used ' + 'is not due',
      async () => {
        const { store } = fixture();
        const record = makeTestRecord(1);
        await seed(store, [record]);
        await expect(store.touchLastUsed(record.id, at(record, 10), at(record, 10), '192.0.2.1')).resolves.toBe(true);
        await expect(store.touchLastUsed(record.id, at(record, 20), at(record, 10), '2001:db8::1')).resolves.toBe(true);
        await expect(store.findById(record.id)).resolves.toEqual({
          ...record,
          lastUsedAt: at(record, 10),
          recentAddresses: ['2001:db8::1', '192.0.2.1'],
        });
      },
    );

    it('an address already recorded writes nothing until last-used is due, then moves first', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      await store.touchLastUsed(record.id, at(record, 10), at(record, 10), '192.0.2.1');
      await store.touchLastUsed(record.id, at(record, 11), at(record, 10), '192.0.2.2');
      await expect(store.touchLastUsed(record.id, at(record, 12), at(record, 10), '192.0.2.1')).resolves.toBe(false);
      await expect(store.findById(record.id)).resolves.toMatchObject({ recentAddresses: ['192.0.2.2', '192.0.2.1'] });
      await expect(store.touchLastUsed(record.id, at(record, 90), at(record, 30), '192.0.2.1')).resolves.toBe(true);
      await expect(store.findById(record.id)).resolves.toMatchObject({
        lastUsedAt: at(record, 90),
        recentAddresses: ['192.0.2.1', '192.0.2.2'],
      });
    });

    it(
      'under any sequence of touches the list is distinct, at most five, newest first, as the ' + 'reference says',
      async () => {
        const { store } = fixture();
        let seq = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.array(
              fc.record({
                step: fc.constantFrom(0, 1, 30, 61),
                address: fc.option(fc.constantFrom(...ADDRESSES), { nil: undefined }),
              }),
              { maxLength: 20 },
            ),
            async (touches) => {
              const record = makeTestRecord(++seq);
              await seed(store, [record]);
              const expected = { lastUsedAt: null as number | null, recent: [] as string[] };
              let now = 0;
              for (const { step, address } of touches) {
                now += step;
                const wrote = referenceTouch(expected, at(record, now), at(record, now - 60), address);
                const got = await store.touchLastUsed(record.id, at(record, now), at(record, now - 60), address);
                expect(got).toBe(wrote);
              }
              const stored = (await store.findById(record.id)) as AccessTokenRecord;
              expect(stored.recentAddresses).toEqual(expected.recent);
              expect(stored.lastUsedAt).toBe(expected.lastUsedAt);
              expect(new Set(stored.recentAddresses).size).toBe(stored.recentAddresses.length);
              expect(stored.recentAddresses.length).toBeLessThanOrEqual(5);
              expect(Object.isFrozen(stored.recentAddresses)).toBe(true);
            },
          ),
          { numRuns: 25 },
        );
      },
    );

    it('replace keeps recentAddresses, and a deleted token gets no more', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      await store.touchLastUsed(record.id, at(record, 5), at(record, 5), '203.0.113.9');
      const relabelled = nextVersion(record, { recentAddresses: [], label: 'x' });
      await expect(store.replace(relabelled, 1)).resolves.toEqual({ ok: true });
      await expect(store.findById(record.id)).resolves.toMatchObject({ label: 'x', recentAddresses: ['203.0.113.9'] });
      await store.replace(nextVersion(relabelled, { state: 'deleted' }), 2);
      await expect(store.touchLastUsed(record.id, at(record, 9), at(record, 9), '192.0.2.1')).resolves.toBe(false);
      await expect(store.findById(record.id)).resolves.toMatchObject({ recentAddresses: ['203.0.113.9'] });
    });

    it('concurrent touches from one new address within one interval write exactly once', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      await store.touchLastUsed(record.id, at(record, 1), at(record, 1));
      const writes = await Promise.all(
        Array.from({ length: 10 }, () => store.touchLastUsed(record.id, at(record, 2), at(record, 1), '192.0.2.1')),
      );
      expect(writes.filter(Boolean)).toHaveLength(1);
      await expect(store.findById(record.id)).resolves.toMatchObject({
        lastUsedAt: at(record, 1),
        recentAddresses: ['192.0.2.1'],
        version: 1,
      });
    });

    it('concurrent touches from seven distinct new addresses leave a distinct list of those that wrote', async () => {
      const { store } = fixture();
      const record = makeTestRecord(1);
      await seed(store, [record]);
      await store.touchLastUsed(record.id, at(record, 1), at(record, 1));
      const writes = await Promise.all(
        ADDRESSES.map((address) => store.touchLastUsed(record.id, at(record, 2), at(record, 1), address)),
      );
      // A store may skip a touch that finds the row busy (bookkeeping never waits), but each touch that wrote put
      // its new address first: a lost update shows as a list shorter than the writes or holding a skipped address.
      const wrote = ADDRESSES.filter((_, i) => writes[i]);
      expect(wrote.length).toBeGreaterThan(0);
      const stored = (await store.findById(record.id)) as AccessTokenRecord;
      expect(stored.recentAddresses).toHaveLength(Math.min(5, wrote.length));
      expect(new Set(stored.recentAddresses).size).toBe(stored.recentAddresses.length);
      for (const address of stored.recentAddresses) expect(wrote).toContain(address);
      expect(stored).toMatchObject({ lastUsedAt: at(record, 1), version: 1 });
    });
  });
}
