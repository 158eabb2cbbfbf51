import type { ClientContext } from './access.js';
import { normalizeAddress } from './networks.js';

/** How many distinct client addresses a token remembers (GitLab's figure). */
export const MAX_RECENT_ADDRESSES = 5;

/**
 * The client address a login records, in normal form (see
 * `normalizeAddress`: IPv4-mapped IPv6 as IPv4), or `undefined` when the
 * client gave none or something that is not an address. Pure.
 */
export function addressToRecord(client: ClientContext | undefined): string | undefined {
  const address = client?.address;
  return typeof address === 'string' ? (normalizeAddress(address) ?? undefined) : undefined;
}

/**
 * The recent-address list after a login from `address`: `address` first, then
 * the others in their order without it, cut to {@link MAX_RECENT_ADDRESSES}.
 * A new frozen array; `recent` is left alone. Pure.
 *
 * Invariant: for a distinct list of at most five, the result is distinct, at
 * most five long, starts with `address`, and keeps the others' order.
 */
export function withRecentAddress(recent: ReadonlyArray<string>, address: string): ReadonlyArray<string> {
  return Object.freeze([address, ...recent.filter((a) => a !== address)].slice(0, MAX_RECENT_ADDRESSES));
}

/**
 * True when a login from `address` must write bookkeeping even if last-used is
 * not due: the address is not among those recorded. The throttle is "last-used
 * is due, or the address is new", so a token used from one place writes once
 * per interval, and a token used from a new place is recorded at once. Pure.
 */
export function isNewAddress(recent: ReadonlyArray<string>, address: string | undefined): address is string {
  return address !== undefined && !recent.includes(address);
}
