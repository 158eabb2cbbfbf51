import fc from 'fast-check';
import type { OrganizationProfile } from '../../src/index.js';

const PEOPLE = ['ann', 'ben', 'cat', 'dan'] as const;
type Role = 'owner' | 'company-owner' | 'token-manager';

/**
 * Two organizations: the actor holds `role` in `home` and nothing in `away`, whose other people are drawn at random.
 */
export const twoOrganizations = fc
  .record({
    actor: fc.constantFrom(...PEOPLE),
    role: fc.constantFrom<Role>('owner', 'company-owner', 'token-manager'),
    awayOwners: fc.subarray([...PEOPLE]),
    awayCompany: fc.option(fc.subarray([...PEOPLE]), { nil: null }),
    awayManagers: fc.subarray([...PEOPLE]),
    shareCompany: fc.boolean(),
  })
  .map(({ actor, role, awayOwners, awayCompany, awayManagers, shareCompany }) => {
    const others = (names: ReadonlyArray<string>) => names.filter((n) => n !== actor);
    const home: OrganizationProfile = {
      id: 'home',
      name: 'home',
      plan: 'team',
      owners: role === 'owner' ? [actor, 'root'] : ['root'],
      company: { name: 'corp', owners: role === 'company-owner' ? [actor] : [] },
      tokenManagers: role === 'token-manager' ? [{ username: actor }] : [],
    };
    // Same company name or not: rights follow the owners listed for this organization, never a name.
    const away: OrganizationProfile = {
      id: 'away',
      name: 'away',
      plan: 'team',
      owners: ['root', ...others(awayOwners)],
      company: awayCompany === null ? null : { name: shareCompany ? 'corp' : 'other', owners: others(awayCompany) },
      tokenManagers: others(awayManagers).map((username) => ({ username })),
    };
    return { actor, role, home, away };
  });
