import fc from 'fast-check';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import {
  createMemoryRateLimiter,
  createMemoryTokenStore,
  createTokenService,
  fromRateLimiterFlexible,
  type BackgroundFaultContext,
  type OatError,
  type RateLimitDecision,
  type RateLimiter,
  type SecretHasher,
  type TokenStore,
} from '../../src/index.js';
import { sha256Hasher } from '../../src/service/hashers.js';

const sha256 = sha256Hasher();
import { createFakeClock } from '../../src/testing/fake-clock.js';

const organizations = [
  { name: 'acme', plan: 'business' as const, owners: ['alice'] },
  { name: 'other', plan: 'business' as const, owners: ['bob'] },
];
const request = (org: string) => ({
  label: 'ci',
  resources: [{ type: 'repository' as const, path: `${org}/*`, scopes: ['scope-image-pull' as const] }],
});

interface Call {
  readonly limiter: 'failures' | 'tokens';
  readonly key: string;
  readonly cost: number;
}

/** A limiter that records every call and answers with `answer`. */
function recording(
  name: Call['limiter'],
  calls: Call[],
  answer: (key: string, cost: number) => RateLimitDecision = () => ({ allowed: true }),
): RateLimiter {
  return { consume: (key, cost) => (calls.push({ limiter: name, key, cost }), answer(key, cost)) };
}

/** A service over a memory store whose hashing and lookups are counted. */
async function setup(
  rateLimits: Parameters<typeof createTokenService>[0]['rateLimits'],
  onError?: (error: OatError, context: BackgroundFaultContext) => void,
) {
  const base = createMemoryTokenStore();
  const counts = { hashes: 0, lookups: 0 };
  const store: TokenStore = new Proxy(base, {
    get(target, prop, receiver) {
      if (prop === 'findBySecretHash') return (hash: string) => (counts.lookups++, target.findBySecretHash(hash));
      return Reflect.get(target, prop, receiver);
    },
  });
  const hasher: SecretHasher = { ...sha256, hash: (secret) => (counts.hashes++, sha256.hash(secret)) };
  const service = createTokenService({
    store,
    hasher,
    clock: createFakeClock(),
    organizations,
    ...(rateLimits === undefined ? {} : { rateLimits }),
    ...(onError === undefined ? {} : { onError }),
  });
  const acme = (await service.create({ username: 'alice' }, 'acme', request('acme'))).secret.reveal();
  const other = (await service.create({ username: 'bob' }, 'other', request('other'))).secret.reveal();
  counts.hashes = 0;
  counts.lookups = 0;
  return { service, counts, acme, other };
}

describe('usage limits of authenticate', () => {
  it('is off unless configured: a thousand failed logins from one address refuse nothing', async () => {
    const { service, acme } = await setup(undefined);
    for (let i = 0; i < 1000; i++)
      await service.authenticate('acme', `${acme.slice(0, -1)}x`, { address: '203.0.113.7' });
    expect(await service.authenticate('acme', acme, { address: '203.0.113.7' })).toMatchObject({ ok: true });
  });

  it('refuses a spent address before any hashing or store lookup, with when to retry', async () => {
    const calls: Call[] = [];
    const { service, counts, acme } = await setup({
      failedLoginsPerAddress: recording('failures', calls, () => ({
        allowed: false,
        code: 'RATE_LIMITED',
        retryAfterMs: 1500,
      })),
    });
    expect(await service.authenticate('acme', acme, { address: '203.0.113.7' })).toEqual({
      ok: false,
      code: 'RATE_LIMITED',
      retryAfterMs: 1500,
    });
    expect(counts).toEqual({ hashes: 0, lookups: 0 });
    // Asked without spending; the refusal itself spends nothing.
    expect(calls).toEqual([{ limiter: 'failures', key: 'address:203.0.113.7', cost: 0 }]);
  });

  it(
    'asks the address limit first, spends the token budget after the token is found, and a failure ' + 'after that',
    async () => {
      const calls: Call[] = [];
      const { service, acme } = await setup({
        failedLoginsPerAddress: recording('failures', calls),
        perToken: recording('tokens', calls),
      });
      const ok = await service.authenticate('acme', acme, { address: '198.51.100.1' });
      if (!ok.ok) throw new Error(ok.code);
      expect(calls).toEqual([
        { limiter: 'failures', key: 'address:198.51.100.1', cost: 0 },
        { limiter: 'tokens', key: `token:${ok.principal.tokenId}`, cost: 1 },
      ]);
      calls.length = 0;
      expect(await service.authenticate('other', acme, { address: '198.51.100.1' })).toMatchObject({
        ok: false,
        code: 'ORG_MISMATCH',
      });
      expect(calls.map((c) => [c.limiter, c.cost])).toEqual([
        ['failures', 0],
        ['tokens', 1],
        ['failures', 1],
      ]);
      calls.length = 0;
      // Not found: no token budget to spend.
      expect(await service.authenticate('acme', `${acme.slice(0, -1)}x`)).toMatchObject({ ok: false });
      expect(calls).toEqual([
        { limiter: 'failures', key: 'username:acme', cost: 0 },
        { limiter: 'failures', key: 'username:acme', cost: 1 },
      ]);
    },
  );

  it(
    'without a client address, counts failures under the organization name: they spend its ' + "logins' budget",
    async () => {
      const { service, acme, other } = await setup({
        failedLoginsPerAddress: createMemoryRateLimiter({ points: 3, durationSeconds: 60 }),
      });
      const wrong = `${acme.slice(0, -1)}${acme.endsWith('x') ? 'y' : 'x'}`;
      // What a proxy writing `unknown` leaves the service with: no address, or an empty one.
      for (const client of [undefined, { address: '' }, {}]) await service.authenticate('acme', wrong, client);
      expect(await service.authenticate('acme', acme)).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
      // Known addresses, and the other organization's address-less logins, have budgets of their own.
      expect(await service.authenticate('acme', acme, { address: '198.51.100.1' })).toMatchObject({ ok: true });
      expect(await service.authenticate('other', other)).toMatchObject({ ok: true });
    },
  );

  it('never keys a limit by the secret, whatever the username and secret', async () => {
    const calls: Call[] = [];
    const { service, acme } = await setup({
      failedLoginsPerAddress: recording('failures', calls),
      perToken: recording('tokens', calls),
    });
    const core = acme.slice(4);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.constant(acme), fc.constant(core), fc.constant(acme.toUpperCase())),
        fc.oneof(fc.string(), fc.constant(acme)),
        fc.option(fc.oneof(fc.ipV4(), fc.ipV6()), { nil: undefined }),
        async (username, secret, address) => {
          calls.length = 0;
          await service.authenticate(username, secret, address === undefined ? {} : { address });
          for (const { key } of calls) {
            expect(key.toLowerCase()).not.toContain(core.toLowerCase());
            expect(key).toMatch(address === undefined ? /^(username:|token:)/ : /^(address:|token:)/);
          }
        },
      ),
    );
  });

  it('failed logins from one address do not block the same token from another address', async () => {
    const { service, acme } = await setup({
      failedLoginsPerAddress: createMemoryRateLimiter({ points: 3, durationSeconds: 60 }),
    });
    const wrong = `${acme.slice(0, -1)}${acme.endsWith('x') ? 'y' : 'x'}`;
    for (let i = 0; i < 3; i++) {
      const failed = await service.authenticate('acme', wrong, { address: '203.0.113.66' });
      expect(failed.ok === false && failed.code !== 'RATE_LIMITED').toBe(true);
    }
    expect(await service.authenticate('acme', acme, { address: '203.0.113.66' })).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
    });
    expect(await service.authenticate('acme', acme, { address: '198.51.100.9' })).toMatchObject({ ok: true });
  });

  it('spends one point of the token per login, each token on its own budget', async () => {
    const { service, acme, other } = await setup({
      perToken: createMemoryRateLimiter({ points: 2, durationSeconds: 60 }),
    });
    expect(await service.authenticate('acme', acme)).toMatchObject({ ok: true });
    expect(await service.authenticate('acme', acme)).toMatchObject({ ok: true });
    const third = await service.authenticate('acme', acme);
    expect(third).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    if (third.ok || third.code !== 'RATE_LIMITED') throw new Error('expected RATE_LIMITED');
    expect(third.retryAfterMs).toBeGreaterThan(0);
    expect(third.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(await service.authenticate('other', other)).toMatchObject({ ok: true });
  });

  it('lets logins through when the limiter fails, and reports the fault to onError', async () => {
    const faults: Array<[OatError, BackgroundFaultContext]> = [];
    const broken: RateLimiter = { consume: () => Promise.reject(new Error('connection refused')) };
    const { service, acme } = await setup({ failedLoginsPerAddress: broken, perToken: broken }, (error, context) =>
      faults.push([error, context]),
    );
    expect(await service.authenticate('acme', acme, { address: '203.0.113.7' })).toMatchObject({ ok: true });
    expect(faults).toHaveLength(2);
    for (const [error, context] of faults) {
      expect(error).toMatchObject({
        code: 'STORE_FAILURE',
        context: { operation: 'authenticate', reason: 'RATE_LIMITER' },
      });
      expect(context.operation).toBe('authenticate');
    }
  });

  it('refuses a rate limiter without consume at construction, naming the field', () => {
    const bad = { perToken: {} as unknown as RateLimiter };
    expect(() => createTokenService({ store: createMemoryTokenStore(), rateLimits: bad })).toThrow(
      expect.objectContaining({ code: 'MISCONFIGURED', context: { field: 'rateLimits.perToken' } }),
    );
  });
});

describe('createMemoryRateLimiter', () => {
  it('admits exactly the budget, and a cost of 0 only asks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 30 }), async (points, asks) => {
        const limiter = createMemoryRateLimiter({ points, durationSeconds: 60 });
        for (let i = 0; i < asks; i++) expect(await limiter.consume('k', 0)).toEqual({ allowed: true });
        const answers = await Promise.all(Array.from({ length: points + 3 }, () => limiter.consume('k', 1)));
        expect(answers.filter((a) => a.allowed)).toHaveLength(points);
        expect(await limiter.consume('k', 0)).toMatchObject({ allowed: false, code: 'RATE_LIMITED' });
        expect(await limiter.consume('j', 0)).toEqual({ allowed: true });
      }),
      { numRuns: 30 },
    );
  });

  it('property: a refused spend spends nothing, so a later spend that fits is admitted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 30 }),
        async (points, costs) => {
          const limiter = createMemoryRateLimiter({ points, durationSeconds: 60 });
          // The model: one window, whose spent points grow only by admitted costs.
          let spent = 0;
          for (const cost of costs) {
            const fits = cost === 0 ? spent < points : spent + cost <= points;
            expect((await limiter.consume('k', cost)).allowed).toBe(fits);
            if (fits) spent += cost;
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it("differs there from rate-limiter-flexible's RateLimiterMemory, which spends the refused points", async () => {
    const ours = createMemoryRateLimiter({ points: 3, durationSeconds: 60 });
    const flexible = fromRateLimiterFlexible(new RateLimiterMemory({ points: 3, duration: 60 }));
    const answers = async (limiter: RateLimiter) => [
      (await limiter.consume('k', 2)).allowed,
      (await limiter.consume('k', 2)).allowed,
      (await limiter.consume('k', 1)).allowed,
    ];
    expect(await answers(ours)).toEqual([true, false, true]);
    expect(await answers(flexible)).toEqual([true, false, false]);
  });

  it('refuses a budget that is not positive integers, naming the field', () => {
    expect(() => createMemoryRateLimiter({ points: 0, durationSeconds: 1 })).toThrow(
      expect.objectContaining({ code: 'MISCONFIGURED', context: { field: 'points' } }),
    );
    expect(() => createMemoryRateLimiter({ points: 1, durationSeconds: 1.5 })).toThrow(
      expect.objectContaining({ code: 'MISCONFIGURED', context: { field: 'durationSeconds' } }),
    );
  });
});
