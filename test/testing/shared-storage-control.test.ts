/**
 * The kit's shared-storage group against stores that must fail it: a store
 * whose handles share rows but each cache their own live count looks right to
 * every single-handle test, and only calls alternating between two handles
 * catch it.
 */
import { describe, expect, it } from 'vitest';
import type { OrganizationId, TokenId } from '../../src/core/ids.js';
import {
  freezeRecord,
  statusOf,
  type AccessTokenRecord,
  type EpochMillis,
  type TokenStatus,
} from '../../src/core/token.js';
import { isNewAddress, withRecentAddress } from '../../src/core/recent-addresses.js';
import { createMemoryTokenStore } from '../../src/service/memory-store.js';
import type { InsertOutcome, ListQuery, ReplaceOutcome, TokenPage, TokenStore } from '../../src/service/ports.js';
import { describeTokenStoreContract, makeTestRecord } from '../../src/testing/store-contract.js';
import type { ContractFixture } from '../../src/testing/store-contract/harness.js';
import { SHARED_STORAGE_CHECKS } from '../../src/testing/store-contract/shared.js';

const LIVE: ReadonlyArray<TokenStatus> = ['active', 'inactive', 'expired'];

/**
 * Handles on one set of rows, each keeping its own live count per
 * organization, read from the rows on first use and then only moved by its own
 * writes: the bug of a store that caches what the database must decide.
 * Every call completes synchronously, as better-sqlite3's do.
 */
function cachedCountStorage(): { open(): TokenStore } {
  const rows = new Map<string, AccessTokenRecord>();
  const idsByHash = new Map<string, string>();
  const liveRows = (organization: string): number =>
    [...rows.values()].filter((r) => r.organizationId === organization && r.state !== 'deleted').length;

  const open = (): TokenStore => {
    const cached = new Map<string, number>();
    const live = (organization: string): number => {
      const count = cached.get(organization) ?? liveRows(organization);
      cached.set(organization, count);
      return count;
    };
    const byHash = (secretHash: string): AccessTokenRecord | null => rows.get(idsByHash.get(secretHash) ?? '') ?? null;
    return {
      insertWithinQuota(record, limit): Promise<InsertOutcome> {
        if (rows.has(record.id) || idsByHash.has(record.secretHash))
          return Promise.resolve({ ok: false, code: 'DUPLICATE' });
        const count = live(record.organizationId);
        if (count >= limit) return Promise.resolve({ ok: false, code: 'QUOTA_EXCEEDED', count });
        // A copy: the caller's arrays must not reach the rows (the contract's allowedNetworks group checks it).
        rows.set(
          record.id,
          freezeRecord({
            ...record,
            allowedNetworks: [...record.allowedNetworks],
            recentAddresses: [...record.recentAddresses],
          }),
        );
        idsByHash.set(record.secretHash, record.id);
        if (record.state !== 'deleted') cached.set(record.organizationId, count + 1);
        return Promise.resolve({ ok: true });
      },
      replace(record, expectedVersion): Promise<ReplaceOutcome> {
        const stored = rows.get(record.id);
        if (stored === undefined) return Promise.resolve({ ok: false, code: 'NOT_FOUND' } as const);
        if (stored.version !== expectedVersion || stored.state === 'deleted')
          return Promise.resolve({ ok: false, code: 'CONFLICT' } as const);
        if (record.state === 'deleted') cached.set(stored.organizationId, live(stored.organizationId) - 1);
        rows.set(
          record.id,
          freezeRecord({
            ...record,
            organizationId: stored.organizationId,
            organization: stored.organization,
            secretHash: stored.secretHash,
            lastUsedAt: stored.lastUsedAt,
            recentAddresses: stored.recentAddresses,
            allowedNetworks: [...record.allowedNetworks],
          }),
        );
        return Promise.resolve({ ok: true } as const);
      },
      markDeleted(id: TokenId, organizationId, at: EpochMillis): Promise<string | null> {
        const stored = rows.get(id);
        if (stored === undefined || stored.organizationId !== organizationId || stored.state === 'deleted')
          return Promise.resolve(null);
        cached.set(stored.organizationId, live(stored.organizationId) - 1);
        rows.set(id, freezeRecord({ ...stored, state: 'deleted', updatedAt: at, version: stored.version + 1 }));
        return Promise.resolve(stored.secretHash);
      },
      touchLastUsed(id: TokenId, at: EpochMillis, ifOlderThan: EpochMillis, address?: string): Promise<boolean> {
        const stored = rows.get(id);
        if (stored === undefined || stored.state === 'deleted') return Promise.resolve(false);
        const due = stored.lastUsedAt === null || stored.lastUsedAt < ifOlderThan;
        if (!due && !isNewAddress(stored.recentAddresses, address)) return Promise.resolve(false);
        const recentAddresses =
          address === undefined ? stored.recentAddresses : withRecentAddress(stored.recentAddresses, address);
        rows.set(id, freezeRecord({ ...stored, lastUsedAt: due ? at : stored.lastUsedAt, recentAddresses }));
        return Promise.resolve(true);
      },
      findById: (id) => Promise.resolve(rows.get(id) ?? null),
      findBySecretHash: (secretHash) => Promise.resolve(byHash(secretHash)),
      list(query: ListQuery): Promise<TokenPage> {
        const wanted = new Set(query.statuses ?? LIVE);
        const matching = [...rows.values()]
          .filter((r) => r.organizationId === query.organizationId && wanted.has(statusOf(r, query.now)))
          .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        return Promise.resolve(
          Object.freeze({
            items: Object.freeze(matching.slice(query.offset, query.offset + query.limit)),
            total: matching.length,
            unreadable: 0,
            unreadableIds: [],
          }),
        );
      },
      countLive: (organizationId: OrganizationId) => Promise.resolve(live(organizationId)),
    };
  };
  return { open };
}

/** Runs every shared-storage check on fresh storage, outside vitest's `it`, and says which ones failed. */
async function failedChecks(storage: () => { open(): TokenStore }): Promise<string[]> {
  const failed: string[] = [];
  for (const check of SHARED_STORAGE_CHECKS) {
    const { open } = storage();
    const fixture: ContractFixture = { store: open(), readRow: null, openAnother: async () => open() };
    try {
      await check.run(fixture);
    } catch {
      failed.push(check.name);
    }
  }
  return failed;
}

// The control is a plausible store: one handle at a time, it keeps every promise of the contract.
describeTokenStoreContract({
  name: 'negative control (shared rows, a live count cached per handle), one handle',
  makeStore: async () => ({ store: cachedCountStorage().open() }),
  inspect: (store) => (id) => store.findById(id),
});

describe('the shared-storage group of the store contract', () => {
  it(
    'the negative control really is broken: driven alternately, two handles insert 19 tokens at a ' + 'limit of 10',
    async () => {
      const { open } = cachedCountStorage();
      const [a, b] = [open(), open()];
      const outcomes = [];
      for (let seq = 0; seq < 24; seq++)
        outcomes.push(await (seq % 2 === 0 ? a : b).insertWithinQuota(makeTestRecord(seq), 10));
      expect(outcomes.filter((o) => o.ok)).toHaveLength(19);
    },
  );

  it('fails the negative control, on the check of the quota across handles', async () => {
    expect(await failedChecks(cachedCountStorage)).toEqual([SHARED_STORAGE_CHECKS[1]!.name]);
  });

  it('passes two handles on one store that keeps its count with its rows', async () => {
    const oneStore = () => {
      const store = createMemoryTokenStore();
      return { open: () => store };
    };
    expect(await failedChecks(oneStore)).toEqual([]);
  });
});
