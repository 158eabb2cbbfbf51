// Secrets planted anywhere in a request, and the check that none of them shows
// in what the library says back. Shared by the core and Hub API redaction tests.
import { inspect } from 'node:util';
import fc from 'fast-check';
import { expect } from 'vitest';
import { BASE62_ALPHABET, TOKEN_BODY_LENGTH, crc32, encodeChecksum } from '../../src/core/format.js';

const base62 = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...BASE62_ALPHABET), minLength, maxLength });
const mixesTwoClasses = (s: string): boolean => [/[A-Z]/, /[a-z]/, /[0-9]/].filter((r) => r.test(s)).length >= 2;

/** Token prefixes a policy may use: the default, Docker's, and any valid one (with or without `_`). */
export const tokenPrefix: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('oat_', 'dckr_oat_'),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,31}$/),
);

/** A well-formed token of the prefix's format, its randomness from fast-check (so it shrinks), never from a CSPRNG. */
export const tokenOf = (prefix: string): fc.Arbitrary<string> =>
  base62(TOKEN_BODY_LENGTH, TOKEN_BODY_LENGTH).map((body) => `${prefix}${body}${encodeChecksum(crc32(prefix + body))}`);

/**
 * A secret of another format: a 24-64 character random base62 run, a 40
 * digit hex string, or a GitHub-style `ghp_` token. Runs written in one
 * character class only (all lower case, say) are not taken for secrets.
 */
export const foreignSecret: fc.Arbitrary<string> = fc
  .oneof(
    base62(24, 64),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 40, maxLength: 40 }),
    base62(36, 36).map((body) => `ghp_${body}`),
  )
  .filter(mixesTwoClasses);

/** The secret with a little arbitrary text either side. */
export const embedded = (secret: string): fc.Arbitrary<string> =>
  fc
    .tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }))
    .map(([before, after]) => `${before}${secret}${after}`);

const GRANT = { type: 'repository', path: 'acme/app', scopes: ['pull'] } as const;

/**
 * A request body (create or update shape, or junk) with the secret in a key, a
 * value, a nested grant, or several places at once. `s` is the secret with
 * text around it; `bare` is the secret alone. A lower-case secret (hex) is
 * also a valid repository name, granted twice so that the duplicate message
 * quotes it.
 */
export function requestWith(s: string, bare: string): fc.Arbitrary<unknown> {
  const duplicate = /^[a-z0-9]+$/.test(bare)
    ? [
        {
          label: 'ci',
          resources: [
            { ...GRANT, path: `acme/${bare}` },
            { ...GRANT, path: `acme/${bare}` },
          ],
        },
      ]
    : [];
  return fc.constantFrom<unknown>(
    ...duplicate,
    { label: 'ci', resources: [GRANT], [s]: 1 },
    { label: 'ci', resources: [{ ...GRANT, [s]: true }] },
    { label: 'ci', resources: [{ ...GRANT, scopes: [s] }] },
    { label: 'ci', resources: [{ ...GRANT, scopes: ['pull', s, `${s}-again`] }] },
    { label: 'ci', resources: [{ type: 'TYPE_ORG', path: 'acme', scopes: [s] }] },
    { label: 'ci', resources: [{ ...GRANT, path: s }] },
    { label: 'ci', resources: [{ type: 'TYPE_ORG', path: s, scopes: ['scope-member-read'] }] },
    { label: 'ci', resources: [{ type: s, path: 'acme/app', scopes: ['pull'] }] },
    { label: 'ci', resources: [GRANT], expiry: s },
    { label: 'ci', resources: [GRANT], expires_at: s },
    { label: { [s]: s }, resources: s },
    { [s]: { [s]: [s] }, label: [s], description: 7 },
    { is_active: s, [s]: null },
    { resources: [{ ...GRANT, scopes: [s] }], expires_at: s, is_active: s },
    [s],
    s,
  );
}

/** Every string a caller or a log could see of an error, and of a Hub API reply. */
export function surfacesOf(error: unknown): string[] {
  const e = error as { message: string; fields: unknown };
  return [e.message, JSON.stringify(e.fields), JSON.stringify(error), inspect(error, { depth: null }), String(error)];
}

/** Fails when any surface holds the secret or any 12-character slice of it. */
export function expectNoSlice(surfaces: ReadonlyArray<string>, secret: string): void {
  for (let i = 0; i + 12 <= secret.length; i++) {
    const slice = secret.slice(i, i + 12);
    for (const surface of surfaces)
      if (surface.includes(slice)) expect.fail(`"${slice}" of a secret shows in: ${surface}`);
  }
}
