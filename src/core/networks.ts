import ipaddr from 'ipaddr.js';

// Address parsing is ipaddr.js's, never ours: it is kept, fuzzed upstream, and free of `node:` imports, so the core
// stays runnable anywhere. Only the rules of this library (strict IPv4 forms, mapped addresses, normal form) live here.

/** The most CIDR ranges one token may allow. */
export const MAX_ALLOWED_NETWORKS = 50;

type Address = ipaddr.IPv4 | ipaddr.IPv6;

// ipaddr.js 2.x reads any IPv6 text ending in a dotted quad as IPv4-mapped (`::10.0.0.1`, an IPv4-compatible address,
// comes back as `::ffff:10.0.0.1`; found by the fuzz test). Only the mapped spellings are accepted with a dotted quad.
const DOTTED_MAPPED = /^(?:::|(?:0{1,4}:){5})ffff:\d{1,3}(?:\.\d{1,3}){3}$/i;

/** IPv6 text ipaddr.js reads as it is meant: no zone, and a dotted quad only in the IPv4-mapped form. */
function isPlainIPv6(text: string): boolean {
  return !text.includes('%') && (!text.includes('.') || DOTTED_MAPPED.test(text)) && ipaddr.IPv6.isValid(text);
}

/**
 * One address as this library reads it: dotted-quad IPv4 (`203.0.113.7`, no
 * `0x7f.1` or `127.1` forms), or IPv6 without a zone and with a dotted quad
 * only after `::ffff:`; an IPv4-mapped IPv6 address (`::ffff:203.0.113.7`)
 * is its IPv4 form. `null` for anything else.
 */
function parseAddress(text: string): Address | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!isPlainIPv6(text)) return null;
  const v6 = ipaddr.IPv6.parse(text);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/**
 * The normal form of one client address, or `null` when `text` is not one (a
 * range, a zone, `127.1`, ...): dotted-quad IPv4, IPv6 compressed in lower
 * case, and an IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) as its IPv4
 * form. Pure; never throws.
 *
 * Invariant: `normalizeAddress(normalizeAddress(x)) === normalizeAddress(x)`
 * whenever the first is not `null`.
 */
export function normalizeAddress(text: string): string | null {
  if (typeof text !== 'string' || text.length > 64) return null;
  return parseAddress(text)?.toString() ?? null;
}

/**
 * The normal form of a CIDR range (or a single address, as `/32` or `/128`),
 * or `null` when `text` is not one: host bits cleared, IPv6 in compressed
 * lower case, and a range inside `::ffff:0:0/96` written as the IPv4 range it
 * maps (`::ffff:10.0.0.0/104` is `10.0.0.0/8`). Pure; never throws.
 *
 * Invariant: `normalizeNetwork(normalizeNetwork(x)) === normalizeNetwork(x)`
 * whenever the first is not `null`.
 */
export function normalizeNetwork(text: string): string | null {
  if (typeof text !== 'string' || text.length > 64) return null;
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? null : text.slice(slash + 1);
  let address: Address;
  if (ipaddr.IPv4.isValidFourPartDecimal(addressText)) address = ipaddr.IPv4.parse(addressText);
  else if (isPlainIPv6(addressText)) address = ipaddr.IPv6.parse(addressText);
  else return null;
  const width = address.kind() === 'ipv4' ? 32 : 128;
  if (prefixText !== null && !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return null;
  let prefix = prefixText === null ? width : Number(prefixText);
  if (prefix > width) return null;
  if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() && prefix >= 96) {
    address = address.toIPv4Address();
    prefix -= 96;
  }
  const network =
    address.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefix}`);
  return `${network.toString()}/${prefix}`;
}

/**
 * True when `address` lies in one of `networks` (normal forms, see
 * {@link normalizeNetwork}); an empty list allows every client. Pure.
 *
 * Fails closed: with a non-empty list, an `address` that is missing or not an
 * IP address is outside every range. An IPv4-mapped IPv6 address is matched
 * as its IPv4 form, so `::ffff:10.1.2.3` is inside `10.0.0.0/8`; an IPv6
 * range never matches an IPv4 address and the other way round. A stored
 * range that does not parse matches nothing.
 */
export function isAddressAllowed(networks: ReadonlyArray<string>, address: string | undefined): boolean {
  if (networks.length === 0) return true;
  if (typeof address !== 'string') return false;
  const parsed = parseAddress(address);
  if (parsed === null) return false;
  for (const network of networks) {
    const slash = network.indexOf('/');
    if (slash === -1) continue;
    const base = parseAddress(network.slice(0, slash));
    const prefix = Number(network.slice(slash + 1));
    if (base === null || base.kind() !== parsed.kind() || !Number.isInteger(prefix)) continue;
    if (prefix < 0 || prefix > (base.kind() === 'ipv4' ? 32 : 128)) continue;
    if (parsed.match(base, prefix)) return true;
  }
  return false;
}
