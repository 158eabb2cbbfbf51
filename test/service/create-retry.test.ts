import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  sha256Hasher,
  type AccessTokenRecord,
  type TokenEvent,
  type TokenStore,
} from '../../src/index.js';
import { MAX_ATTEMPTS } from '../../src/service/management.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import type { CreateTokenRequest } from '../../src/index.js';

const organizations = [{ id: 'acme', name: 'acme', plan: 'team', owners: ['alice'] }];
const alice = { username: 'alice' };
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['push'] }],
};

/** A memory store whose insert answers DUPLICATE for the first `duplicates` calls, recording every record offered. */
function collidingStore(duplicates: number) {
  const base = createMemoryTokenStore();
  const offered: AccessTokenRecord[] = [];
  const store: TokenStore = {
    ...base,
    insertWithinQuota(record, limit) {
      offered.push(record);
      return offered.length <= duplicates
        ? Promise.resolve({ ok: false, code: 'DUPLICATE' })
        : base.insertWithinQuota(record, limit);
    },
  };
  const events: TokenEvent[] = [];
  const service = createTokenService({
    store,
    clock: createFakeClock(),
    organizations,
    events: { emit: (e) => events.push(e) },
  });
  return { base, offered, events, service };
}

describe('create on a duplicate id', () => {
  // The rule in creation.ts: every DUPLICATE draws a fresh id and secret; the attempt numbered MAX_ATTEMPTS is the
  // last.
  it('is pinned at five attempts', () => {
    expect(MAX_ATTEMPTS).toBe(5);
  });

  it.each([1, MAX_ATTEMPTS - 1])(
    'retries with a fresh id and secret after %i duplicate(s) and stores only the last attempt',
    async (duplicates) => {
      const { base, offered, events, service } = collidingStore(duplicates);
      const created = await service.create(alice, 'acme', input);

      expect(offered).toHaveLength(duplicates + 1);
      expect(new Set(offered.map((r) => r.id)).size).toBe(offered.length);
      expect(new Set(offered.map((r) => r.secretHash)).size).toBe(offered.length);
      const last = offered[offered.length - 1]!;
      expect(created.token.id).toBe(last.id);
      // The secret handed back is the one whose hash was stored, not one of the refused attempts'.
      expect(sha256Hasher().hash(created.secret.reveal())).toBe(last.secretHash);
      expect(await base.findById(created.token.id)).toEqual(created.token);
      for (const refused of offered.slice(0, -1)) expect(await base.findById(refused.id)).toBeNull();
      expect(base.size).toBe(1);
      expect(events).toEqual([expect.objectContaining({ type: 'access_token.create', tokenId: last.id })]);
    },
  );

  it('fails with STORE_FAILURE after MAX_ATTEMPTS duplicates, with no event and nothing stored', async () => {
    const { base, offered, events, service } = collidingStore(MAX_ATTEMPTS);
    await expect(service.create(alice, 'acme', input)).rejects.toMatchObject({
      name: 'OatError',
      code: 'STORE_FAILURE',
      context: { organization: 'acme' },
    });
    expect(offered).toHaveLength(MAX_ATTEMPTS);
    expect(new Set(offered.map((r) => r.id)).size).toBe(MAX_ATTEMPTS);
    expect(events).toEqual([]);
    expect(base.size).toBe(0);
  });

  it('does not retry a quota refusal', async () => {
    const base = createMemoryTokenStore();
    let calls = 0;
    const store: TokenStore = {
      ...base,
      insertWithinQuota: () => (calls++, Promise.resolve({ ok: false, code: 'QUOTA_EXCEEDED', count: 10 })),
    };
    const service = createTokenService({ store, clock: createFakeClock(), organizations });
    await expect(service.create(alice, 'acme', input)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(calls).toBe(1);
  });
});
