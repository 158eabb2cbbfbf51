import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASE62_ALPHABET, crc32, encodeChecksum, TOKEN_BODY_LENGTH } from '../../src/core/format.js';
import { TOKEN_PATTERN, createTokenFormat, tokenPatternFor } from '../../src/index.js';
import { platformRandom } from '../../src/service/random.js';

const PREFIXES = ['oat_', 'dckr_oat_', 'X', `a${'_'.repeat(31)}`];
const base62Char = fc.constantFrom(...BASE62_ALPHABET);
const validToken = (prefix: string) =>
  fc
    .string({ unit: base62Char, minLength: TOKEN_BODY_LENGTH, maxLength: TOKEN_BODY_LENGTH })
    .map((body) => prefix + body + encodeChecksum(crc32(prefix + body)));
const prefixAndToken = fc
  .constantFrom(...PREFIXES)
  .chain((prefix) => fc.tuple(fc.constant(prefix), validToken(prefix)));
/** Text a token may sit in without being joined to a word: spaces, quotes, `=`, `:`, `/`, line breaks, non-ASCII. */
const separator = fc.constantFrom(' ', '\n', '"', "'", '=', ':', '/', '(', ')', ',', '-', '.', '\t', 'é');
const surrounding = fc.tuple(
  fc.string({ unit: fc.constantFrom('a', ' ', '=', '\n', 'Z', '9') }),
  separator,
  separator,
  fc.string({ unit: fc.constantFrom('a', ' ', '=', '\n') }),
);

/** Every match of the pattern in `text`, as a scanner's first step finds them. */
const scan = (pattern: string, text: string): string[] => [...text.matchAll(new RegExp(pattern, 'g'))].map((m) => m[0]);

describe('TOKEN_PATTERN', () => {
  it('is the word-bounded pattern of the default prefix', () => {
    expect(TOKEN_PATTERN).toBe('\\boat_[0-9A-Za-z]{36}\\b');
    expect(tokenPatternFor('oat_')).toBe(TOKEN_PATTERN);
  });

  it('finds every token the format generates, exactly, wherever it sits between non-word characters', () => {
    fc.assert(
      fc.property(prefixAndToken, surrounding, ([prefix, token], [before, left, right, after]) => {
        expect(scan(tokenPatternFor(prefix), `${before}${left}${token}${right}${after}`)).toEqual([token]);
        expect(createTokenFormat({ prefix }).check(token)).toEqual({ ok: true });
      }),
    );
    for (const prefix of PREFIXES) {
      const format = createTokenFormat({ prefix });
      for (let i = 0; i < 100; i++) {
        const token = format.generate(platformRandom);
        expect(scan(tokenPatternFor(prefix), `key=${token}\n`)).toEqual([token]);
      }
    }
  });

  it('finds nothing in a token one character longer or shorter, or with a character outside base62', () => {
    fc.assert(
      fc.property(
        prefixAndToken,
        fc.nat(),
        base62Char,
        fc.constantFrom('-', '+', '/', '=', '.', ' ', 'é', '_'),
        ([prefix, token], at, extra, foreign) => {
          const body = token.length - prefix.length;
          const i = prefix.length + (at % body);
          for (const miss of [
            token.slice(0, i) + token.slice(i + 1),
            token.slice(0, i) + extra + token.slice(i),
            token.slice(0, i) + foreign + token.slice(i + 1),
          ]) {
            expect(scan(tokenPatternFor(prefix), ` ${miss} `)).toEqual([]);
          }
        },
      ),
    );
  });

  it('finds nothing in a token joined to a word character on either side', () => {
    fc.assert(
      fc.property(prefixAndToken, fc.constantFrom('a', 'Z', '0', '_'), ([prefix, token], joined) => {
        expect(scan(tokenPatternFor(prefix), `${joined}${token}`)).toEqual([]);
        expect(scan(tokenPatternFor(prefix), `${token}${joined}`)).toEqual([]);
      }),
    );
  });

  it(
    'leaves the second step, the checksum, to refuse text of the right shape: every one-character change and ' +
      'random bodies',
    () => {
      fc.assert(
        fc.property(prefixAndToken, fc.nat(), base62Char, ([prefix, token], at, other) => {
          const i = prefix.length + (at % (token.length - prefix.length));
          fc.pre(token[i] !== other);
          const changed = token.slice(0, i) + other + token.slice(i + 1);
          // Same shape, so the pattern still finds it; CRC32 catches every single-character change.
          expect(scan(tokenPatternFor(prefix), changed)).toEqual([changed]);
          expect(createTokenFormat({ prefix }).check(changed)).toMatchObject({ ok: false, code: 'CHECKSUM' });
        }),
      );
      // A made-up string of the right shape passes the checksum once in 2^32: none of these may.
      const random = fc.string({ unit: base62Char, minLength: 36, maxLength: 36 }).map((rest) => `oat_${rest}`);
      const format = createTokenFormat();
      const passed = fc
        .sample(random, 2_000)
        .filter((text) => scan(TOKEN_PATTERN, text).length === 1 && format.check(text).ok);
      expect(passed).toEqual([]);
    },
  );

  it('refuses a prefix the format would refuse, naming the field', () => {
    for (const prefix of ['', '_oat', 'oat-', 'a'.repeat(33), 'o.t']) {
      expect(() => tokenPatternFor(prefix)).toThrow(
        expect.objectContaining({ code: 'MISCONFIGURED', context: { field: 'prefix' } }),
      );
    }
  });
});
