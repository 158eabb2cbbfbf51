import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  createMemoryTokenStore,
  freezeRecord,
  validateResources,
  type AccessTokenRecord,
  type OrganizationId,
  type OrganizationName,
  type TokenId,
} from '../../src/index.js';

const record = (n: number, scopes: ReadonlyArray<ReadonlyArray<string>>): AccessTokenRecord =>
  freezeRecord({
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` as TokenId,
    organizationId: 'org-1' as OrganizationId,
    organization: 'acme' as OrganizationName,
    label: `t${n}`,
    description: '',
    createdBy: 'alice',
    createdAt: 0,
    updatedAt: 0,
    expiresAt: null,
    lastUsedAt: null,
    state: 'active',
    // Built afresh for each record, as a parsed request or a SQL row is: equal lists, never the same array.
    resources: scopes.map((list, i) => ({ type: 'repository' as const, path: `acme/app-${i}`, scopes: [...list] })),
    secretHash: `hash-${n}`,
    displayPrefix: 'oat_abcd',
    version: 1,
    allowedNetworks: [],
    recentAddresses: [],
  });

describe('the memory store shares equal scope lists between the records it keeps', () => {
  it(
    'stores one frozen array per distinct list, through insert and replace, and keeps lists that only a join ' +
      'would confuse apart',
    async () => {
      const store = createMemoryTokenStore();
      const lists = [['scope-image-pull'], ['scope-image-pull', 'scope-image-push'], ['a\u0000b'], ['a', 'b']];
      for (const n of [1, 2]) await store.insertWithinQuota(record(n, lists), 10);
      const [one, two] = await Promise.all([store.findById(record(1, []).id), store.findById(record(2, []).id)]);
      for (let i = 0; i < lists.length; i++) {
        expect(one?.resources[i]?.scopes).toEqual(lists[i]);
        expect(one?.resources[i]?.scopes).toBe(two?.resources[i]?.scopes);
        expect(Object.isFrozen(one?.resources[i]?.scopes)).toBe(true);
      }
      await store.replace({ ...record(2, lists.slice().reverse()), version: 2 }, 1);
      const replaced = await store.findById(record(2, []).id);
      expect(replaced?.resources[0]?.scopes).toBe(one?.resources[3]?.scopes);
      expect(replaced?.resources[3]?.scopes).toBe(one?.resources[0]?.scopes);
    },
  );

  it('while the pure core keeps no cache: validation hands out a new array each time', () => {
    const rules = { organization: 'acme', catalog: DEFAULT_POLICY.catalog, maxRepositoryGrants: 50 };
    const raw = [{ type: 'repository' as const, path: 'acme/app', scopes: ['pull'] }];
    const [a, b] = [validateResources(raw, rules), validateResources(raw, rules)];
    if (!a.ok || !b.ok) throw new Error('valid grants refused');
    expect(a.value[0]?.scopes).toEqual(b.value[0]?.scopes);
    expect(a.value[0]?.scopes).not.toBe(b.value[0]?.scopes);
  });
});

describe('the memory store answers every read with a promise', () => {
  it(
    'findBySecretHash too: the value-or-promise shortcut did not pay in the tokens benchmark, so the ' +
      'port is plain',
    async () => {
      const store = createMemoryTokenStore();
      const stored = record(1, [['scope-image-pull']]);
      await store.insertWithinQuota(stored, 10);
      const found = store.findBySecretHash(stored.secretHash);
      expect(found).toBeInstanceOf(Promise);
      await expect(found).resolves.toEqual(stored);
      await expect(store.findBySecretHash('no such hash')).resolves.toBeNull();
    },
  );
});
