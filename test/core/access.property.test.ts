import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClientContext, OrganizationProfile } from '../../src/index.js';
import { MANAGE_TOKENS_PERMISSION, canManageTokens, checkCompatibility } from '../../src/index.js';

const username = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const recase = (name: string) =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((up) => [...name].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
const otherPermissions = fc.array(fc.constantFrom('manage-members', 'read-audit-log', MANAGE_TOKENS_PERMISSION.toUpperCase(), ''), { maxLength: 3 });

const organization = fc.record({
  owners: fc.uniqueArray(username, { maxLength: 3 }),
  companyOwners: fc.option(fc.uniqueArray(username, { maxLength: 3 }), { nil: null }),
});

describe('canManageTokens', () => {
  it('allows organization owners, then company owners, then permission holders, with via; denies anyone else with a reason', () => {
    fc.assert(
      fc.property(organization, username, fc.boolean(), otherPermissions, ({ owners, companyOwners }, who, holds, permissions) => {
        const profile: OrganizationProfile = { id: 'acme', name: 'acme', plan: 'team', owners, company: companyOwners === null ? null : { name: 'acme-corp', owners: companyOwners } };
        const decision = canManageTokens({ username: who, permissions: holds ? [...permissions, MANAGE_TOKENS_PERMISSION] : permissions }, profile);
        if (owners.includes(who)) expect(decision).toEqual({ allowed: true, via: 'organization-owner' });
        else if (companyOwners?.includes(who)) expect(decision).toEqual({ allowed: true, via: 'company-owner' });
        else if (holds) expect(decision).toEqual({ allowed: true, via: 'permission' });
        else {
          expect(decision).toMatchObject({ allowed: false, code: 'NOT_A_MANAGER' });
          if (!decision.allowed) {
            expect(decision.reason).toContain(who);
            expect(decision.reason).toContain('acme');
            expect(decision.reason).toContain(MANAGE_TOKENS_PERMISSION);
          }
        }
      }),
    );
  });

  it('compares usernames case-insensitively on both sides', () => {
    fc.assert(
      fc.property(username.chain((name) => fc.tuple(recase(name), recase(name))), fc.boolean(), ([listed, presented], company) => {
        const profile: OrganizationProfile = company
          ? { id: 'acme', name: 'acme', plan: 'team', owners: [], company: { name: 'corp', owners: [listed] } }
          : { id: 'acme', name: 'acme', plan: 'team', owners: [listed] };
        expect(canManageTokens({ username: presented }, profile)).toEqual({ allowed: true, via: company ? 'company-owner' : 'organization-owner' });
      }),
    );
  });

  it('grants nothing for a permission that only looks like the right one, or for no permissions', () => {
    const profile: OrganizationProfile = { id: 'acme', name: 'acme', plan: 'business', owners: ['alice'] };
    expect(canManageTokens({ username: 'bob', permissions: [MANAGE_TOKENS_PERMISSION.toUpperCase(), `${MANAGE_TOKENS_PERMISSION} `] }, profile)).toMatchObject({ allowed: false });
    expect(canManageTokens({ username: 'bob' }, profile)).toMatchObject({ allowed: false, code: 'NOT_A_MANAGER' });
    expect(MANAGE_TOKENS_PERMISSION).toBe('manage-organization-access-tokens');
  });
});

describe('checkCompatibility', () => {
  const flags = fc.record({ iam: fc.boolean(), ram: fc.boolean(), client: fc.constantFrom<NonNullable<ClientContext['kind']> | 'unset'>('docker-desktop', 'cli', 'other', 'unset') });

  it('refuses IAM, RAM and Docker Desktop each with its own code, in that order of precedence', () => {
    fc.assert(
      fc.property(flags, ({ iam, ram, client }) => {
        const profile: OrganizationProfile = { id: 'acme', name: 'acme', plan: 'team', owners: [], imageAccessManagement: iam, registryAccessManagement: ram };
        const decision = checkCompatibility(profile, client === 'unset' ? {} : { kind: client });
        const expected = iam ? 'IMAGE_ACCESS_MANAGEMENT' : ram ? 'REGISTRY_ACCESS_MANAGEMENT' : client === 'docker-desktop' ? 'DOCKER_DESKTOP' : null;
        if (expected === null) expect(decision).toEqual({ allowed: true });
        else {
          expect(decision).toMatchObject({ allowed: false, code: expected });
          if (!decision.allowed) expect(decision.reason.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('allows an organization with neither flag and no client context', () => {
    expect(checkCompatibility({ id: 'acme', name: 'acme', plan: 'team', owners: [] })).toEqual({ allowed: true });
  });
});
