import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessTokenRecord, OrganizationName, TokenId, TokenState } from '../../src/index.js';
import {
  TOKEN_STATES,
  freezeRecord,
  isExpired,
  isTokenId,
  statusOf,
  toOrganizationName,
  toTokenId,
} from '../../src/index.js';
import { resources } from './arbitraries.js';

const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) });
const state = fc.constantFrom<TokenState>(...TOKEN_STATES);

describe('statusOf and isExpired', () => {
  it('derive expired exactly when the token is not deleted and now >= expiresAt', () => {
    fc.assert(
      fc.property(state, fc.option(instant, { nil: null }), instant, (s, expiresAt, now) => {
        const expected = s !== 'deleted' && expiresAt !== null && now >= expiresAt;
        expect(isExpired({ state: s, expiresAt }, now)).toBe(expected);
        expect(statusOf({ state: s, expiresAt }, now)).toBe(expected ? 'expired' : s);
      }),
      { numRuns: 2_000 },
    );
  });

  it('flips to expired at the exact millisecond of expiresAt, and stays there', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<TokenState>('active', 'inactive'),
        instant,
        fc.integer({ min: 1, max: 1e10 }),
        (s, expiresAt, later) => {
          const token = { state: s, expiresAt };
          expect(statusOf(token, expiresAt - 1)).toBe(s);
          expect(statusOf(token, expiresAt)).toBe('expired');
          expect(statusOf(token, expiresAt + later)).toBe('expired');
        },
      ),
    );
  });

  it('never stores expired', () => {
    expect(TOKEN_STATES).toEqual(['active', 'inactive', 'deleted']);
  });
});

describe('freezeRecord', () => {
  const record = fc.record({ resources, label: fc.string(), state }).map(
    ({ resources: granted, label, state: s }): AccessTokenRecord => ({
      id: '00000000-0000-4000-8000-000000000000' as TokenId,
      organizationId: 'org-1' as AccessTokenRecord['organizationId'],
      organization: 'acme' as OrganizationName,
      label,
      description: '',
      createdBy: 'alice',
      createdAt: 0,
      updatedAt: 0,
      expiresAt: null,
      lastUsedAt: null,
      state: s,
      resources: granted.map((r) => ({ ...r, scopes: [...r.scopes] })),
      secretHash: 'hash',
      displayPrefix: 'oat_abcd',
      version: 1,
      allowedNetworks: [],
      recentAddresses: [],
    }),
  );

  it('deep-freezes the record, its resources and their scope lists, and returns the same object', () => {
    fc.assert(
      fc.property(record, (r) => {
        const frozen = freezeRecord(r);
        expect(frozen).toBe(r);
        expect(Object.isFrozen(frozen)).toBe(true);
        expect(Object.isFrozen(frozen.resources)).toBe(true);
        for (const resource of frozen.resources) {
          expect(Object.isFrozen(resource)).toBe(true);
          expect(Object.isFrozen(resource.scopes)).toBe(true);
        }
        expect(() => {
          (frozen as { label: string }).label = 'changed';
        }).toThrow(TypeError);
      }),
      { numRuns: 300 },
    );
  });
});

describe('ids', () => {
  it('accept lower-case UUIDs (normalising case) and organization names, and nothing else', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        expect(isTokenId(uuid)).toBe(true);
        expect(toTokenId(uuid.toUpperCase())).toBe(uuid);
      }),
    );
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(toTokenId(value) === null || typeof value === 'string').toBe(true);
        expect(toOrganizationName(value) === null || typeof value === 'string').toBe(true);
      }),
    );
    expect(toOrganizationName('Acme-Corp')).toBe('acme-corp');
    for (const bad of ['', 'acme/app', '-acme', 'acme-', 'a..b', 'a'.repeat(256)])
      expect(toOrganizationName(bad)).toBeNull();
  });
});
