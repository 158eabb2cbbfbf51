import type { FieldIssue } from '../errors.js';
import { foldAsciiCase } from './ids.js';
import { PULL_SCOPE, type ResourceKind, type ScopeCatalog } from './scopes.js';
import { PUBLIC_REPOSITORIES_PATH, type Resource } from './token.js';

/** A grant as a caller writes it, before validation (our shape or Docker Hub's `TYPE_REPO` / `TYPE_ORG`). */
export interface RawResource {
  readonly type: 'repository' | 'organization' | 'TYPE_REPO' | 'TYPE_ORG';
  readonly path: string;
  readonly scopes: ReadonlyArray<string>;
}

/** Limits that resource validation applies. */
export interface ResourceRules {
  /** The token's organization, lower case. */
  readonly organization: string;
  readonly catalog: ScopeCatalog;
  /** Most repository grants per token, not counting `*\/*\/public`. Docker Hub: 50. */
  readonly maxRepositoryGrants: number;
}

// One frozen array per distinct scope list, shared by every token holding it (bounded, so odd lists cannot grow it forever).
const SHARED_SCOPE_LISTS = new Map<string, ReadonlyArray<string>>();
const MAX_SHARED_SCOPE_LISTS = 1024;
function sharedScopeList(names: string[]): ReadonlyArray<string> {
  // NUL cannot occur in a scope name (see createScopeCatalog), so distinct lists never share a key.
  const key = names.join('\u0000');
  const known = SHARED_SCOPE_LISTS.get(key);
  if (known !== undefined) return known;
  const list = Object.freeze(names);
  if (SHARED_SCOPE_LISTS.size < MAX_SHARED_SCOPE_LISTS) SHARED_SCOPE_LISTS.set(key, list);
  return list;
}

const SEGMENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const KIND_OF_TYPE: Readonly<Record<RawResource['type'], ResourceKind>> = {
  repository: 'repository',
  TYPE_REPO: 'repository',
  organization: 'organization',
  TYPE_ORG: 'organization',
};

/**
 * Validates raw grants for a token of `rules.organization`: known scopes of
 * the right kind, paths inside the organization (or `*\/*\/public`, pull
 * only), no duplicates, at most `maxRepositoryGrants` repository grants.
 * Returns the canonical resources, or every issue found (paths relative to
 * the resources array, for example `1.scopes.0`).
 *
 * @example
 * ```ts
 * const checked = validateResources([{ type: 'TYPE_REPO', path: 'ACME/app', scopes: ['repo-pull'] }], {
 *   organization: 'acme',
 *   catalog: DEFAULT_SCOPE_CATALOG,
 *   maxRepositoryGrants: 50,
 * });
 * // { ok: true, resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }] }
 * ```
 */
export function validateResources(
  raw: ReadonlyArray<RawResource>,
  rules: ResourceRules,
): { readonly ok: true; readonly resources: ReadonlyArray<Resource> } | { readonly ok: false; readonly issues: ReadonlyArray<FieldIssue> } {
  const issues: FieldIssue[] = [];
  const resources: Resource[] = [];
  const seen = new Set<string>();
  let repositoryGrants = 0;
  const org = rules.organization;

  raw.forEach((item, i) => {
    const kind = KIND_OF_TYPE[item.type];
    const at = (field: string): string => `${i}.${field}`;
    const before = issues.length;

    const scopes: string[] = [];
    if (item.scopes.length === 0) issues.push({ path: at('scopes'), message: 'must list at least one scope' });
    item.scopes.forEach((s, j) => {
      const name = rules.catalog.canonical(s);
      if (name === undefined) issues.push({ path: at(`scopes.${j}`), message: `unknown scope ${JSON.stringify(s)}` });
      else if (rules.catalog.kindOf(name) !== kind) issues.push({ path: at(`scopes.${j}`), message: `scope ${JSON.stringify(s)} does not apply to ${kind} grants` });
      else if (!scopes.includes(name)) scopes.push(name);
    });

    const path = normalisePath(kind, item.path, org);
    if (typeof path === 'object') issues.push({ path: at('path'), message: path.message });
    else if (seen.has(`${kind}:${path}`)) issues.push({ path: at('path'), message: `"${path}" is granted more than once` });
    else if (path === PUBLIC_REPOSITORIES_PATH && scopes.some((s) => s !== PULL_SCOPE)) {
      issues.push({ path: at('scopes'), message: 'the public repositories grant allows pull only' });
    }

    if (issues.length > before || typeof path !== 'string') return;
    seen.add(`${kind}:${path}`);
    if (kind === 'repository' && path !== PUBLIC_REPOSITORIES_PATH) repositoryGrants++;
    const ordered = sharedScopeList(rules.catalog.definitions.filter((d) => scopes.includes(d.name)).map((d) => d.name));
    resources.push({ type: kind, path, scopes: ordered });
  });

  if (repositoryGrants > rules.maxRepositoryGrants) {
    issues.push({ path: '', message: `at most ${rules.maxRepositoryGrants} repository grants per token, got ${repositoryGrants}` });
  }
  // slice(): an array grown by push keeps spare capacity (17 slots for 5 grants) for its whole stored life.
  return issues.length > 0 ? { ok: false, issues } : { ok: true, resources: resources.slice() };
}

function normalisePath(kind: ResourceKind, raw: string, org: string): string | { message: string } {
  if (kind === 'organization') {
    return foldAsciiCase(raw) === org ? org : { message: `organization grants may only name the token's own organization "${org}"` };
  }
  if (raw === PUBLIC_REPOSITORIES_PATH) return raw;
  const slash = raw.indexOf('/');
  if (slash <= 0) return { message: 'must be "org/name", "org/*" or "*/*/public"' };
  const namespace = foldAsciiCase(raw.slice(0, slash));
  const name = raw.slice(slash + 1);
  if (namespace !== org) return { message: `repository grants must be inside the organization "${org}"` };
  if (name === '*') return raw === `${org}/*` ? raw : `${org}/*`;
  if (name.length === 0 || name.length > 255 || !name.split('/').every((segment) => SEGMENT.test(segment))) {
    return { message: 'repository name must be lower-case path segments of letters and digits separated by ".", "_", "__" or "-"' };
  }
  const canonical = `${org}/${name}`;
  // Keep the caller's string when it is already canonical: flat, where a concatenation is a tree of pieces.
  return raw === canonical ? raw : canonical;
}

/**
 * Grants compiled for decisions: exact repository names and namespaces map
 * to scope bit masks, so {@link authorize} is a few map lookups whatever the
 * number of grants. Build once per token with {@link compileGrants}.
 */
export interface CompiledGrants {
  readonly organization: string;
  readonly catalog: ScopeCatalog;
  /** Exact repository name to scope mask (inclusions applied), including what an `org/*` grant adds to that name. */
  readonly exact: ReadonlyMap<string, number>;
  /** Namespace (from `org/*`) to scope mask. */
  readonly namespaces: ReadonlyMap<string, number>;
  /** The same namespaces as `namespace/` prefixes when there are few (checked in place, no slice), else `null`. */
  readonly namespacePrefixes: ReadonlyArray<{ readonly prefix: string; readonly mask: number }> | null;
  /** Mask that applies to every public repository. */
  readonly publicMask: number;
  /** Management scopes on the organization. */
  readonly organizationMask: number;
}

// Up to this many `org/*` grants are checked as prefixes; beyond, one slice and a Map lookup win.
const MAX_PREFIX_SCAN = 4;

/**
 * Compiles validated resources once; decide many times with
 * {@link authorize}. The result is frozen and safe to cache per token.
 *
 * @example
 * ```ts
 * const grants = compileGrants('acme', token.resources, DEFAULT_SCOPE_CATALOG);
 * authorize(grants, { repository: 'acme/app' }, 'push'); // { allowed: true }
 * ```
 */
export function compileGrants(organization: string, resources: ReadonlyArray<Resource>, catalog: ScopeCatalog): CompiledGrants {
  const maskOf = (resource: Resource): number => {
    let mask = 0;
    for (const scope of resource.scopes) mask |= catalog.closure(scope);
    return mask;
  };
  // Globs first, so that each exact name can absorb the glob covering it as it is added.
  const namespaces = new Map<string, number>();
  for (const resource of resources) {
    if (resource.type === 'repository' && resource.path !== PUBLIC_REPOSITORIES_PATH && resource.path.endsWith('/*')) {
      const ns = resource.path.slice(0, -2);
      // An empty namespace ('/*') never passes validation; ignore it rather than let it match '/app'.
      if (ns.length > 0) namespaces.set(ns, (namespaces.get(ns) ?? 0) | maskOf(resource));
    }
  }
  const namespacePrefixes =
    namespaces.size <= MAX_PREFIX_SCAN ? Object.freeze([...namespaces].map(([ns, mask]) => Object.freeze({ prefix: `${ns}/`, mask }))) : null;
  const globs = { namespaces, namespacePrefixes };

  const exact = new Map<string, number>();
  let publicMask = 0;
  let organizationMask = 0;
  for (const resource of resources) {
    if (resource.type === 'organization') organizationMask |= maskOf(resource);
    else if (resource.path === PUBLIC_REPOSITORIES_PATH) publicMask |= maskOf(resource);
    else if (!resource.path.endsWith('/*')) {
      // An exact entry also holds what a glob adds to its name, so an exact hit decides alone.
      const covering = namespaces.size === 0 ? undefined : namespaceMask(globs, resource.path);
      exact.set(resource.path, (exact.get(resource.path) ?? 0) | maskOf(resource) | (covering ?? 0));
    }
  }
  return Object.freeze({ organization, catalog, exact, namespaces, namespacePrefixes, publicMask, organizationMask });
}

/** What a registry asks about: a repository and whether it is public. */
export interface RepositoryRequest {
  /** Full repository name, for example `acme/app`. */
  readonly repository: string;
  /** Default `private`. Only a public repository can be reached through `*\/*\/public`. */
  readonly visibility?: 'public' | 'private';
}

/** Why an authorization was denied. */
export type AuthorizationDenial = 'INVALID_REQUEST' | 'UNKNOWN_SCOPE' | 'NO_MATCHING_GRANT' | 'SCOPE_NOT_GRANTED';

/** The decision of {@link authorize}: allow, or deny with a reason. Shared frozen objects: compare by `allowed`. */
export type AuthorizationDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: AuthorizationDenial };

const ALLOW: AuthorizationDecision = Object.freeze({ allowed: true });
const deny = (reason: AuthorizationDenial): AuthorizationDecision => Object.freeze({ allowed: false, reason });
const INVALID_REQUEST = deny('INVALID_REQUEST');
const UNKNOWN_SCOPE = deny('UNKNOWN_SCOPE');
const NO_MATCHING_GRANT = deny('NO_MATCHING_GRANT');
const SCOPE_NOT_GRANTED = deny('SCOPE_NOT_GRANTED');

/**
 * Decides whether compiled grants allow `action` (a repository scope, its
 * alias, or a registry action `pull` / `push` / `delete`) on a repository.
 * Pure, allocation-free, and never scans the grants. A request without a
 * string `repository` is denied with `INVALID_REQUEST`, never thrown.
 *
 * @example
 * ```ts
 * authorize(grants, { repository: 'library/nginx', visibility: 'public' }, 'pull');
 * ```
 */
export function authorize(grants: CompiledGrants, request: RepositoryRequest, action: string): AuthorizationDecision {
  const repository = request?.repository;
  if (typeof repository !== 'string') return INVALID_REQUEST;
  const bit = grants.catalog.repositoryBit(action);
  if (bit === 0) return UNKNOWN_SCOPE;
  const publicMask = request.visibility === 'public' ? grants.publicMask : 0;
  const exact = grants.exact.get(repository);
  // `exact` already holds what a glob adds to the name, so an exact entry decides alone.
  if (exact !== undefined) return ((exact | publicMask) & bit) !== 0 ? ALLOW : SCOPE_NOT_GRANTED;
  const ns = namespaceMask(grants, repository);
  if (ns !== undefined) return ((ns | publicMask) & bit) !== 0 ? ALLOW : SCOPE_NOT_GRANTED;
  if (publicMask === 0) return NO_MATCHING_GRANT;
  return (publicMask & bit) !== 0 ? ALLOW : SCOPE_NOT_GRANTED;
}

/** The mask of the `org/*` grant covering `repository` (one non-empty segment after the namespace), if any. */
function namespaceMask(grants: Pick<CompiledGrants, 'namespaces' | 'namespacePrefixes'>, repository: string): number | undefined {
  const prefixes = grants.namespacePrefixes;
  // `== null`: grants built by hand (or by another copy of this package) may lack the prefix list.
  if (prefixes == null) {
    const slash = repository.lastIndexOf('/');
    return slash > 0 && slash < repository.length - 1 ? grants.namespaces.get(repository.slice(0, slash)) : undefined;
  }
  for (let i = 0; i < prefixes.length; i++) {
    const { prefix, mask } = prefixes[i] as { readonly prefix: string; readonly mask: number };
    if (repository.length > prefix.length && repository.startsWith(prefix) && repository.indexOf('/', prefix.length) === -1) return mask;
  }
  return undefined;
}

/** Decides whether compiled grants allow a management scope (for example `scope-member-read`) on `organization`. */
export function authorizeOrganization(grants: CompiledGrants, organization: string, scope: string): AuthorizationDecision {
  if (typeof organization !== 'string') return INVALID_REQUEST;
  const bit = grants.catalog.organizationBit(scope);
  if (bit === 0) return UNKNOWN_SCOPE;
  if (foldAsciiCase(organization) !== grants.organization || grants.organizationMask === 0) return NO_MATCHING_GRANT;
  return (grants.organizationMask & bit) !== 0 ? ALLOW : SCOPE_NOT_GRANTED;
}
