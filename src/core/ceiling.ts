import { authorize, authorizeOrganization, compileGrants, validateResources, type RawResource } from './grants.js';
import { parsed, type ParseResult } from './parse-result.js';
import { PULL_SCOPE, type ScopeCatalog } from './scopes.js';
import { PUBLIC_REPOSITORIES_PATH, type Resource } from './token.js';

/**
 * The most an actor may grant in one organization: `unlimited` for owners and
 * company owners, else a list of resources written like a token's. A token
 * created or edited by the actor may hold nothing the ceiling does not cover.
 *
 * Invariant: `resources` are validated for the organization (known scopes,
 * paths inside it), so coverage is decided with the same rules as a
 * registry request.
 */
export type GrantCeiling =
  | { readonly unlimited: true }
  | { readonly unlimited: false; readonly organization: string; readonly resources: ReadonlyArray<Resource> };

/** One (path, scope) pair a request asks for that a ceiling does not cover. */
export interface CeilingExcess {
  readonly type: Resource['type'];
  /** The requested resource's path, for example `acme/*`. */
  readonly path: string;
  /** The canonical scope name, for example `scope-image-delete`. */
  readonly scope: string;
}

const NOTHING_IN_EXCESS: ReadonlyArray<CeilingExcess> = Object.freeze([]);

/** The ceiling of owners and company owners: everything the organization's tokens can hold. */
export const UNLIMITED_CEILING: GrantCeiling = Object.freeze({ unlimited: true });

/**
 * The ceiling of a token manager whose host stated none: pull on every
 * repository of the organization and on public repositories; no push, no
 * delete, no repository administration, no organization scopes. Safe because
 * the custom role grants the right to manage tokens, not to use the
 * organization's content: a host that wants its managers to grant more says so.
 */
export function defaultManagerCeiling(organization: string): ReadonlyArray<RawResource> {
  return Object.freeze([
    Object.freeze({ type: 'repository' as const, path: `${organization}/*`, scopes: Object.freeze([PULL_SCOPE]) }),
    Object.freeze({ type: 'repository' as const, path: PUBLIC_REPOSITORIES_PATH, scopes: Object.freeze([PULL_SCOPE]) }),
  ]);
}

/**
 * Checks a ceiling as a host wrote it, with the rules of a token's resources
 * (but no limit on how many). Returns the ceiling, or a `VALIDATION_FAILED`
 * refusal listing every issue (paths relative to the list, for example
 * `0.scopes.1`). Pure.
 */
export function checkCeiling(
  organization: string,
  raw: ReadonlyArray<RawResource>,
  catalog: ScopeCatalog,
): ParseResult<GrantCeiling> {
  const checked = validateResources(raw, { organization, catalog, maxRepositoryGrants: Number.MAX_SAFE_INTEGER });
  if (!checked.ok) return checked;
  return parsed(Object.freeze({ unlimited: false, organization, resources: checked.value }));
}

/**
 * Lists every (path, scope) of `requested` that `ceiling` does not cover, in
 * request order; empty when all are covered. Coverage follows the registry's
 * rules: an exact repository is covered by the same name or by `org/*`; a glob
 * only by the same glob; `*\/*\/public` only by itself; an organization scope
 * by the ceiling's organization scopes. A scope is covered when the ceiling
 * holds it or a scope that includes it (push covers pull). Pure.
 */
export function ceilingExcess(
  ceiling: GrantCeiling,
  requested: ReadonlyArray<Resource>,
  catalog: ScopeCatalog,
): ReadonlyArray<CeilingExcess> {
  if (ceiling.unlimited || requested.length === 0) return NOTHING_IN_EXCESS;
  // An empty ceiling (a manager who may grant nothing) compiles to nothing: compileGrants refuses an empty list.
  const grants =
    ceiling.resources.length === 0
      ? null
      : compileGrants(ceiling.organization, ceiling.resources, {
          catalog,
          maxRepositoryGrants: Number.MAX_SAFE_INTEGER,
        });
  // Globs and the public grant are covered only by the same path, so their masks are kept apart from the compiled
  // grants.
  const samePath = new Map<string, number>();
  for (const resource of ceiling.resources) {
    if (
      resource.type === 'repository' &&
      (resource.path === PUBLIC_REPOSITORIES_PATH || resource.path.endsWith('/*'))
    ) {
      let mask = samePath.get(resource.path) ?? 0;
      for (const scope of resource.scopes) mask |= catalog.closure(scope);
      samePath.set(resource.path, mask);
    }
  }
  const excess: CeilingExcess[] = [];
  for (const resource of requested) {
    for (const scope of resource.scopes) {
      // Ceiling masks are unions of closures, so holding a scope's own bit means holding all it includes.
      const covered =
        grants === null
          ? false
          : resource.type === 'organization'
            ? authorizeOrganization(grants, resource.path, scope).allowed
            : resource.path === PUBLIC_REPOSITORIES_PATH || resource.path.endsWith('/*')
              ? ((samePath.get(resource.path) ?? 0) & catalog.repositoryBit(scope)) !== 0
              : authorize(grants, { repository: resource.path, visibility: 'private' }, scope).allowed;
      if (!covered) excess.push(Object.freeze({ type: resource.type, path: resource.path, scope }));
    }
  }
  return Object.freeze(excess);
}
