// Shared generators for the core property tests. The universes are small on
// purpose: a handful of repositories, globs and scopes make exact hits, glob
// hits, public hits and near misses all frequent.
import fc from 'fast-check';
import type { RepositoryRequest, Resource } from '../../src/index.js';
import { DOCKER_HUB_SCOPES, PUBLIC_REPOSITORIES_PATH } from '../../src/index.js';

export const ORG = 'acme';

export const REPOSITORY_SCOPES: ReadonlyArray<string> = DOCKER_HUB_SCOPES.filter((d) => d.kind === 'repository').map(
  (d) => d.name,
);
export const ORGANIZATION_SCOPES: ReadonlyArray<string> = DOCKER_HUB_SCOPES.filter(
  (d) => d.kind === 'organization',
).map((d) => d.name);
export const IMAGE_SCOPES: ReadonlyArray<string> = ['scope-image-pull', 'scope-image-push', 'scope-image-delete'];
const ALIASES: ReadonlyArray<string> = DOCKER_HUB_SCOPES.flatMap((d) => d.aliases ?? []);

/** Exact repositories a valid grant of `acme` may name (one nested). */
export const GRANTED_REPOSITORIES: ReadonlyArray<string> = ['acme/app', 'acme/api', 'acme/team/app'];
const GRANT_PATHS: ReadonlyArray<string> = [...GRANTED_REPOSITORIES, 'acme/*', PUBLIC_REPOSITORIES_PATH];

/** Repositories a registry may ask about: the granted ones and near misses, other organizations' included. */
const REQUESTED_REPOSITORIES: ReadonlyArray<string> = [
  ...GRANTED_REPOSITORIES,
  'beta/app',
  'library/nginx',
  'acme/web',
  'acme/ap',
  'acme/app2',
  'acme/app/sub',
  'acme',
  'acmex/app',
  'acm/app',
  'ACME/app',
  'acme/',
  '/acme',
  'beta/team/x',
  'other/app',
  PUBLIC_REPOSITORIES_PATH,
];

// Favoured scopes come up half the time so that chains overlap between grants and requests.
const scopeList = (favoured: ReadonlyArray<string>, all: ReadonlyArray<string>): fc.Arbitrary<string[]> =>
  fc.uniqueArray(fc.oneof(fc.constantFrom(...favoured), fc.constantFrom(...all)), { minLength: 1, maxLength: 3 });

/** A valid repository grant of `acme`: exact, `acme/*`, or `*\/*\/public` (pull only), scopes canonical. */
export const repositoryResource: fc.Arbitrary<Resource> = fc.constantFrom(...GRANT_PATHS).chain((path) =>
  fc.record({
    type: fc.constant('repository' as const),
    path: fc.constant(path),
    scopes:
      path === PUBLIC_REPOSITORIES_PATH
        ? fc.constant(['scope-image-pull'])
        : scopeList(IMAGE_SCOPES, REPOSITORY_SCOPES),
  }),
);

export const organizationResource: fc.Arbitrary<Resource> = fc.record({
  type: fc.constant('organization' as const),
  path: fc.constant(ORG),
  scopes: scopeList(['scope-member-read', 'scope-member-edit'], ORGANIZATION_SCOPES),
});

/** The key under which validation refuses a second grant. */
export const grantKey = (r: Resource): string => `${r.type}:${r.path}`;

/** A small valid grant set (at least one, each path once): mostly repository grants, sometimes a management grant. */
export const resources: fc.Arbitrary<Resource[]> = fc.uniqueArray(
  fc.oneof({ weight: 4, arbitrary: repositoryResource }, { weight: 1, arbitrary: organizationResource }),
  { minLength: 1, maxLength: 5, selector: grantKey },
);

export const repositoryRequest: fc.Arbitrary<RepositoryRequest> = fc
  .record({
    repository: fc.constantFrom(...REQUESTED_REPOSITORIES),
    visibility: fc.constantFrom('public', 'private', 'unset'),
  })
  .map(({ repository, visibility }) => (visibility === 'unset' ? { repository } : { repository, visibility }));

/** A requested action: image scopes and registry actions often, anything else sometimes. */
export const repositoryAction: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('pull', 'push', 'delete', ...IMAGE_SCOPES) },
  { weight: 2, arbitrary: fc.constantFrom(...REPOSITORY_SCOPES, ...ALIASES) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...ORGANIZATION_SCOPES, '', 'PULL', 'scope-image', '__proto__', 'constructor', 'admin'),
  },
);

export const organizationScope: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ORGANIZATION_SCOPES) },
  { weight: 1, arbitrary: fc.constantFrom(...REPOSITORY_SCOPES, 'pull', '', 'toString', 'scope-member') },
);

export const organizationAsked: fc.Arbitrary<string> = fc.constantFrom(ORG, 'ACME', 'Acme', 'beta', 'acme2', '');
