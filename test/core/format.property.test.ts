import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BASE62_ALPHABET,
  crc32,
  encodeChecksum,
  DISPLAY_BODY_CHARS,
  TOKEN_BODY_LENGTH,
  TOKEN_CHECKSUM_LENGTH,
} from '../../src/core/format.js';
import { DEFAULT_TOKEN_PREFIX, createTokenFormat, isOatError } from '../../src/index.js';

const oat = createTokenFormat();
const dckr = createTokenFormat({ prefix: 'dckr_oat_' });
const FORMATS = [oat, dckr, createTokenFormat({ prefix: 'X' }), createTokenFormat({ prefix: `a${'_'.repeat(31)}` })];

// Computed once with an independent CRC32 (Python's zlib.crc32) and base62 encoder, then hard-coded.
const FIXED_BODY = '0123456789ABCDEFGHIJabcdefghij';
const FIXED_OAT = 'oat_0123456789ABCDEFGHIJabcdefghij2GDsRI';
const FIXED_DCKR = 'dckr_oat_0123456789ABCDEFGHIJabcdefghij4eBYxl';

const base62Char = fc.constantFrom(...BASE62_ALPHABET);
/** Any UTF-16 code unit sequence of length 1 or 2: ASCII, Latin-1, BMP, astral, lone surrogates. */
const anyChar = fc.oneof(
  base62Char,
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
);

/** A valid token built from a random body, checksummed the way the format documents. */
const validToken = (prefix: string) =>
  fc
    .string({ unit: base62Char, minLength: TOKEN_BODY_LENGTH, maxLength: TOKEN_BODY_LENGTH })
    .map((body) => prefix + body + encodeChecksum(crc32(prefix + body)));

const formatAndToken = fc
  .constantFrom(...FORMATS)
  .chain((format) => fc.tuple(fc.constant(format), validToken(format.prefix)));

/** A random source that hands out `pool` round and round: the test's arbitraries are all the randomness there is. */
const replaying = (pool: ReadonlyArray<number>) => {
  let next = 0;
  return (bytes: Uint8Array): void => {
    for (let j = 0; j < bytes.length; j++) bytes[j] = pool[next++ % pool.length] as number;
  };
};
// Mostly usable bytes (below 248), as a CSPRNG gives: at least half of each pool.
const pools = fc
  .array(fc.nat(255), { minLength: 1, maxLength: 120 })
  .filter((pool) => pool.filter((b) => b < 248).length * 2 >= pool.length && new Set(pool).size > 1);

describe('generated tokens', () => {
  it.each(FORMATS.map((f) => [f.prefix, f] as const))(
    'with prefix %s check OK and have the documented shape',
    (prefix, format) => {
      expect(format.length).toBe(prefix.length + TOKEN_BODY_LENGTH + TOKEN_CHECKSUM_LENGTH);
      fc.assert(
        fc.property(pools, (pool) => {
          const token = format.generate(replaying(pool));
          expect(token).toHaveLength(prefix.length + 36);
          expect(token.startsWith(prefix)).toBe(true);
          expect(token.slice(prefix.length)).toMatch(/^[0-9A-Za-z]{36}$/);
          expect(token.slice(-TOKEN_CHECKSUM_LENGTH)).toBe(
            encodeChecksum(crc32(token.slice(0, -TOKEN_CHECKSUM_LENGTH))),
          );
          expect(format.check(token)).toEqual({ ok: true });
          expect(format.displayPrefix(token)).toBe(token.slice(0, prefix.length + DISPLAY_BODY_CHARS));
        }),
        { numRuns: 200 },
      );
    },
  );

  it(
    'draws the body from the random source alone: each byte below 248 gives the character at byte % 62, in ' +
      'order, and the rest are skipped',
    () => {
      fc.assert(
        fc.property(pools, (pool) => {
          const stream = Array.from({ length: 16 * 40 }, (_, i) => pool[i % pool.length] as number);
          const body = stream
            .filter((b) => b < 248)
            .slice(0, TOKEN_BODY_LENGTH)
            .map((b) => BASE62_ALPHABET[b % 62])
            .join('');
          expect(oat.generate(replaying(pool))).toBe(`oat_${body}${encodeChecksum(crc32(`oat_${body}`))}`);
          expect(oat.generate(replaying(pool))).toBe(oat.generate(replaying(pool)));
        }),
      );
    },
  );

  it(
    'wipes the bytes it was handed, and refuses a source that is not a function or never gives a usable byte ' +
      'with MISCONFIGURED naming random',
    () => {
      const handed: Uint8Array[] = [];
      oat.generate((bytes) => {
        handed.push(bytes);
        for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) & 0xff;
      });
      expect(handed.length).toBeGreaterThan(0);
      for (const bytes of handed) expect([...bytes].every((b) => b === 0)).toBe(true);
      const stuck = (bytes: Uint8Array): void => {
        for (let i = 0; i < bytes.length; i++) bytes[i] = 248 + (i % 8);
      };
      // A source that never writes leaves the buffer as it was: every token would be the same guessable secret.
      const silent = (bytes: Uint8Array): void => void bytes;
      const constant = (bytes: Uint8Array): void => void bytes.fill(42);
      for (const random of [undefined as never, null as never, 'random' as never, stuck, silent, constant]) {
        let caught: unknown;
        try {
          oat.generate(random);
        } catch (error) {
          caught = error;
        }
        expect(isOatError(caught) && caught.code === 'MISCONFIGURED' && caught.context['field'] === 'random').toBe(
          true,
        );
      }
    },
  );

  it('uses the default prefix oat_ and accepts dckr_oat_', () => {
    expect(DEFAULT_TOKEN_PREFIX).toBe('oat_');
    expect(oat.prefix).toBe('oat_');
    expect(dckr.generate(replaying([1, 2, 3]))).toMatch(/^dckr_oat_[0-9A-Za-z]{36}$/);
  });

  it('matches the reference construction for any body', () => {
    fc.assert(
      fc.property(validToken('oat_'), validToken('dckr_oat_'), (a, b) => {
        expect(oat.check(a)).toEqual({ ok: true });
        expect(dckr.check(b)).toEqual({ ok: true });
        expect(dckr.check(a).ok).toBe(false);
        expect(oat.check(b).ok).toBe(false);
      }),
    );
  });
});

describe('tampered tokens are rejected offline', () => {
  it('any single-character substitution is rejected by CHECKSUM, ALPHABET, PREFIX or LENGTH', () => {
    fc.assert(
      fc.property(formatAndToken, fc.nat(), anyChar, ([format, valid], where, replacement) => {
        const at = where % valid.length;
        fc.pre(valid[at] !== replacement);
        const tampered = valid.slice(0, at) + replacement + valid.slice(at + 1);
        const result = format.check(tampered);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(['CHECKSUM', 'ALPHABET', 'PREFIX', 'LENGTH']).toContain(result.code);
      }),
      { numRuns: 5_000 },
    );
  });

  it('substitution inside the body or checksum with another base62 character is a CHECKSUM problem', () => {
    fc.assert(
      fc.property(
        validToken('oat_'),
        fc.integer({ min: 4, max: oat.length - 1 }),
        base62Char,
        (token, at, replacement) => {
          fc.pre(token[at] !== replacement);
          expect(oat.check(token.slice(0, at) + replacement + token.slice(at + 1))).toMatchObject({
            ok: false,
            code: 'CHECKSUM',
          });
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('insertion or deletion of any character is rejected', () => {
    fc.assert(
      fc.property(validToken('dckr_oat_'), fc.nat(), anyChar, fc.boolean(), (token, where, extra, insert) => {
        const at = where % (token.length + (insert ? 1 : 0));
        const changed = insert
          ? token.slice(0, at) + extra + token.slice(at)
          : token.slice(0, at) + token.slice(at + 1);
        expect(dckr.check(changed)).toMatchObject({ ok: false, code: 'LENGTH' });
      }),
      { numRuns: 2_000 },
    );
  });

  it('never throws on arbitrary values, and names a problem for anything that is not a token', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withNullPrototype: true,
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
        }),
        (value) => {
          const result = oat.check(value);
          if (typeof value !== 'string') expect(result).toMatchObject({ ok: false, code: 'NOT_A_STRING' });
          else expect(result.ok).toBe(false);
        },
      ),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (value) => {
        expect(() => oat.check(value)).not.toThrow();
      }),
    );
  });

  it('reports the first problem in order: length, prefix, alphabet, checksum', () => {
    expect(oat.check(undefined)).toMatchObject({ ok: false, code: 'NOT_A_STRING' });
    expect(oat.check('oat_nope')).toMatchObject({ ok: false, code: 'LENGTH' });
    expect(oat.check(`pat_${FIXED_BODY}2GDsRI`)).toMatchObject({ ok: false, code: 'PREFIX' });
    expect(oat.check(`oat_${FIXED_BODY.slice(0, -1)}-2GDsRI`)).toMatchObject({ ok: false, code: 'ALPHABET' });
    expect(oat.check(`oat_${FIXED_BODY}2GDsR-`)).toMatchObject({ ok: false, code: 'ALPHABET' });
    expect(oat.check(`oat_${FIXED_BODY}2GDsRJ`)).toMatchObject({ ok: false, code: 'CHECKSUM' });
  });
});

describe('pinned vectors', () => {
  it('crc32 is IEEE 802.3 CRC32', () => {
    expect(crc32('')).toBe(0);
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('a')).toBe(0xe8b7be43);
    expect(crc32('abc')).toBe(0x352441c2);
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
  });

  it('encodeChecksum writes exactly six base62 digits, most significant first', () => {
    expect(encodeChecksum(0)).toBe('000000');
    expect(encodeChecksum(1)).toBe('000001');
    expect(encodeChecksum(61)).toBe('00000z');
    expect(encodeChecksum(62)).toBe('000010');
    expect(encodeChecksum(3843)).toBe('0000zz');
    expect(encodeChecksum(0xcbf43926)).toBe('3jZRME');
    expect(encodeChecksum(0xffffffff)).toBe('4gfFC3');
  });

  it('encodeChecksum is injective on 32-bit values and decodes back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        const text = encodeChecksum(value);
        expect(text).toMatch(/^[0-9A-Za-z]{6}$/);
        expect([...text].reduce((n, c) => n * 62 + BASE62_ALPHABET.indexOf(c), 0)).toBe(value);
      }),
    );
  });

  it('accepts fixed hand-made tokens and rejects them with another checksum', () => {
    expect(oat.check(FIXED_OAT)).toEqual({ ok: true });
    expect(dckr.check(FIXED_DCKR)).toEqual({ ok: true });
    expect(oat.displayPrefix(FIXED_OAT)).toBe('oat_0123');
    expect(dckr.displayPrefix(FIXED_DCKR)).toBe('dckr_oat_0123');
    expect(oat.check(`oat_${FIXED_BODY}000000`)).toMatchObject({ ok: false, code: 'CHECKSUM' });
    expect(dckr.check(`dckr_oat_${FIXED_BODY}2GDsRI`)).toMatchObject({ ok: false, code: 'CHECKSUM' });
  });
});

describe('prefixes', () => {
  it('rejects a bad prefix with OatError MISCONFIGURED', () => {
    for (const prefix of ['', '1abc', '_oat', 'oat-', 'oat ', 'ü_', 'a'.repeat(33), 42 as unknown as string]) {
      let thrown: unknown;
      try {
        createTokenFormat({ prefix });
      } catch (error) {
        thrown = error;
      }
      expect(isOatError(thrown) && thrown.code).toBe('MISCONFIGURED');
    }
  });
});
