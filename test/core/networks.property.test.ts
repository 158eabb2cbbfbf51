import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  planUpdate,
  isAddressAllowed,
  MAX_ALLOWED_NETWORKS,
  normalizeNetwork,
  safeParseCreateInput,
  safeParseUpdateInput,
  DEFAULT_POLICY,
} from '../../src/index.js';

// The reference: addresses as BigInts, membership by shifting, parsing written here by hand. The library uses
// ipaddr.js's match(); the two agreeing on random ranges and addresses is the property.

type Ref = { readonly v4: boolean; readonly n: bigint };

function refParse(text: string): Ref {
  if (!text.includes(':'))
    return { v4: true, n: text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n) };
  let hex = text;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = refParse(text.slice(lastColon + 1)).n;
    hex = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const groups = (s: string): bigint[] => (s === '' ? [] : s.split(':').map((g) => BigInt(`0x${g}`)));
  const [left, right] = hex.split('::') as [string, string | undefined];
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const all = right === undefined ? l : [...l, ...Array<bigint>(8 - l.length - r.length).fill(0n), ...r];
  const n = all.reduce((acc, g) => (acc << 16n) | g, 0n);
  // IPv4-mapped IPv6 is its IPv4 form.
  if (n >> 32n === 0xffffn) return { v4: true, n: n & 0xffffffffn };
  return { v4: false, n };
}

function refContains(network: string, address: string): boolean {
  const [base, prefixText] = network.split('/') as [string, string];
  const b = refParse(base);
  const a = refParse(address);
  if (a.v4 !== b.v4) return false;
  const shift = BigInt((a.v4 ? 32 : 128) - Number(prefixText));
  return a.n >> shift === b.n >> shift;
}

const readable = (text: string): boolean =>
  !text.includes(':') || !text.includes('.') || /^(?:::|(?:0{1,4}:){5})ffff:[\d.]+$/i.test(text);
const v4Text = (n: bigint): string => [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
const v6Text = (n: bigint): string =>
  Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
const bits = (width: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(width)) - 1n });

/** A range and an address, the address inside the range about half the time (written in full or mapped form). */
const caseArb = fc.oneof(
  fc
    .tuple(bits(32), fc.integer({ min: 0, max: 32 }), bits(32), fc.boolean(), fc.boolean())
    .map(([base, prefix, noise, inside, mapped]) => {
      const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(32 - prefix);
      const n = inside ? (base & mask) | (noise & ~mask & 0xffffffffn) : noise;
      return { network: `${v4Text(base)}/${prefix}`, address: mapped ? `::ffff:${v4Text(n)}` : v4Text(n) };
    }),
  fc
    .tuple(bits(128), fc.integer({ min: 0, max: 128 }), bits(128), fc.boolean())
    .map(([base, prefix, noise, inside]) => {
      const all = (1n << 128n) - 1n;
      const mask = prefix === 0 ? 0n : (((1n << BigInt(prefix)) - 1n) << BigInt(128 - prefix)) & all;
      const n = inside ? (base & mask) | (noise & ~mask & all) : noise;
      return { network: `${v6Text(base)}/${prefix}`, address: v6Text(n) };
    }),
  fc
    .tuple(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 0, max: 128 }), fc.oneof(fc.ipV4(), fc.ipV6()))
    .map(([base, prefix, address]) => ({
      network: `${base}/${base.includes(':') ? prefix : prefix % 33}`,
      address,
    })),
);

describe('network allow-lists', () => {
  it('agree with a BigInt membership check on random ranges and addresses, IPv4-mapped IPv6 counted as IPv4', () => {
    fc.assert(
      fc.property(caseArb, ({ network, address }) => {
        const normal = normalizeNetwork(network);
        // A dotted quad inside IPv6 is read only in its IPv4-mapped spelling; any other is refused, never guessed.
        if (!readable(network.split('/')[0]!)) {
          expect(normal).toBeNull();
          return;
        }
        expect(normal).not.toBeNull();
        expect(isAddressAllowed([normal!], address)).toBe(readable(address) && refContains(network, address));
      }),
      { numRuns: 3_000 },
    );
  });

  it('normalises to a fixed point that the reference reads as the same range, and never throws on any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          caseArb.map((c) => c.network),
          fc.string(),
          fc.stringMatching(/^[0-9a-f:./%]{0,40}$/),
        ),
        (text) => {
          const normal = normalizeNetwork(text);
          if (normal === null) return;
          expect(normalizeNetwork(normal)).toBe(normal);
          if (/^[0-9a-fA-F:.]+\/\d+$/.test(text) && readable(text.split('/')[0]!)) {
            // Same members: the base of each is inside the other.
            const [base] = normal.split('/') as [string];
            expect(refContains(text, base)).toBe(true);
          }
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it(
    'refuses every address when the list is non-empty and the address is unknown or not an address, and ' +
      'allows every one when the list is empty',
    () => {
      fc.assert(
        fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()), (address) => {
          expect(isAddressAllowed([], address)).toBe(true);
          expect(isAddressAllowed([], undefined)).toBe(true);
          expect(isAddressAllowed(['0.0.0.0/0', '::/0'], undefined)).toBe(false);
        }),
      );
      for (const odd of [
        '',
        'localhost',
        '127.1',
        '0x7f.0.0.1',
        '010.0.0.1',
        '10.0.0.1/32',
        'fe80::1%eth0',
        ' 10.0.0.1',
      ]) {
        expect(isAddressAllowed(['0.0.0.0/0', '::/0'], odd)).toBe(false);
      }
    },
  );

  it(
    'reads mapped ranges, bare addresses and upper case into one normal form, and refuses non-canonical IPv4 ' +
      'and bad prefixes',
    () => {
      expect(normalizeNetwork('::ffff:10.0.0.0/104')).toBe('10.0.0.0/8');
      expect(normalizeNetwork('10.1.2.3/8')).toBe('10.0.0.0/8');
      expect(normalizeNetwork('2001:DB8::1/32')).toBe('2001:db8::/32');
      expect(normalizeNetwork('192.0.2.7')).toBe('192.0.2.7/32');
      expect(normalizeNetwork('2001:db8::7')).toBe('2001:db8::7/128');
      expect(normalizeNetwork('::/81')).toBe('::/81');
      expect(isAddressAllowed(['10.0.0.0/8'], '::10.0.0.1')).toBe(false);
      for (const bad of [
        '127.1/8',
        '010.0.0.0/8',
        '10.0.0.0/33',
        '::/129',
        '10.0.0.0/08',
        '10.0.0.0/',
        '10.0.0.0/-1',
        'fe80::%1/64',
        'x',
      ]) {
        expect(normalizeNetwork(bad), bad).toBeNull();
      }
    },
  );

  it(
    'are part of create and update requests: normalised, deduplicated, at most 50, each bad range named by ' +
      'its index',
    () => {
      const ctx = { organization: 'acme', now: 0, policy: DEFAULT_POLICY };
      const base = {
        label: 'ci',
        resources: [{ type: 'TYPE_REPO' as const, path: 'acme/app', scopes: ['repo-pull'] }],
      };
      const created = safeParseCreateInput(
        { ...base, allowedNetworks: ['10.1.0.0/16', '10.1.2.3/16', '::ffff:192.0.2.1'] },
        ctx,
      );
      expect(created.ok && created.value.allowedNetworks).toEqual(['10.1.0.0/16', '192.0.2.1/32']);
      const plain = safeParseCreateInput(base, ctx);
      expect(plain.ok && plain.value.allowedNetworks).toEqual([]);
      const bad = safeParseCreateInput({ ...base, allowedNetworks: ['10.0.0.0/8', 'nope'] }, ctx);
      expect(bad.ok ? [] : bad.fields.map((f) => f.path)).toEqual(['allowedNetworks.1']);
      const many = safeParseCreateInput(
        { ...base, allowedNetworks: Array.from({ length: MAX_ALLOWED_NETWORKS + 1 }, (_, i) => `10.0.${i}.0/24`) },
        ctx,
      );
      expect(many.ok ? [] : many.fields.map((f) => f.path)).toEqual(['allowedNetworks']);
      const cleared = safeParseUpdateInput({ allowedNetworks: [] }, ctx);
      expect(cleared.ok && cleared.value.allowedNetworks).toEqual([]);
      const updated = safeParseUpdateInput({ allowedNetworks: ['2001:DB8::/32'] }, ctx);
      expect(updated.ok && updated.value.allowedNetworks).toEqual(['2001:db8::/32']);
      const token = {
        state: 'active' as const,
        label: 'ci',
        description: '',
        resources: [],
        allowedNetworks: ['10.0.0.0/8'],
      };
      expect(planUpdate(token, { allowedNetworks: [] })).toEqual({
        operations: ['update'],
        changed: ['allowedNetworks'],
      });
      expect(planUpdate(token, { allowedNetworks: ['10.0.0.0/8'] })).toEqual({ operations: [], changed: [] });
    },
  );
});
