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

  it('drops the port of a hop, IPv4 or bracketed IPv6', () => {
    expect(resolveClientAddress('127.0.0.1', '203.0.113.7:4711', PROXIES)).toBe('203.0.113.7');
    expect(resolveClientAddress('127.0.0.1', '[2001:db8::1]:443', PROXIES)).toBe('2001:db8::1');
    expect(resolveClientAddress('127.0.0.1', '[2001:db8::1]', PROXIES)).toBe('2001:db8::1');
    expect(resolveClientAddress('::1', '198.51.100.1, 203.0.113.7:80, [fd00::2]:8080', PROXIES)).toBe('203.0.113.7');
    expect(resolveClientAddress('127.0.0.1', '10.0.0.1:80, 10.0.0.2', PROXIES)).toBe('10.0.0.1');
  });

  it('is undefined, never the proxy, when the walk reaches a hop that is no IP address', () => {
    for (const header of [
      '203.0.113.7, evil',
      'unknown',
      '_hidden',
      'proxy.internal:80',
      '203.0.113.7,,10.0.0.1',
      '',
      '203.0.113.7:99999',
      '[203.0.113.7]:80',
      '2001:db8::1:443:x',
    ]) {
      expect(resolveClientAddress('127.0.0.1', header, PROXIES), header).toBeUndefined();
    }
    // Left of the client, the header is the client's own writing: never read.
    expect(resolveClientAddress('127.0.0.1', 'evil, 10.0.0.1, 203.0.113.7', PROXIES)).toBe('203.0.113.7');
  });

  // Hops as values, rendered the ways proxies write them; the reference walks the values, not the text.
  type Hop =
    | { readonly address: string; readonly text: string }
    | { readonly address: undefined; readonly text: string };
  const trustedAddress = fc.oneof(
    fc.ipV4().map((a) => `10.${a.split('.').slice(1).join('.')}`),
    fc.constantFrom('127.0.0.1', '::1', 'fd00::7', 'fd12:3456::1'),
  );
  const untrustedAddress = fc.oneof(
    fc.ipV4().filter((a) => !PROXIES.check(a)),
    fc.constantFrom('2001:db8::1', '203.0.113.7', '2001:db8:0:1::ab'),
  );
  const port = fc.integer({ min: 0, max: 65_535 });
  const space = fc.constantFrom('', ' ', '  ');
  const render = (address: string): fc.Arbitrary<string> =>
    fc.tuple(fc.boolean(), fc.boolean(), port, space, space).map(([bracket, withPort, p, before, after]) => {
      const v6 = address.includes(':');
      const written = v6 && (bracket || withPort) ? `[${address}]` : address;
      return `${before}${withPort ? `${written}:${p}` : written}${after}`;
    });
  const addressHop = (address: fc.Arbitrary<string>): fc.Arbitrary<Hop> =>
    address.chain((a) => render(a).map((text) => ({ address: a, text })));
  const junkHop: fc.Arbitrary<Hop> = fc
    .constantFrom('', 'unknown', '_hidden', 'proxy.internal', 'localhost:80', '1.2.3.4:65536', '[1.2.3.4]', '::1]:80')
    .map((text) => ({ address: undefined, text }));
  const hop = fc.oneof(
    { weight: 8, arbitrary: addressHop(fc.oneof(trustedAddress, untrustedAddress)) },
    { weight: 1, arbitrary: junkHop },
  );

  /** The walk, over parsed hops: right to left through trusted proxies; junk means no answer. */
  function reference(socket: string, hops: ReadonlyArray<Hop>): string | undefined {
    if (!PROXIES.check(socket)) return socket;
    let answer = socket;
    for (const { address } of [...hops].reverse()) {
      if (address === undefined) return undefined;
      answer = address;
      if (!PROXIES.check(address)) return address;
    }
    return answer;
  }

  it('property: the walk agrees with the reference, for one header or repeated ones', () => {
    fc.assert(
      fc.property(
        fc.oneof(trustedAddress, untrustedAddress),
        fc.array(hop, { maxLength: 6 }),
        fc.nat(),
        (socket, hops, cut) => {
          const expected = reference(socket, hops);
          const texts = hops.map((h) => h.text);
          // A present but empty header names nobody: as junk, no answer (unless the socket is no proxy).
          const joined = hops.length === 0 ? reference(socket, [{ address: undefined, text: '' }]) : expected;
          expect(resolveClientAddress(socket, texts.join(','), PROXIES)).toBe(joined);
          // The same hops as two headers, as Node hands repeated headers in an array.
          if (hops.length >= 2) {
            const at = 1 + (cut % (hops.length - 1));
            const two = [texts.slice(0, at).join(','), texts.slice(at).join(',')];
            expect(resolveClientAddress(socket, two, PROXIES)).toBe(expected);
          }
        },
      ),
    );
  });

  it('property: a client behind trusted proxies cannot choose its address by prepending hops', () => {
    fc.assert(
      fc.property(
        untrustedAddress,
        fc.array(
          hop.map((h) => h.text),
          { maxLength: 4 },
        ),
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
