/**
 * The plain version of a performance trick in the library, so the tokens
 * topic can measure whether the trick pays (issue 11: a trick stays only
 * where a benchmark shows it pays): `createTokenFormat().check` folds the
 * CRC32 into its alphabet loop; the plain version checks the alphabet, then
 * calls a CRC function over the body. (The memory store's value-or-promise
 * `findBySecretHash` was measured here the same way, showed no gain in three
 * runs, and was removed.)
 */
import { BASE62_ALPHABET, TOKEN_BODY_LENGTH, TOKEN_CHECKSUM_LENGTH } from '../../src/core/format.js';

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();
const IS_BASE62 = new Uint8Array(128);
const BASE62_VALUE = new Uint8Array(128);
for (let i = 0; i < BASE62_ALPHABET.length; i++) {
  IS_BASE62[BASE62_ALPHABET.charCodeAt(i)] = 1;
  BASE62_VALUE[BASE62_ALPHABET.charCodeAt(i)] = i;
}

function crcUpdate(state: number, text: string, from: number, to: number): number {
  let c = state;
  for (let i = from; i < to; i++) c = (CRC_TABLE[(c ^ text.charCodeAt(i)) & 0xff] as number) ^ (c >>> 8);
  return c;
}

type Check = { readonly ok: true } | { readonly ok: false; readonly code: string };
const OK: Check = Object.freeze({ ok: true });
const fail = (code: string): Check => Object.freeze({ ok: false, code });
const NOT_A_STRING = fail('NOT_A_STRING');
const BAD_LENGTH = fail('LENGTH');
const BAD_PREFIX = fail('PREFIX');
const BAD_ALPHABET = fail('ALPHABET');
const BAD_CHECKSUM = fail('CHECKSUM');

/** The format check with the same results as the library's, written plainly: alphabet loop, then the CRC. */
export function plainCheck(prefix: string): (value: unknown) => Check {
  const bodyStart = prefix.length;
  const checksumStart = bodyStart + TOKEN_BODY_LENGTH;
  const length = checksumStart + TOKEN_CHECKSUM_LENGTH;
  const prefixState = crcUpdate(-1, prefix, 0, prefix.length);
  return (value) => {
    if (typeof value !== 'string') return NOT_A_STRING;
    if (value.length !== length) return BAD_LENGTH;
    if (!value.startsWith(prefix)) return BAD_PREFIX;
    let sum = 0;
    for (let i = bodyStart; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code > 127 || IS_BASE62[code] === 0) return BAD_ALPHABET;
      if (i >= checksumStart) sum = sum * 62 + (BASE62_VALUE[code] as number);
    }
    return sum === (crcUpdate(prefixState, value, bodyStart, checksumStart) ^ -1) >>> 0 ? OK : BAD_CHECKSUM;
  };
}
