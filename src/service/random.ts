import type { RandomSource } from '../core/format.js';
import { constantSource, isConstant } from '../core/format.js';
import type { TokenId } from '../core/ids.js';
import { OatError } from '../errors.js';

/**
 * The platform's CSPRNG, `globalThis.crypto.getRandomValues`, as a
 * {@link RandomSource}: the service's default `random`. Node 20, Deno, Bun,
 * browsers and edge runtimes have it; it is read at each call, so a runtime
 * without it throws `MISCONFIGURED` naming `random` rather than a
 * `TypeError`.
 *
 * @example
 * ```ts
 * DEFAULT_POLICY.format.generate(platformRandom); // oat_ and 36 base62 characters
 * ```
 */
export const platformRandom: RandomSource = (bytes) => {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (bytes: Uint8Array) => unknown } }).crypto;
  if (typeof crypto?.getRandomValues !== 'function') throw noPlatformRandom();
  crypto.getRandomValues(bytes);
};

/** True when the platform has `crypto.getRandomValues`. */
export const hasPlatformRandom = (): boolean =>
  typeof (globalThis as { crypto?: { getRandomValues?: unknown } }).crypto?.getRandomValues === 'function';

/** The fault of a platform without `crypto.getRandomValues` and no `random` option: `MISCONFIGURED` naming `random`. */
export const noPlatformRandom = (): OatError =>
  new OatError(
    'MISCONFIGURED',
    'This platform has no crypto.getRandomValues: pass the random option, a function that fills a Uint8Array ' +
      'from a CSPRNG',
    {
      context: { field: 'random' },
    },
  );

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const DASH = '-'.charCodeAt(0);

/**
 * A fresh token id (a version 4 UUID, lower case) from `random`: ids come
 * from the same port as secrets, so a test that controls one controls both.
 */
export function randomTokenId(random: RandomSource): TokenId {
  const b = new Uint8Array(16);
  random(b);
  if (isConstant(b)) throw constantSource();
  // RFC 9562: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8.
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const codes: number[] = [];
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) codes.push(DASH);
    codes.push(HEX_CODES[(b[i] as number) >> 4] as number, HEX_CODES[(b[i] as number) & 15] as number);
  }
  // One flat string: concatenation would store a tree of pieces with every record (hundreds of bytes per token).
  return String.fromCharCode(...codes) as TokenId;
}
