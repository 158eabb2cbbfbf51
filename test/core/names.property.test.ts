import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldAsciiCase } from '../../src/core/ids.js';
import {
  DEFAULT_POLICY,
  DEFAULT_SCOPE_CATALOG,
  authorizeOrganization,
  canManageTokens,
  compileGrants,
  toOrganizationName,
  tokenLimit,
  validateResources,
} from '../../src/index.js';

const isAscii = (s: string): boolean => [...s].every((c) => c.charCodeAt(0) < 128);
/** The fold, written out code unit by code unit: A-Z move by 32, everything else stays. */
const referenceFold = (s: string): string =>
  Array.from({ length: s.length }, (_, i) => {
    const code = s.charCodeAt(i);
    return String.fromCharCode(code >= 65 && code <= 90 ? code + 32 : code);
  }).join('');

// Non-ASCII letters that String#toLowerCase or #toUpperCase turn into ASCII ones:
// Kelvin sign -> k, dotted capital I -> i + U+0307, dotless i -> I, long s -> S.
const LOOK_ALIKES: Readonly<Record<string, string>> = { k: '\u212A', i: '\u0130', s: '\u017F' };
const asciiName = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const recased = (name: string) =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((up) => [...name].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
/** A name with at least one letter swapped for a look-alike, when it has a letter that has one. */
const spoofed = (name: string) =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((swap) => {
    const chars = [...name];
    const candidates = chars.flatMap((c, i) => (LOOK_ALIKES[c] === undefined ? [] : [i]));
    if (candidates.length === 0) return `${name}\u212A`;
    const chosen = candidates.filter((i) => swap[i]);
    for (const i of chosen.length > 0 ? chosen : [candidates[0] as number])
      chars[i] = LOOK_ALIKES[chars[i] as string] as string;
    return chars.join('');
  });
const unicodeString = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme-ascii' }),
);
/** Plain, recased, spoofed and arbitrary Unicode names, so that matches and near misses are both common. */
const anyName = fc.oneof(asciiName, asciiName.chain(recased), asciiName.chain(spoofed), unicodeString);

describe('foldAsciiCase', () => {
  it('lower-cases A-Z only: same length, non-ASCII kept, ASCII exactly when the input is', () => {
    fc.assert(
      fc.property(fc.oneof(unicodeString, asciiName.chain(spoofed), asciiName.chain(recased)), (s) => {
        const folded = foldAsciiCase(s);
        expect(folded).toBe(referenceFold(s));
        expect(isAscii(folded)).toBe(isAscii(s));
      }),
    );
  });

  it('does not fold the Kelvin sign, dotted capital I or long s', () => {
    expect(foldAsciiCase('\u212AIOSK')).toBe('\u212Aiosk');
    expect(foldAsciiCase('\u017Fcope')).toBe('\u017Fcope');
    expect(foldAsciiCase('\u0130TEM')).toBe('\u0130tem');
    expect(foldAsciiCase('ACME')).toBe('acme');
  });
});

describe('toOrganizationName', () => {
  it('never turns a non-ASCII string into a name; every name it returns is the ASCII fold of its input', () => {
    fc.assert(
      fc.property(anyName, (s) => {
        const name = toOrganizationName(s);
        if (!isAscii(s)) expect(name).toBeNull();
        if (name !== null) expect(name).toBe(referenceFold(s));
      }),
    );
  });

  it('two inputs give the same name only when they are equal after ASCII folding', () => {
    fc.assert(
      fc.property(
        asciiName.chain((n) =>
          fc.tuple(fc.oneof(recased(n), spoofed(n), unicodeString), fc.oneof(recased(n), spoofed(n))),
        ),
        ([a, b]) => {
          const x = toOrganizationName(a);
          const y = toOrganizationName(b);
          if (x !== null && x === y) expect(referenceFold(a)).toBe(referenceFold(b));
        },
      ),
    );
  });

  it('refuses look-alikes of a real name and accepts its ASCII recasings', () => {
    expect(toOrganizationName('\u212Aiosk')).toBeNull();
    expect(toOrganizationName('KIOSK')).toBe('kiosk');
  });
});

describe('canManageTokens: owners and company owners', () => {
  it('match a username exactly when both are equal after ASCII folding', () => {
    fc.assert(
      fc.property(
        asciiName.chain((n) =>
          fc.tuple(
            fc.oneof(fc.constant(n), recased(n), spoofed(n), anyName),
            fc.oneof(recased(n), spoofed(n), anyName),
          ),
        ),
        fc.boolean(),
        ([listed, presented], company) => {
          const profile = company
            ? { id: 'acme', name: 'acme', plan: 'team', owners: [], company: { name: 'corp', owners: [listed] } }
            : { id: 'acme', name: 'acme', plan: 'team', owners: [listed] };
          const decision = canManageTokens({ username: presented }, profile);
          expect(decision.allowed).toBe(referenceFold(listed) === referenceFold(presented));
        },
      ),
    );
  });

  it('does not take \\u212Aim for the owner kim', () => {
    expect(
      canManageTokens({ username: '\u212Aim' }, { id: 'acme', name: 'acme', plan: 'team', owners: ['kim'] }),
    ).toMatchObject({ allowed: false, code: 'NOT_A_MANAGER' });
    expect(
      canManageTokens({ username: 'kim' }, { id: 'acme', name: 'acme', plan: 'team', owners: ['\u212AIM'] }),
    ).toMatchObject({ allowed: false });
    expect(canManageTokens({ username: 'KIM' }, { id: 'acme', name: 'acme', plan: 'team', owners: ['kim'] })).toEqual({
      allowed: true,
      via: 'organization-owner',
      ceiling: { unlimited: true },
    });
  });
});

describe('grants and plans fold ASCII only', () => {
  const rules = { organization: 'kiosk', catalog: DEFAULT_SCOPE_CATALOG, maxRepositoryGrants: 50 };

  it('refuses grant paths that name the organization with a look-alike', () => {
    fc.assert(
      fc.property(spoofed('kiosk'), (org) => {
        expect(validateResources([{ type: 'TYPE_ORG', path: org, scopes: ['scope-member-read'] }], rules).ok).toBe(
          false,
        );
        expect(validateResources([{ type: 'TYPE_REPO', path: `${org}/app`, scopes: ['repo-pull'] }], rules).ok).toBe(
          false,
        );
      }),
    );
    expect(validateResources([{ type: 'TYPE_REPO', path: 'KIOSK/app', scopes: ['repo-pull'] }], rules)).toMatchObject({
      ok: true,
      value: [{ path: 'kiosk/app' }],
    });
  });

  it('authorizeOrganization denies a look-alike organization and allows an ASCII recasing', () => {
    const grants = compileGrants(
      'kiosk',
      [{ type: 'organization', path: 'kiosk', scopes: ['scope-member-read'] }],
      DEFAULT_POLICY,
    );
    fc.assert(
      fc.property(fc.oneof(recased('kiosk'), spoofed('kiosk')), (org) => {
        expect(authorizeOrganization(grants, org, 'scope-member-read').allowed).toBe(isAscii(org));
      }),
    );
  });

  it('tokenLimit finds a plan by its ASCII fold only', () => {
    const plans = { kiosk: { maxTokens: 5 } };
    expect(tokenLimit(plans, 'KIOSK')).toBe(5);
    expect(tokenLimit(plans, '\u212Aiosk')).toBe(0);
  });
});
