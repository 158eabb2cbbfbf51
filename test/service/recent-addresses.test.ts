import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeAddress } from '../../src/core/networks.js';
import { MAX_RECENT_ADDRESSES, withRecentAddress } from '../../src/core/recent-addresses.js';
import {
  createMemoryTokenStore,
  createTokenService,
  type BackgroundFaultContext,
  type OatError,
  type TokenStore,
} from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';

const organizations = [{ name: 'acme', plan: 'team', owners: ['alice'] }];
const alice = { username: 'alice' };
const input = { label: 'ci', resources: [{ type: 'repository' as const, path: 'acme/app', scopes: ['pull'] }] };

function setup(store: TokenStore = createMemoryTokenStore()) {
  const reports: Array<{ error: OatError; context: BackgroundFaultContext }> = [];
  const clock = createFakeClock();
  const service = createTokenService({
    store,
    clock,
    organizations,
    lastUsedIntervalMs: 60_000,
    onError: (error, context) => reports.push({ error, context }),
  });
  return { service, clock, reports };
}

describe('recent client addresses', () => {
  it(
    'get shows the addresses a token logged in from, newest first; a new one is recorded within ' + 'the interval',
    async () => {
      const { service, clock } = setup();
      const { token, secret } = await service.create(alice, 'acme', input);
      const login = async (address?: string) => {
        const result = await service.authenticate('acme', secret.reveal(), address === undefined ? {} : { address });
        expect(result.ok).toBe(true);
        await service.flush();
      };
      await login('203.0.113.9');
      clock.advance(1_000);
      await login('::FFFF:192.0.2.1');
      await login('2001:DB8::1');
      await login(undefined);
      await login('not an address');
      const got = await service.get(alice, 'acme', token.id);
      // Last-used stays throttled: only the first login was due.
      expect(got.lastUsedAt).toBe(token.createdAt);
      expect(got.recentAddresses).toEqual(['2001:db8::1', '192.0.2.1', '203.0.113.9']);
      expect(Object.isFrozen(got.recentAddresses)).toBe(true);
    },
  );

  it('a login from a recorded address writes nothing until last-used is due', async () => {
    const inner = createMemoryTokenStore();
    const touches: Array<string | undefined> = [];
    const { service, clock } = setup({
      ...inner,
      findBySecretHash: inner.findBySecretHash,
      touchLastUsed: (id, at, ifOlderThan, address) => {
        touches.push(address);
        return inner.touchLastUsed(id, at, ifOlderThan, address);
      },
    });
    const { secret } = await service.create(alice, 'acme', input);
    for (const step of [0, 1_000, 1_000, 60_000]) {
      clock.advance(step);
      await service.authenticate('acme', secret.reveal(), { address: '192.0.2.1' });
      await service.flush();
    }
    expect(touches).toEqual(['192.0.2.1', '192.0.2.1']);
  });

  it('a store that fails to record the address neither fails nor slows the login: onError hears of it', async () => {
    const inner = createMemoryTokenStore();
    const { service, reports } = setup({
      ...inner,
      findBySecretHash: inner.findBySecretHash,
      touchLastUsed: () => Promise.reject(new Error('disk full')),
    });
    const { token, secret } = await service.create(alice, 'acme', input);
    await expect(service.authenticate('acme', secret.reveal(), { address: '192.0.2.1' })).resolves.toMatchObject({
      ok: true,
    });
    await service.flush();
    expect(reports).toEqual([
      {
        error: expect.objectContaining({ code: 'STORE_FAILURE' }),
        context: { operation: 'touchLastUsed', tokenId: token.id },
      },
    ]);
  });
});

describe('withRecentAddress', () => {
  it(
    'keeps the list distinct, at most five, newest first, under any sequence of logins (against a ' + 'plain model)',
    () => {
      const address = fc
        .oneof(fc.ipV4(), fc.ipV6())
        .map((a) => normalizeAddress(a))
        .filter((a) => a !== null);
      fc.assert(
        fc.property(fc.array(address, { maxLength: 40 }), (logins) => {
          let list: ReadonlyArray<string> = [];
          const order: string[] = [];
          for (const a of logins) {
            list = withRecentAddress(list, a);
            order.push(a);
          }
          // The model: the distinct addresses by their latest login, latest first.
          const latest = [...new Set([...order].reverse())].slice(0, MAX_RECENT_ADDRESSES);
          expect(list).toEqual(latest);
          if (logins.length > 0) expect(Object.isFrozen(list)).toBe(true);
        }),
      );
    },
  );

  it('normalizeAddress writes an IPv4-mapped address as IPv4 and is a fixed point', () => {
    expect(normalizeAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeAddress('::FFFF:a01:203')).toBe('10.1.2.3');
    expect(normalizeAddress('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalizeAddress('10.0.0.0/8')).toBeNull();
    expect(normalizeAddress('127.1')).toBeNull();
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()), (text) => {
        const once = normalizeAddress(text);
        if (once !== null) expect(normalizeAddress(once)).toBe(once);
      }),
    );
  });
});
