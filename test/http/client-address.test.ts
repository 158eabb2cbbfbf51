import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTrustedProxies, resolveClientAddress } from '../../src/http/client-address.js';
import { toNodeHandler } from '../../src/http/index.js';

const PROXIES = compileTrustedProxies(['10.0.0.0/8', '127.0.0.1', 'fd00::/8', '::1']);
const handler = async (): Promise<Response> => new Response('ok');

describe('compileTrustedProxies', () => {
  it('matches addresses and CIDR ranges, IPv4 and IPv6, and IPv4-mapped IPv6 against IPv4 rules', () => {
    expect(
      ['10.200.3.4', '127.0.0.1', 'fd12::1', '::1', '::ffff:10.0.0.9', '::ffff:127.0.0.1'].map((a) => PROXIES.check(a)),
    ).toEqual([true, true, true, true, true, true]);
    expect(
      ['11.0.0.1', '127.0.0.2', 'fe80::1', '2001:db8::1', '::ffff:11.0.0.1', 'not-an-ip', ''].map((a) =>
        PROXIES.check(a),
      ),
    ).toEqual([false, false, false, false, false, false, false]);
  });

  it('trusts nobody without a list', () => {
    expect(compileTrustedProxies(undefined).check('127.0.0.1')).toBe(false);
  });

  it('throws one MISCONFIGURED naming every bad entry', () => {
    const bad = ['10.0.0.0/8', 'localhost', '10.0.0.0/33', 7, '::1/129', '10.0.0.0/', '1.2.3.4/08x'];
    expect(() => compileTrustedProxies(bad as unknown as string[])).toThrow(
      expect.objectContaining({
        name: 'OatError',
        code: 'MISCONFIGURED',
        fields: [
          { path: 'trustProxy.1', message: expect.stringContaining('IP address or a CIDR range') },
          { path: 'trustProxy.2', message: 'must have a prefix length from 0 to 32' },
          { path: 'trustProxy.3', message: expect.stringContaining('must be a string') },
          { path: 'trustProxy.4', message: 'must have a prefix length from 0 to 128' },
          { path: 'trustProxy.5', message: 'must have a prefix length from 0 to 32' },
          { path: 'trustProxy.6', message: 'must have a prefix length from 0 to 32' },
        ],
        context: expect.objectContaining({ field: 'trustProxy.1' }),
      }),
    );
  });

  it('is checked when toNodeHandler is called, not at the first request', () => {
    expect(() => toNodeHandler(handler, { trustProxy: ['10.0.0.0/8', 'proxy.internal'] })).toThrow(
      expect.objectContaining({ code: 'MISCONFIGURED', context: expect.objectContaining({ field: 'trustProxy.1' }) }),
    );
    expect(() => toNodeHandler(handler, { trustProxy: '10.0.0.0/8' as unknown as string[] })).toThrow(
      expect.objectContaining({ code: 'MISCONFIGURED', context: { field: 'trustProxy' } }),
    );
  });
});

describe('resolveClientAddress', () => {
  it('is the socket address when the socket is not a trusted proxy, or there is no X-Forwarded-For', () => {
    expect(resolveClientAddress('203.0.113.9', '198.51.100.1', PROXIES)).toBe('203.0.113.9');
    expect(resolveClientAddress('127.0.0.1', undefined, PROXIES)).toBe('127.0.0.1');
    expect(resolveClientAddress(undefined, '198.51.100.1', PROXIES)).toBeUndefined();
  });

  it('takes the right-most untrusted hop, across repeated headers, IPv4 and IPv6', () => {
    expect(resolveClientAddress('127.0.0.1', '198.51.100.1, 203.0.113.7, 10.1.2.3', PROXIES)).toBe('203.0.113.7');
    expect(resolveClientAddress('::1', ['2001:db8::1', '2001:db8::2,fd00::5'], PROXIES)).toBe('2001:db8::2');
    expect(resolveClientAddress('::ffff:127.0.0.1', '203.0.113.7', PROXIES)).toBe('203.0.113.7');
  });

  it('is the left-most hop when every hop is trusted', () => {
    expect(resolveClientAddress('127.0.0.1', '10.0.0.1, 10.0.0.2', PROXIES)).toBe('10.0.0.1');
  });

  it('stops at a hop that is not an IP address, at the last address that was one', () => {
    expect(resolveClientAddress('127.0.0.1', '203.0.113.7, evil', PROXIES)).toBe('127.0.0.1');
    expect(resolveClientAddress('127.0.0.1', 'evil, 10.0.0.1', PROXIES)).toBe('10.0.0.1');
    expect(resolveClientAddress('127.0.0.1', '203.0.113.7:4711', PROXIES)).toBe('127.0.0.1');
  });

  // Addresses from two pools, so chains mix trusted and untrusted hops; now and then a hop that is no address.
  const trustedAddress = fc.oneof(
    fc.ipV4().map((a) => `10.${a.split('.').slice(1).join('.')}`),
    fc.constantFrom('127.0.0.1', '::1', 'fd00::7'),
  );
  const untrustedAddress = fc.oneof(
    fc.ipV4().filter((a) => !PROXIES.check(a)),
    fc.constantFrom('2001:db8::1', '203.0.113.7'),
  );
  const hop = fc.oneof(
    { weight: 6, arbitrary: fc.oneof(trustedAddress, untrustedAddress) },
    { weight: 1, arbitrary: fc.constantFrom('', 'unknown', '1.2.3.4:80') },
  );

  it('property: the answer is the socket or a hop, every hop right of it is trusted, and it is untrusted unless nothing further is', () => {
    fc.assert(
      // Distinct hops, so where the answer sits in the chain is unambiguous.
      fc.property(fc.oneof(trustedAddress, untrustedAddress), fc.uniqueArray(hop, { maxLength: 6 }), (socket, hops) => {
        fc.pre(!hops.includes(socket));
        const answer = resolveClientAddress(socket, hops.join(', '), PROXIES);
        // Nearest first: the socket, then the header right to left.
        const chain = [socket, ...hops.map((h) => h.trim()).reverse()];
        const at = chain.indexOf(answer as string);
        expect(at).toBeGreaterThanOrEqual(0);
        expect(chain.slice(0, at).every((address) => PROXIES.check(address))).toBe(true);
        const next = chain[at + 1];
        if (PROXIES.check(answer as string) && next !== undefined) expect(PROXIES.check(next)).toBe(false);
        if (!PROXIES.check(socket)) expect(answer).toBe(socket);
      }),
    );
  });

  it('property: a client behind trusted proxies cannot choose its address by prepending hops', () => {
    fc.assert(
      fc.property(
        untrustedAddress,
        fc.array(hop, { maxLength: 4 }),
        fc.array(trustedAddress, { maxLength: 3 }),
        (client, forged, proxies) => {
          // The client sends `forged` itself; each trusted proxy appends the address it saw.
          const header = [...forged, client, ...proxies.slice(0, -1)].join(', ');
          const socket = proxies.at(-1) ?? client;
          const xff = proxies.length === 0 ? forged.join(', ') : header;
          expect(resolveClientAddress(socket, xff, PROXIES)).toBe(client);
        },
      ),
    );
  });
});
