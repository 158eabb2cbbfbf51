import { BlockList, isIP } from 'node:net';
import { OatError, type FieldIssue } from '../errors.js';

/**
 * The proxies whose `X-Forwarded-For` is believed, compiled once: `check`
 * answers whether an address is one of them. IPv4 rules also match
 * IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) and the other way round, as
 * `net.BlockList` does.
 */
export interface TrustedProxies {
  check(address: string): boolean;
}

const NOBODY: TrustedProxies = Object.freeze({ check: () => false });

/**
 * Compiles `trustProxy` entries (`10.0.0.0/8`, `127.0.0.1`, `fd00::/8`,
 * `::1`), or throws one `MISCONFIGURED` whose `fields` name every bad entry
 * (`trustProxy.2`): a typo in a proxy list must stop the server at start, not
 * silently trust nobody (or everybody).
 */
export function compileTrustedProxies(trustProxy: ReadonlyArray<string> | undefined): TrustedProxies {
  if (trustProxy === undefined) return NOBODY;
  if (!Array.isArray(trustProxy)) {
    throw new OatError('MISCONFIGURED', 'trustProxy must be an array of IP addresses or CIDR ranges', {
      fields: [{ path: 'trustProxy', message: 'must be an array of IP addresses or CIDR ranges' }],
      context: { field: 'trustProxy' },
    });
  }
  const list = new BlockList();
  const issues: FieldIssue[] = [];
  trustProxy.forEach((entry: unknown, index) => {
    const problem = addEntry(list, entry);
    if (problem !== null) issues.push({ path: `trustProxy.${index}`, message: problem });
  });
  if (issues.length > 0) {
    throw new OatError(
      'MISCONFIGURED',
      `trustProxy: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
      {
        fields: issues,
        context: { field: issues[0]?.path, fields: issues.map((issue) => issue.path) },
      },
    );
  }
  return Object.freeze({
    check: (address: string): boolean => {
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  });
}

/** Adds one entry to `list`; the reason it cannot, or `null`. */
function addEntry(list: BlockList, entry: unknown): string | null {
  if (typeof entry !== 'string') return 'must be a string: an IP address or a CIDR range';
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return 'must be an IP address or a CIDR range such as 10.0.0.0/8';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (slash === -1) {
    list.addAddress(address, type);
    return null;
  }
  const max = family === 4 ? 32 : 128;
  const prefix = entry.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > max) return `must have a prefix length from 0 to ${max}`;
  list.addSubnet(address, Number(prefix), type);
  return null;
}

/**
 * The address a forwarded hop names, without its port: `203.0.113.7`,
 * `203.0.113.7:4711`, `2001:db8::1`, `[2001:db8::1]` and `[2001:db8::1]:443`
 * all name an address; anything else (a host name, `unknown`, an obfuscated
 * identifier such as `_hidden`, an empty entry) is `undefined`.
 */
function forwardedHopAddress(hop: string): string | undefined {
  const text = hop.trim();
  // A bare IPv6 address has colons of its own: only a bracketed one can carry a port.
  const bracketed = /^\[([^\]]*)\](?::([0-9]{1,5}))?$/.exec(text);
  if (bracketed !== null) {
    const address = bracketed[1] as string;
    return isIP(address) === 6 && validPort(bracketed[2]) ? address : undefined;
  }
  const withPort = /^([0-9.]+):([0-9]{1,5})$/.exec(text);
  if (withPort !== null) {
    const address = withPort[1] as string;
    return isIP(address) === 4 && validPort(withPort[2]) ? address : undefined;
  }
  return isIP(text) === 0 ? undefined : text;
}

const validPort = (port: string | undefined): boolean => port === undefined || Number(port) <= 65_535;

/**
 * The client's address: the socket's, or, when the socket is a trusted proxy,
 * the right-most address of `X-Forwarded-For` that is not a trusted proxy
 * (each proxy appends the address it saw, so entries further left were written
 * by whoever a trusted proxy was talking to, and may be forged). When every hop
 * is trusted, the left-most one. A port on a hop is dropped
 * (`203.0.113.7:4711`, `[2001:db8::1]:443`). A hop reached in the walk that
 * names no IP address (a host name, `unknown`, `_hidden`, an empty entry)
 * makes the answer `undefined`: the client is not known, and an allow-list
 * must fail closed rather than see the trusted proxy's own address. Same walk
 * as Express's `trust proxy` with a list, except for that last rule.
 *
 * Pure. `forwardedFor` is the header as Node gives it (repeated headers joined
 * with `, `, or an array). `Forwarded` (RFC 7239) is not read.
 */
export function resolveClientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | ReadonlyArray<string> | undefined,
  trusted: TrustedProxies,
): string | undefined {
  if (socketAddress === undefined || !trusted.check(socketAddress) || forwardedFor === undefined) return socketAddress;
  const hops = (typeof forwardedFor === 'string' ? [forwardedFor] : forwardedFor).flatMap((header) =>
    header.split(','),
  );
  let address = socketAddress;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = forwardedHopAddress(hops[i] as string);
    if (hop === undefined) return undefined;
    address = hop;
    if (!trusted.check(hop)) return hop;
  }
  return address;
}
