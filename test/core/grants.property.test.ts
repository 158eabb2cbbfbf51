import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RepositoryRequest, Resource } from '../../src/index.js';
import {
  DEFAULT_POLICY,
  DOCKER_HUB_SCOPES,
  PUBLIC_REPOSITORIES_PATH,
  authorize,
  authorizeOrganization,
  compileGrants,
} from '../../src/index.js';
import {
  ORG,
  ORGANIZATION_SCOPES,
  REPOSITORY_SCOPES,
  grantKey,
  organizationAsked,
  organizationResource,
  organizationScope,
  repositoryAction,
  repositoryRequest,
  repositoryResource,
  resources,
} from './arbitraries.js';
import { inclusionPairs, referenceAuthorize, referenceAuthorizeOrganization } from './reference.js';

const GRANT_FORMS = [
  ['exact', (r: Resource) => r.path !== PUBLIC_REPOSITORIES_PATH && !r.path.endsWith('/*')],
  ['glob', (r: Resource) => r.path.endsWith('/*')],
  ['public', (r: Resource) => r.path === PUBLIC_REPOSITORIES_PATH],
] as const;

const ONE_GRANT: ReadonlyArray<Resource> = [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }];
const compile = (granted: ReadonlyArray<Resource>) => compileGrants(ORG, granted, DEFAULT_POLICY);

describe('authorize agrees with a linear-scan reference', () => {
  it('gives the same decision and denial code on 10,000 random grant sets and requests', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(resources, repositoryRequest, repositoryAction, (granted, request, action) => {
        const actual = authorize(compile(granted), request, action);
        const expected = referenceAuthorize(granted, request, action);
        expect(actual).toEqual(expected);
        const form = GRANT_FORMS.find(([, only]) => referenceAuthorize(granted.filter(only), request, action).allowed);
        const how = actual.allowed ? `allow-${form?.[0]}` : actual.code;
        seen.set(how, (seen.get(how) ?? 0) + 1);
      }),
      { numRuns: 10_000 },
    );
    // The generators must exercise every kind of outcome, or the agreement above proves little.
    for (const kind of [
      'allow-exact',
      'allow-glob',
      'allow-public',
      'UNKNOWN_SCOPE',
      'NO_MATCHING_GRANT',
      'SCOPE_NOT_GRANTED',
    ]) {
      expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(0);
    }
  });

  it('agrees on management scopes too (authorizeOrganization)', () => {
    fc.assert(
      fc.property(resources, organizationAsked, organizationScope, (granted, organization, scope) => {
        expect(authorizeOrganization(compile(granted), organization, scope)).toEqual(
          referenceAuthorizeOrganization(ORG, granted, organization, scope),
        );
      }),
      { numRuns: 2_000 },
    );
  });

  it(
    'never throws on malformed requests and actions: INVALID_REQUEST without a string repository or ' + 'organization',
    () => {
      const odd = fc.anything({ withNullPrototype: true, withBoxedValues: true });
      const request = fc.oneof(
        odd,
        fc.record({ repository: odd, visibility: odd }, { requiredKeys: [] }),
        repositoryRequest,
      );
      fc.assert(
        fc.property(
          resources,
          request,
          fc.oneof(odd, repositoryAction),
          fc.oneof(odd, organizationScope),
          fc.oneof(odd, organizationAsked),
          (granted, req, action, scope, org) => {
            const grants = compile(granted);
            const decision = authorize(grants, req as RepositoryRequest, action as string);
            expect(decision).toEqual(referenceAuthorize(granted, req as RepositoryRequest, action as string));
            expect(authorizeOrganization(grants, org as string, scope as string)).toEqual(
              referenceAuthorizeOrganization(ORG, granted, org as string, scope as string),
            );
          },
        ),
        { numRuns: 2_000 },
      );
      expect(authorize(compile(ONE_GRANT), null as unknown as RepositoryRequest, 'pull')).toEqual({
        allowed: false,
        code: 'INVALID_REQUEST',
      });
      expect(authorizeOrganization(compile(ONE_GRANT), 42 as unknown as string, 'scope-member-read')).toEqual({
        allowed: false,
        code: 'INVALID_REQUEST',
      });
    },
  );

  it('lets an org/* grant cover one path segment: acme/app, not acme/team/app', () => {
    const grants = compile([{ type: 'repository', path: 'acme/*', scopes: ['scope-image-push'] }]);
    expect(authorize(grants, { repository: 'acme/app' }, 'push')).toEqual({ allowed: true });
    expect(authorize(grants, { repository: 'acme/team/app' }, 'push')).toEqual({
      allowed: false,
      code: 'NO_MATCHING_GRANT',
    });
    expect(authorize(grants, { repository: 'acmex/app' }, 'pull')).toEqual({
      allowed: false,
      code: 'NO_MATCHING_GRANT',
    });
  });

  it('reaches a public repository of any organization through */*/public, pull only, and no private one', () => {
    const grants = compile([{ type: 'repository', path: PUBLIC_REPOSITORIES_PATH, scopes: ['scope-image-pull'] }]);
    expect(authorize(grants, { repository: 'library/nginx', visibility: 'public' }, 'pull')).toEqual({ allowed: true });
    expect(authorize(grants, { repository: 'library/nginx', visibility: 'public' }, 'push')).toEqual({
      allowed: false,
      code: 'SCOPE_NOT_GRANTED',
    });
    expect(authorize(grants, { repository: 'library/nginx' }, 'pull')).toEqual({
      allowed: false,
      code: 'NO_MATCHING_GRANT',
    });
  });

  it('does not depend on the order of the grants', () => {
    fc.assert(
      fc.property(
        resources,
        fc.infiniteStream(fc.nat()),
        repositoryRequest,
        repositoryAction,
        (granted, noise, request, action) => {
          const shuffled = granted
            .map((r) => [noise.next().value, r] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, r]) => r);
          expect(authorize(compile(shuffled), request, action)).toEqual(authorize(compile(granted), request, action));
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('monotonicity: adding a grant never removes a permission', () => {
  it('for repository requests', () => {
    fc.assert(
      fc.property(
        resources,
        fc.oneof(repositoryResource, organizationResource),
        repositoryRequest,
        repositoryAction,
        (granted, extra, request, action) => {
          fc.pre(!granted.some((r) => grantKey(r) === grantKey(extra)));
          const before = authorize(compile(granted), request, action);
          const after = authorize(compile([...granted, extra]), request, action);
          if (before.allowed) expect(after).toEqual({ allowed: true });
          // A new grant can turn "no grant at all" into "a grant without that scope", never the reverse.
          if (!after.allowed && after.code === 'NO_MATCHING_GRANT') expect(before).toEqual(after);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('for management scopes', () => {
    fc.assert(
      fc.property(
        resources,
        fc.oneof(repositoryResource, organizationResource),
        organizationAsked,
        organizationScope,
        (granted, extra, org, scope) => {
          fc.pre(!granted.some((r) => grantKey(r) === grantKey(extra)));
          if (authorizeOrganization(compile(granted), org, scope).allowed) {
            expect(authorizeOrganization(compile([...granted, extra]), org, scope)).toEqual({ allowed: true });
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('scope inclusion: an included scope is always granted with its including scope', () => {
  const pairs = inclusionPairs();

  it('covers every chain of the catalog (the pairs are not empty)', () => {
    const names = pairs.map(([d, included]) => `${d.name}>${included}`);
    expect(names).toContain('scope-image-push>scope-image-pull');
    expect(names).toContain('scope-image-delete>scope-image-pull');
    expect(names).toContain('scope-webhook-admin>scope-webhook-read');
    expect(names).toContain('scope-member-edit>scope-member-read');
    expect(names).toContain('scope-ram-write>scope-ram-read');
  });

  it.each(pairs.map(([d, included]) => [d.name, included, d.kind] as const))(
    '%s grants %s',
    (including, included, kind) => {
      if (kind === 'repository') {
        // Not */*/public: it holds pull only, and pull includes nothing.
        for (const path of ['acme/app', 'acme/*']) {
          const grants = compile([{ type: 'repository', path, scopes: [including] }]);
          const request = { repository: 'acme/app', visibility: 'public' as const };
          expect(authorize(grants, request, including)).toEqual({ allowed: true });
          expect(authorize(grants, request, included)).toEqual({ allowed: true });
        }
      } else {
        const grants = compile([{ type: 'organization', path: ORG, scopes: [including] }]);
        expect(authorizeOrganization(grants, ORG, including)).toEqual({ allowed: true });
        expect(authorizeOrganization(grants, ORG, included)).toEqual({ allowed: true });
      }
    },
  );

  it('holds for random grant sets: allowed(including) implies allowed(included)', () => {
    const repositoryPairs = pairs.filter(([d]) => d.kind === 'repository');
    const organizationPairs = pairs.filter(([d]) => d.kind === 'organization');
    fc.assert(
      fc.property(
        resources,
        repositoryRequest,
        fc.constantFrom(...repositoryPairs),
        organizationAsked,
        fc.constantFrom(...organizationPairs),
        (granted, request, [repoIncluding, repoIncluded], org, [orgIncluding, orgIncluded]) => {
          const grants = compile(granted);
          if (authorize(grants, request, repoIncluding.name).allowed)
            expect(authorize(grants, request, repoIncluded).allowed).toBe(true);
          if (authorizeOrganization(grants, org, orgIncluding.name).allowed)
            expect(authorizeOrganization(grants, org, orgIncluded).allowed).toBe(true);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('never lets a scope imply one above it', () => {
    for (const [including, included] of pairs) {
      const grants = compile(
        including.kind === 'repository'
          ? [{ type: 'repository', path: 'acme/app', scopes: [included] }]
          : [{ type: 'organization', path: ORG, scopes: [included] }],
      );
      const decision =
        including.kind === 'repository'
          ? authorize(grants, { repository: 'acme/app' }, including.name)
          : authorizeOrganization(grants, ORG, including.name);
      expect(decision).toEqual({ allowed: false, code: 'SCOPE_NOT_GRANTED' });
    }
  });
});

describe('compileGrants and the decision values', () => {
  it('freezes what it compiles and keeps repository and management scopes apart', () => {
    const grants = compile([
      { type: 'repository', path: 'acme/app', scopes: ['scope-image-push'] },
      { type: 'organization', path: ORG, scopes: ['scope-member-read'] },
    ]);
    expect(Object.isFrozen(grants)).toBe(true);
    expect(authorize(grants, { repository: 'acme/app' }, 'scope-member-read')).toEqual({
      allowed: false,
      code: 'UNKNOWN_SCOPE',
    });
    expect(authorizeOrganization(grants, ORG, 'scope-image-pull')).toEqual({ allowed: false, code: 'UNKNOWN_SCOPE' });
    expect(authorizeOrganization(grants, 'ACME', 'scope-member-read')).toEqual({ allowed: true });
    expect(authorizeOrganization(grants, 'beta', 'scope-member-read')).toEqual({
      allowed: false,
      code: 'NO_MATCHING_GRANT',
    });
  });

  it('resolves every alias of the catalog to its scope', () => {
    for (const def of DOCKER_HUB_SCOPES.filter((d) => d.kind === 'repository')) {
      const grants = compile([{ type: 'repository', path: 'acme/app', scopes: [def.name] }]);
      for (const alias of def.aliases ?? [])
        expect(authorize(grants, { repository: 'acme/app' }, alias)).toEqual({ allowed: true });
    }
    expect(REPOSITORY_SCOPES.length + ORGANIZATION_SCOPES.length).toBe(DOCKER_HUB_SCOPES.length);
  });
});
