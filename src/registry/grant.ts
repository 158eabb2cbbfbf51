import { authorize, reachesPublicRepositories, type CompiledGrants } from '../core/grants.js';
import type { RegistryScope } from './scope.js';

/** The repository actions a registry checks, in the order tokens list them. */
export const REGISTRY_ACTIONS = Object.freeze(['pull', 'push', 'delete'] as const);

/** One of {@link REGISTRY_ACTIONS}. */
export type RegistryAction = (typeof REGISTRY_ACTIONS)[number];

/** Whether anyone may pull a repository (`public`) or only those granted it (`private`). */
export type RepositoryVisibility = 'public' | 'private';

/**
 * The host's answer to "is this repository public?". Called at most once per
 * repository name per token request, and only when the answer can change
 * what is granted. Anything but `'public'` counts as private. A lookup that
 * throws or rejects is a fault: the request fails, nothing is granted.
 */
export type RepositoryVisibilityLookup = (name: string) => RepositoryVisibility | Promise<RepositoryVisibility>;

/**
 * What requests without credentials get: `public-pull` grants `pull` on
 * public repositories (as a public registry does), `none` grants nothing.
 */
export type AnonymousAccess = 'public-pull' | 'none';

/**
 * One entry of a registry token's `access` claim: the actions granted on one
 * repository. Field names are the ones distribution reads.
 */
export interface GrantedAccess {
  readonly type: 'repository';
  /** Resource class, only when the client asked with `repository(class)`. */
  readonly class?: string;
  readonly name: string;
  /** Never empty; a subset of what was asked, in {@link REGISTRY_ACTIONS} order. */
  readonly actions: ReadonlyArray<RegistryAction>;
}

/** Who asks: the compiled grants of an authenticated token, or `null` for an anonymous request. */
export type Requester = CompiledGrants | null;

/** Options of {@link grantScopes}. */
export interface GrantOptions {
  /** Default: every repository is private. */
  readonly repositoryVisibility?: RepositoryVisibilityLookup;
  /** Default `public-pull`. */
  readonly anonymous?: AnonymousAccess;
}

const REPOSITORY = 'repository';

/**
 * The registry actions a scope asks for: `*` stands for all of them; actions
 * this library does not know are dropped, so they can never be granted.
 */
export function requestedActions(scope: RegistryScope): ReadonlyArray<RegistryAction> {
  if (scope.actions.includes('*')) return REGISTRY_ACTIONS;
  return REGISTRY_ACTIONS.filter((action) => scope.actions.includes(action));
}

/**
 * Decides which of `actions` on repository `name` a requester gets, given the
 * repository's visibility. Pure: authenticated requesters get what
 * {@link authorize} allows; anonymous ones get `pull` on a public repository
 * under `public-pull`, nothing otherwise.
 */
export function decideActions(
  requester: Requester,
  name: string,
  actions: ReadonlyArray<RegistryAction>,
  visibility: RepositoryVisibility,
  anonymous: AnonymousAccess,
): ReadonlyArray<RegistryAction> {
  if (requester === null) {
    return anonymous === 'public-pull' && visibility === 'public' && actions.includes('pull') ? ['pull'] : [];
  }
  return actions.filter((action) => authorize(requester, { repository: name, visibility }, action).allowed);
}

/** Could knowing the repository is public grant more than `private` did? Avoids a lookup when it cannot. */
function publicMightHelp(
  requester: Requester,
  wanted: ReadonlyArray<RegistryAction>,
  granted: ReadonlyArray<RegistryAction>,
  anonymous: AnonymousAccess,
): boolean {
  if (granted.length === wanted.length) return false;
  if (requester === null) return anonymous === 'public-pull' && wanted.includes('pull');
  return reachesPublicRepositories(requester);
}

/**
 * Grants, for each requested repository scope, the subset of its actions the
 * requester may have. Scopes of other types (for example
 * `registry:catalog:*`) and actions other than pull, push and delete get
 * nothing. Scopes naming the same repository (and class) are merged into one
 * entry; repositories with nothing granted are left out. A denied scope is
 * not an error: the result may be empty.
 *
 * Invariant: every granted action was requested (directly or through `*`)
 * and is allowed by {@link authorize} for the repository's visibility.
 *
 * @example
 * ```ts
 * const access = await grantScopes(login.principal.grants, scopes, {
 *   repositoryVisibility: (name) => repos.visibility(name),
 * });
 * // [{ type: 'repository', name: 'acme/app', actions: ['pull', 'push'] }]
 * ```
 */
export async function grantScopes(
  requester: Requester,
  scopes: ReadonlyArray<RegistryScope>,
  options: GrantOptions = {},
): Promise<ReadonlyArray<GrantedAccess>> {
  const anonymous = options.anonymous ?? 'public-pull';
  const lookup = options.repositoryVisibility;
  const wantedByKey = new Map<
    string,
    { name: string; resourceClass: string | undefined; actions: Set<RegistryAction> }
  >();
  for (const scope of scopes) {
    if (scope.type !== REPOSITORY) continue;
    const key = `${scope.resourceClass ?? ''}\u0000${scope.name}`;
    let entry = wantedByKey.get(key);
    if (entry === undefined)
      wantedByKey.set(key, (entry = { name: scope.name, resourceClass: scope.resourceClass, actions: new Set() }));
    for (const action of requestedActions(scope)) entry.actions.add(action);
  }

  const visibilities = new Map<string, Promise<RepositoryVisibility>>();
  const visibilityOf = (name: string): Promise<RepositoryVisibility> => {
    let known = visibilities.get(name);
    if (known === undefined) {
      known =
        lookup === undefined
          ? Promise.resolve('private')
          : Promise.resolve(lookup(name)).then((v) => (v === 'public' ? 'public' : 'private'));
      visibilities.set(name, known);
    }
    return known;
  };

  const decided = await Promise.all(
    [...wantedByKey.values()].map(async ({ name, resourceClass, actions }) => {
      const wanted = REGISTRY_ACTIONS.filter((a) => actions.has(a));
      let granted = decideActions(requester, name, wanted, 'private', anonymous);
      if (publicMightHelp(requester, wanted, granted, anonymous) && (await visibilityOf(name)) === 'public') {
        granted = decideActions(requester, name, wanted, 'public', anonymous);
      }
      if (granted.length === 0) return null;
      const access: GrantedAccess = Object.freeze({
        type: REPOSITORY,
        ...(resourceClass === undefined ? {} : { class: resourceClass }),
        name,
        actions: Object.freeze([...granted]),
      });
      return access;
    }),
  );
  return Object.freeze(decided.filter((a): a is GrantedAccess => a !== null));
}
