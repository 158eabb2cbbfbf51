import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClientContext, OrganizationProfile } from '../../src/index.js';
import { MANAGE_TOKENS_PERMISSION, canManageTokens, checkCompatibility } from '../../src/index.js';

const username = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
const recase = (name: string) =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((up) => [...name].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
const organization = fc.record({
  owners: fc.uniqueArray(username, { maxLength: 3 }),
  companyOwners: fc.option(fc.uniqueArray(username, { maxLength: 3 }), { nil: null }),
});

describe('canManageTokens', () => {
  it(
    "allows organization owners, then company owners, then this organization's token managers, with via; " +
      'denies anyone else with a reason',
    () => {
      fc.assert(
        fc.property(
          organization,
          fc.uniqueArray(username, { maxLength: 3 }),
          username,
          ({ owners, companyOwners }, managers, who) => {
            const profile: OrganizationProfile = {
              id: 'acme',
              name: 'acme',
              plan: 'team',
              owners,
              company: companyOwners === null ? null : { name: 'acme-corp', owners: companyOwners },
              tokenManagers: managers.map((m) => ({ username: m })),
            };
            const decision = canManageTokens({ username: who }, profile);
            if (owners.includes(who))
              expect(decision).toEqual({ allowed: true, via: 'organization-owner', ceiling: { unlimited: true } });
            else if (companyOwners?.includes(who))
              expect(decision).toEqual({ allowed: true, via: 'company-owner', ceiling: { unlimited: true } });
            else if (managers.includes(who))
              expect(decision).toMatchObject({ allowed: true, via: 'token-manager', ceiling: { unlimited: false } });
            else {
              expect(decision).toMatchObject({ allowed: false, code: 'NOT_A_MANAGER' });
              if (!decision.allowed) {
                expect(decision.message).toContain(who);
                expect(decision.message).toContain('acme');
                expect(decision.message).toContain(MANAGE_TOKENS_PERMISSION);
              }
            }
          },
        ),
      );
    },
  );

  it('answers for one organization only: a token manager of one organization is nobody in another', () => {
    fc.assert(
      fc.property(username, fc.uniqueArray(username, { maxLength: 3 }), (who, others) => {
        const home: OrganizationProfile = {
          id: 'home',
          name: 'home',
          plan: 'team',
          owners: [],
          tokenManagers: [{ username: who }],
        };
        const away: OrganizationProfile = {
          id: 'away',
          name: 'away',
          plan: 'team',
          owners: others.filter((o) => o !== who),
          tokenManagers: others.filter((o) => o !== who).map((o) => ({ username: o })),
        };
        expect(canManageTokens({ username: who }, home)).toMatchObject({ allowed: true, via: 'token-manager' });
        expect(canManageTokens({ username: who }, away)).toMatchObject({ allowed: false, code: 'NOT_A_MANAGER' });
      }),
    );
  });

  it('compares usernames case-insensitively on both sides', () => {
    fc.assert(
      fc.property(
        username.chain((name) => fc.tuple(recase(name), recase(name))),
        fc.boolean(),
        ([listed, presented], company) => {
          const profile: OrganizationProfile = company
            ? { id: 'acme', name: 'acme', plan: 'team', owners: [], company: { name: 'corp', owners: [listed] } }
            : { id: 'acme', name: 'acme', plan: 'team', owners: [listed] };
          expect(canManageTokens({ username: presented }, profile)).toEqual({
            allowed: true,
            via: company ? 'company-owner' : 'organization-owner',
            ceiling: { unlimited: true },
          });
        },
      ),
    );
  });

  it('grants nothing for a field on the actor: a permissions list from older hosts is not read', () => {
    const profile: OrganizationProfile = { id: 'acme', name: 'acme', plan: 'business', owners: ['alice'] };
    const legacy = { username: 'bob', permissions: [MANAGE_TOKENS_PERMISSION] };
    expect(canManageTokens(legacy, profile)).toMatchObject({ allowed: false, code: 'NOT_A_MANAGER' });
    expect(canManageTokens({ username: 'bob' }, profile)).toMatchObject({ allowed: false, code: 'NOT_A_MANAGER' });
    expect(MANAGE_TOKENS_PERMISSION).toBe('manage-organization-access-tokens');
  });
});

describe('checkCompatibility', () => {
  const flags = fc.record({
    iam: fc.boolean(),
    ram: fc.boolean(),
    client: fc.constantFrom<NonNullable<ClientContext['kind']> | 'unset'>('docker-desktop', 'cli', 'other', 'unset'),
  });

  it('refuses IAM, RAM and Docker Desktop each with its own code, in that order of precedence', () => {
    fc.assert(
      fc.property(flags, ({ iam, ram, client }) => {
        const profile: OrganizationProfile = {
          id: 'acme',
          name: 'acme',
          plan: 'team',
          owners: [],
          imageAccessManagement: iam,
          registryAccessManagement: ram,
        };
        const decision = checkCompatibility(profile, client === 'unset' ? {} : { kind: client });
        const expected = iam
          ? 'IMAGE_ACCESS_MANAGEMENT'
          : ram
            ? 'REGISTRY_ACCESS_MANAGEMENT'
            : client === 'docker-desktop'
              ? 'DOCKER_DESKTOP'
              : null;
        if (expected === null) expect(decision).toEqual({ allowed: true });
        else {
          expect(decision).toMatchObject({ allowed: false, code: expected });
          if (!decision.allowed) expect(decision.message.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('allows an organization with neither flag and no client context', () => {
    expect(checkCompatibility({ id: 'acme', name: 'acme', plan: 'team', owners: [] })).toEqual({ allowed: true });
  });
});
