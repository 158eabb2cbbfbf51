// A deliberately naive model of the scope algebra, written from the catalog
// data alone: no bit masks, no maps, a linear scan over the raw grants. The
// property tests check the compiled engine against it.
import type { AuthorizationDecision, RepositoryRequest, Resource, ScopeDefinition } from '../../src/index.js';
import { DOCKER_HUB_SCOPES, PUBLIC_REPOSITORIES_PATH } from '../../src/index.js';

/** The definition a name or alias stands for, found by scanning the catalog. */
export function resolveScope(
  nameOrAlias: string,
  catalog: ReadonlyArray<ScopeDefinition> = DOCKER_HUB_SCOPES,
): ScopeDefinition | undefined {
  return catalog.find((d) => d.name === nameOrAlias || (d.aliases ?? []).includes(nameOrAlias));
}

/** Every scope a scope implies, itself included, by walking `includes` edges. */
export function impliedScopes(
  name: string,
  catalog: ReadonlyArray<ScopeDefinition> = DOCKER_HUB_SCOPES,
): ReadonlySet<string> {
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    const def = catalog.find((d) => d.name === next);
    for (const inc of def?.includes ?? []) stack.push(inc);
  }
  return seen;
}

/** Every (including, included) pair of distinct scopes of the catalog. */
export function inclusionPairs(
  catalog: ReadonlyArray<ScopeDefinition> = DOCKER_HUB_SCOPES,
): ReadonlyArray<readonly [ScopeDefinition, string]> {
  return catalog.flatMap((d) =>
    [...impliedScopes(d.name, catalog)].filter((n) => n !== d.name).map((n) => [d, n] as const),
  );
}

function grantCovers(resource: Resource, request: RepositoryRequest): boolean {
  if (resource.type !== 'repository') return false;
  if (resource.path === PUBLIC_REPOSITORIES_PATH) return request.visibility === 'public';
  // `org/*` is every repository directly under the organization: exactly one more path segment.
  if (resource.path.endsWith('/*')) {
    const prefix = resource.path.slice(0, -1);
    const rest = request.repository.slice(prefix.length);
    return request.repository.startsWith(prefix) && rest.length > 0 && !rest.includes('/');
  }
  return resource.path === request.repository;
}

const grantsScope = (resource: Resource, target: string): boolean =>
  resource.scopes.some((s) => impliedScopes(s).has(target));

/** The reference decision for a repository request. */
export function referenceAuthorize(
  resources: ReadonlyArray<Resource>,
  request: RepositoryRequest,
  action: string,
): AuthorizationDecision {
  if (typeof (request as Partial<RepositoryRequest> | null | undefined)?.repository !== 'string')
    return { allowed: false, code: 'INVALID_REQUEST' };
  const target = typeof action === 'string' ? resolveScope(action) : undefined;
  if (target === undefined || target.kind !== 'repository') return { allowed: false, code: 'UNKNOWN_SCOPE' };
  let matched = false;
  for (const resource of resources) {
    if (!grantCovers(resource, request)) continue;
    matched = true;
    if (grantsScope(resource, target.name)) return { allowed: true };
  }
  return { allowed: false, code: matched ? 'SCOPE_NOT_GRANTED' : 'NO_MATCHING_GRANT' };
}

/** The reference decision for a management scope on an organization. */
export function referenceAuthorizeOrganization(
  tokenOrganization: string,
  resources: ReadonlyArray<Resource>,
  organization: string,
  scope: string,
): AuthorizationDecision {
  if (typeof organization !== 'string') return { allowed: false, code: 'INVALID_REQUEST' };
  const target = typeof scope === 'string' ? resolveScope(scope) : undefined;
  if (target === undefined || target.kind !== 'organization') return { allowed: false, code: 'UNKNOWN_SCOPE' };
  const grants = resources.filter((r) => r.type === 'organization');
  if (organization.toLowerCase() !== tokenOrganization || grants.length === 0)
    return { allowed: false, code: 'NO_MATCHING_GRANT' };
  return grants.some((r) => grantsScope(r, target.name))
    ? { allowed: true }
    : { allowed: false, code: 'SCOPE_NOT_GRANTED' };
}
