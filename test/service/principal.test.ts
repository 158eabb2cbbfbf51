import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCOPE_CATALOG,
  createMemoryTokenStore,
  createTokenService,
  type Principal,
  type TokenService,
} from '../../src/index.js';
import { vandalize } from '../core/vandal.js';

async function loggedIn(): Promise<{ service: TokenService; principal: Principal; login: () => Promise<Principal> }> {
  const service = createTokenService({
    store: createMemoryTokenStore(),
    organizations: [{ name: 'acme', plan: 'team', owners: ['alice'] }],
  });
  const { secret } = await service.create({ username: 'alice' }, 'acme', {
    label: 'ci',
    resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }],
  });
  const login = async (): Promise<Principal> => {
    const result = await service.authenticate('acme', secret.reveal());
    if (!result.ok) throw new Error(`login refused: ${result.code}`);
    return result.principal;
  };
  return { service, principal: await login(), login };
}

const decisions = (service: TokenService, principal: Principal): unknown => [
  service.authorize(principal, { repository: 'acme/app' }, 'pull'),
  service.authorize(principal, { repository: 'acme/app' }, 'push'),
  service.authorize(principal, { repository: 'acme/secret' }, 'pull'),
  service.authorizeOrganization(principal, 'scope-member-edit'),
];

describe('principals and their compiled grants', () => {
  it(
    'a principal changed through casts changes neither its own decisions nor those of the next login of ' + 'the token',
    async () => {
      const { service, principal, login } = await loggedIn();
      const before = decisions(service, principal);
      expect(before).toEqual([
        { allowed: true },
        { allowed: false, code: 'SCOPE_NOT_GRANTED' },
        { allowed: false, code: 'NO_MATCHING_GRANT' },
        { allowed: false, code: 'NO_MATCHING_GRANT' },
      ]);
      vandalize(principal, [0x7fffffff, 'acme/secret', true, null]);
      expect(decisions(service, principal)).toEqual(before);
      expect(decisions(service, await login())).toEqual(before);
    },
  );

  it('refuses a forged principal whose grants only look compiled', async () => {
    const { service, principal } = await loggedIn();
    const forged = {
      ...principal,
      grants: {
        organization: 'acme',
        catalog: DEFAULT_SCOPE_CATALOG,
        exact: new Map([['acme/secret', 0xff]]),
        namespaces: new Map(),
        namespacePrefixes: null,
        publicMask: 0,
        organizationMask: 0xff,
        reachesPublicRepositories: false,
      },
    } as unknown as Principal;
    expect(() => service.authorize(forged, { repository: 'acme/secret' }, 'pull')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(() => service.authorizeOrganization(forged, 'scope-member-edit')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(() =>
      service.authorize(
        { ...principal, grants: { ...principal.grants } } as Principal,
        { repository: 'acme/app' },
        'pull',
      ),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
