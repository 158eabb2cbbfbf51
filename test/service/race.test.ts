import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createPolicy,
  createTokenService,
  isOatError,
  type TokenStore,
} from '../../src/index.js';
import { scheduledStore } from '../../src/testing/scheduled-store.js';
import type { CreateTokenRequest } from '../../src/index.js';

const organizations = [{ name: 'acme', plan: 'tiny', owners: ['alice'] }];
const alice = { username: 'alice' };
const input: CreateTokenRequest = {
  label: 'race',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
};

function serviceOn(store: TokenStore, limit: number) {
  return createTokenService({ store, organizations, policy: createPolicy({ plans: { tiny: { maxTokens: limit } } }) });
}

describe('concurrent operations, in every order fast-check schedules', () => {
  it('N concurrent creates at quota k leave exactly k tokens', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        async (s, k, extra) => {
          const inner = createMemoryTokenStore();
          const service = serviceOn(scheduledStore(s, inner), k);
          const attempts = Array.from({ length: k + extra }, () => service.create(alice, 'acme', input));
          const settled = Promise.allSettled(attempts);
          await s.waitIdle();
          const results = await settled;
          const created = results.filter((r) => r.status === 'fulfilled');
          const refused = results.filter((r) => r.status === 'rejected');
          expect(created).toHaveLength(k);
          expect(refused.every((r) => isOatError(r.reason) && r.reason.code === 'QUOTA_EXCEEDED')).toBe(true);
          expect(await inner.countLive('acme' as never)).toBe(k);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the same harness catches a store that counts, then inserts (negative control)', async () => {
    // Read-decide-write across two store calls: the scheduler must find an order that overshoots.
    const naive = (inner: TokenStore): TokenStore => ({
      ...inner,
      insertWithinQuota: async (record, limit) => {
        const count = await inner.countLive(record.organizationId);
        if (count >= limit) return { ok: false, code: 'QUOTA_EXCEEDED', count };
        return inner.insertWithinQuota(record, Number.MAX_SAFE_INTEGER);
      },
    });
    const run = fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const inner = createMemoryTokenStore();
        const service = serviceOn(naive(scheduledStore(s, inner)), 2);
        const settled = Promise.allSettled(Array.from({ length: 5 }, () => service.create(alice, 'acme', input)));
        await s.waitIdle();
        await settled;
        expect(await inner.countLive('acme' as never)).toBeLessThanOrEqual(2);
      }),
      { numRuns: 200 },
    );
    await expect(run).rejects.toThrow(/Property failed/);
  });

  it('a concurrent update and delete never resurrect the token', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.boolean(), async (s, deactivateToo) => {
        const inner = createMemoryTokenStore();
        const setup = serviceOn(inner, 5);
        const { token } = await setup.create(alice, 'acme', input);
        const service = serviceOn(scheduledStore(s, inner), 5);
        const update = service.update(alice, 'acme', token.id, { label: 'renamed' });
        const other = deactivateToo ? service.deactivate(alice, 'acme', token.id) : Promise.resolve(null);
        const del = service.delete(alice, 'acme', token.id);
        const settled = Promise.allSettled([update, other, del]);
        await s.waitIdle();
        const [u, , d] = await settled;
        expect(d.status).toBe('fulfilled');
        const stored = await inner.findById(token.id);
        expect(stored?.state).toBe('deleted');
        if (u.status === 'rejected')
          expect(isOatError(u.reason) && ['NOT_FOUND', 'CONFLICT', 'TRANSITION_DENIED'].includes(u.reason.code)).toBe(
            true,
          );
        expect(await inner.countLive('acme' as never)).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('once a deactivate resolves, no later authentication succeeds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 4 }), async (s, logins) => {
        const inner = createMemoryTokenStore();
        const { secret, token } = await serviceOn(inner, 5).create(alice, 'acme', input);
        const service = serviceOn(scheduledStore(s, inner), 5);
        const after: Array<Promise<boolean>> = [];
        const concurrent = Array.from({ length: logins }, () => service.authenticate('acme', secret.reveal()));
        const deactivated = service.deactivate(alice, 'acme', token.id).then(() => {
          for (let i = 0; i < logins; i++) after.push(service.authenticate('acme', secret.reveal()).then((r) => r.ok));
        });
        const settled = Promise.allSettled([deactivated, ...concurrent]);
        await s.waitIdle();
        await settled;
        expect(after).toHaveLength(logins);
        expect(await Promise.all(after)).toEqual(Array.from({ length: logins }, () => false));
      }),
      { numRuns: 200 },
    );
  });
});
