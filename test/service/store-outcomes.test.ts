import type { CreateTokenRequest } from '../../src/index.js';
import { describe, expect, it } from 'vitest';
import { createMemoryTokenStore, createTokenService, type TokenStore } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';

const organizations = [{ id: 'acme', name: 'acme', plan: 'team', owners: ['alice'] }];
const alice = { username: 'alice' };
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['push'] }],
};

/** A memory store whose insert or replace answers as a 0.x store did (the write itself still happens). */
function legacyStore(
  method: 'insertWithinQuota' | 'replace',
  answer: unknown,
): { base: ReturnType<typeof createMemoryTokenStore>; store: TokenStore } {
  const base = createMemoryTokenStore();
  const store = {
    ...base,
    [method]: async (record: never, n: number) => {
      await base[method](record, n);
      return answer;
    },
  } as unknown as TokenStore;
  return { base, store };
}

describe('an outcome a store resolves to that is not { ok, code }', () => {
  it.each([
    ['{ inserted: true } (0.x)', { inserted: true }],
    ['{ inserted: false, reason } (0.x)', { inserted: false, reason: 'QUOTA_EXCEEDED', count: 1 }],
    ['a bare string', 'inserted'],
    ['an unknown code', { ok: false, code: 'FULL' }],
    ['QUOTA_EXCEEDED without a count', { ok: false, code: 'QUOTA_EXCEEDED' }],
  ])('from insertWithinQuota, %s, rejects create with STORE_FAILURE', async (_what, answer) => {
    const { store } = legacyStore('insertWithinQuota', answer);
    const service = createTokenService({ store, clock: createFakeClock(), organizations });
    await expect(service.create(alice, 'acme', input)).rejects.toMatchObject({
      name: 'OatError',
      code: 'STORE_FAILURE',
      context: { operation: 'insertWithinQuota' },
    });
    // A fault, never a refusal: the non-throwing form rejects with it too.
    await expect(service.safeCreate(alice, 'acme', input)).rejects.toMatchObject({ code: 'STORE_FAILURE' });
  });

  it.each([
    ["'replaced' (0.x)", 'replaced'],
    ["'conflict' (0.x)", 'conflict'],
    ['an unknown code', { ok: false, code: 'GONE' }],
  ])('from replace, %s, rejects the write with STORE_FAILURE after one attempt', async (_what, answer) => {
    const { base, store } = legacyStore('replace', answer);
    const service = createTokenService({ store, clock: createFakeClock(), organizations });
    const { token } = await service.create(alice, 'acme', input);
    await expect(service.deactivate(alice, 'acme', token.id)).rejects.toMatchObject({
      code: 'STORE_FAILURE',
      context: { operation: 'replace' },
    });
    // Read as a conflict, the applied write would have been retried: one attempt, one version.
    expect((await base.findById(token.id))?.version).toBe(2);
    await expect(service.safeDelete(alice, 'acme', token.id)).rejects.toMatchObject({ code: 'STORE_FAILURE' });
  });
});
