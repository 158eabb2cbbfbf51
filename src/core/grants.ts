import { OatError, validationError, type FieldIssue } from '../errors.js';
import { foldAsciiCase, toOrganizationName, type OrganizationName } from './ids.js';
import { rebaseResources } from './identity.js';
import { rawResourceList, zodIssues } from './input-shapes.js';
import { invalid, parsed, type ParseResult } from './parse-result.js';
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

const NO_ISSUES: ReadonlyArray<FieldIssue> = Object.freeze([]);
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
 * // { ok: true, value: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }] }
 * ```
 */
export function validateResources(
  raw: ReadonlyArray<RawResource>,
  rules: ResourceRules,
): ParseResult<ReadonlyArray<Resource>> {
  const checked = resourceIssues(raw, rules);
  return checked.issues.length > 0 ? invalid('resources', checked.issues) : parsed(checked.resources);
}

/**
 * Internal: {@link validateResources}' checks, with the issues as found (not
 * yet scrubbed), so that a caller that nests them (`resources.1.path`) scrubs
 * once, with its policy's token prefix. `resources` is empty when there are
 * issues.
 */
export function resourceIssues(
  raw: ReadonlyArray<RawResource>,
  rules: ResourceRules,
): { readonly resources: ReadonlyArray<Resource>; readonly issues: ReadonlyArray<FieldIssue> } {
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
      else if (rules.catalog.kindOf(name) !== kind)
        issues.push({
          path: at(`scopes.${j}`),
          message: `scope ${JSON.stringify(s)} does not apply to ${kind} grants`,
        });
      else if (!scopes.includes(name)) scopes.push(name);
    });

    const path = normalisePath(kind, item.path, org);
    if (typeof path === 'object') issues.push({ path: at('path'), message: path.message });
    else if (seen.has(`${kind}:${path}`))
      issues.push({ path: at('path'), message: `"${path}" is granted more than once` });
    else if (path === PUBLIC_REPOSITORIES_PATH && scopes.some((s) => s !== PULL_SCOPE)) {
      issues.push({ path: at('scopes'), message: 'the public repositories grant allows pull only' });
    }

    if (issues.length > before || typeof path !== 'string') return;
    seen.add(`${kind}:${path}`);
    if (kind === 'repository' && path !== PUBLIC_REPOSITORIES_PATH) repositoryGrants++;
    const ordered = Object.freeze(rules.catalog.definitions.filter((d) => scopes.includes(d.name)).map((d) => d.name));
    resources.push({ type: kind, path, scopes: ordered });
  });

  if (repositoryGrants > rules.maxRepositoryGrants) {
    issues.push({
      path: '',
      message: `at most ${rules.maxRepositoryGrants} repository grants per token, got ${repositoryGrants}`,
    });
  }
  // slice(): an array grown by push keeps spare capacity (17 slots for 5 grants) for its whole stored life.
  return issues.length > 0 ? { resources: [], issues } : { resources: resources.slice(), issues: NO_ISSUES };
}

function normalisePath(kind: ResourceKind, raw: string, org: string): string | { message: string } {
  if (kind === 'organization') {
    return foldAsciiCase(raw) === org
      ? org
      : { message: `organization grants may only name the token's own organization "${org}"` };
  }
  if (raw === PUBLIC_REPOSITORIES_PATH) return raw;
  const slash = raw.indexOf('/');
  if (slash <= 0) return { message: 'must be "org/name", "org/*" or "*/*/public"' };
  const namespace = foldAsciiCase(raw.slice(0, slash));
  const name = raw.slice(slash + 1);
  if (namespace !== org) return { message: `repository grants must be inside the organization "${org}"` };
  if (name === '*') return raw === `${org}/*` ? raw : `${org}/*`;
  if (name.length === 0 || name.length > 255 || !name.split('/').every((segment) => SEGMENT.test(segment))) {
    return {
      message:
        'repository name must be lower-case path segments of letters and digits separated by ".", "_", "__" or "-"',
    };
  }
  const canonical = `${org}/${name}`;
  // Keep the caller's string when it is already canonical: flat, where a concatenation is a tree of pieces.
  return raw === canonical ? raw : canonical;
}

/**
 * What grant checks and compilation read from a policy: the catalog and the
 * repository grant limit. Every `TokenPolicy` is one; spelt out here, not
 * picked from `TokenPolicy`, so grants do not depend on the policy module.
 */
export interface GrantPolicy {
  readonly catalog: ScopeCatalog;
  /** Most repository grants per token, not counting `*\/*\/public`. */
  readonly maxRepositoryGrants: number;
}

type Checked =
  | { readonly ok: true; readonly resources: ReadonlyArray<Resource> }
  | { readonly ok: false; readonly issues: ReadonlyArray<FieldIssue> };

function checkGrants(organization: unknown, resources: unknown, policy: GrantPolicy): Checked {
  if (typeof organization !== 'string' || toOrganizationName(organization) !== organization) {
    return {
      ok: false,
      issues: Object.freeze([{ path: 'organization', message: 'must be an organization name in lower case' }]),
    };
  }
  // The create request's own rules: its list shape, then validateResources' checks with the policy's limits.
  const shape = rawResourceList.safeParse(resources);
  const checked = shape.success
    ? resourceIssues(shape.data, {
        organization,
        catalog: policy.catalog,
        maxRepositoryGrants: policy.maxRepositoryGrants,
      })
    : { resources: [], issues: zodIssues(shape.error) };
  if (checked.issues.length === 0) return { ok: true, resources: checked.resources };
  return {
    ok: false,
    issues: Object.freeze(
      checked.issues.map((i) =>
        Object.freeze({ path: i.path === '' ? 'resources' : `resources.${i.path}`, message: i.message }),
      ),
    ),
  };
}

/** The two settings, each read once, so that the limit checked is the limit compiled under. */
function policyOf(policy: unknown): GrantPolicy {
  const p = policy as Partial<GrantPolicy> | null | undefined;
  const catalog = p?.catalog;
  const maxRepositoryGrants = p?.maxRepositoryGrants;
  if (typeof catalog?.canonical !== 'function' || !Number.isInteger(maxRepositoryGrants)) {
    throw new OatError(
      'MISCONFIGURED',
      'Grants are checked and compiled under a policy (its catalog and maxRepositoryGrants), for example ' +
        'DEFAULT_POLICY',
      {
        context: { field: 'policy' },
      },
    );
  }
  return { catalog, maxRepositoryGrants: maxRepositoryGrants as number };
}

/**
 * Checks a stored token's grants with the rules a create request meets: the
 * list's shape, scopes that exist and are of the grant's kind, repository
 * paths inside `organization` (or `*\/*\/public`, pull only), organization
 * grants naming `organization`, no duplicates, at most
 * `policy.maxRepositoryGrants` repository grants. Returns every issue, with
 * paths into the record (`resources.1.scopes.0`; `organization` when the
 * organization itself is not a lower-case organization name), or an empty
 * frozen array when the grants are valid.
 *
 * Invariant: {@link compileGrants} compiles exactly the grants this finds no
 * issue with; a row edited by hand or tampered with in the database cannot
 * grant more than a create request could have. Pure and never throws on
 * malformed `resources` (any value gives issues); throws `MISCONFIGURED` only
 * when `policy` is not a policy.
 *
 * @example
 * ```ts
 * const issues = checkStoredResources(record.organization, record.resources, DEFAULT_POLICY);
 * if (issues.length > 0) log.warn({ tokenId: record.id, issues }, 'token grants refused');
 * ```
 */
export function checkStoredResources(
  organization: string,
  resources: unknown,
  policy: GrantPolicy,
): ReadonlyArray<FieldIssue> {
  const checked = checkGrants(organization, resources, policyOf(policy));
  return checked.ok ? NO_ISSUES : checked.issues;
}

/** The private state of {@link CompiledGrants}: masks with inclusions applied. */
interface GrantState {
  readonly catalog: ScopeCatalog;
  /** Exact repository name to scope mask, including what the `org/*` grant adds to that name. */
  readonly exact: ReadonlyMap<string, number>;
  /** `org/`: a valid token's only glob is its own organization's. */
  readonly globPrefix: string;
  /** Mask of the `org/*` grant; 0 when there is none. */
  readonly globMask: number;
  readonly publicMask: number;
  readonly organizationMask: number;
}

// Only compileGrants may construct: the key stays in this module.
const CONSTRUCT = Symbol('compileGrants');
let stateOf: (grants: unknown) => GrantState | undefined;

/**
 * Grants compiled for decisions by {@link compileGrants}: an opaque, frozen
 * handle that {@link authorize} and {@link authorizeOrganization} read in a
 * few lookups whatever the number of grants.
 *
 * Invariant: nothing outside this module can read or change the compiled
 * masks; they live in a private field, no `Map` is ever handed out, and the
 * instance, its class and its prototype are frozen. Only `compileGrants`
 * makes one, from grants {@link checkStoredResources} accepts. Safe to cache
 * per token and share between concurrent requests.
 */
export class CompiledGrants {
  /** The token's organization, lower case. */
  readonly organization: string;
  readonly #state: GrantState;

  /** Not for callers: use {@link compileGrants}. */
  constructor(key: symbol, organization: string, state: GrantState) {
    if (key !== CONSTRUCT)
      throw new OatError('MISCONFIGURED', 'Compiled grants come from compileGrants only', {
        context: { field: 'grants' },
      });
    this.organization = organization;
    this.#state = state;
    Object.freeze(this);
  }

  static {
    // A brand check, not duck typing: look-alike objects and grants of another copy of the package are refused.
    stateOf = (grants) =>
      typeof grants === 'object' && grants !== null && #state in grants ? grants.#state : undefined;
  }
}
Object.freeze(CompiledGrants.prototype);
Object.freeze(CompiledGrants);

/**
 * Internal (the registry's scope grants; not on the entry): whether the grants
 * include `*\/*\/public`, the only case where a repository's visibility can
 * change a decision, so the registry asks for it only then. False for
 * anything not made by {@link compileGrants}.
 */
export function reachesPublicRepositories(grants: CompiledGrants): boolean {
  return (stateOf(grants)?.publicMask ?? 0) !== 0;
}

/** True when `value` was made by {@link compileGrants} (in this copy of the package). */
export function isCompiledGrants(value: unknown): value is CompiledGrants {
  return stateOf(value) !== undefined;
}

/**
 * Checks, then compiles a token's grants once; decide many times with
 * {@link authorize}. Throws `VALIDATION_FAILED` listing what
 * {@link checkStoredResources} reports when the grants are not ones a create
 * request could have made (a hand-edited or tampered row, another
 * organization's repository, a scope of the wrong kind): such grants are
 * never compiled, not even in part. `MISCONFIGURED` when `policy` is not a
 * policy.
 *
 * @example
 * ```ts
 * const grants = compileGrants('acme', token.resources, DEFAULT_POLICY);
 * authorize(grants, { repository: 'acme/app' }, 'push'); // { allowed: true }
 * ```
 */
export function compileGrants(
  organization: string,
  resources: ReadonlyArray<Resource>,
  policy: GrantPolicy,
): CompiledGrants {
  const rules = policyOf(policy);
  const checked = checkGrants(organization, resources, rules);
  if (!checked.ok) throw validationError('grants', checked.issues);
  return compileChecked(organization, checked.resources, rules.catalog);
}

/**
 * Internal (the login path): checks a stored token's grants under the name
 * it was created with, as {@link checkStoredResources} does, and compiles the
 * checked grants under the organization's current `name`, rebased. One check
 * per compile: checking the rebased grants again would add nothing, and
 * checking only those would let a row holding another organization's
 * repository pass once its namespace is rewritten.
 */
export function compileStoredGrants(
  stored: string,
  resources: ReadonlyArray<Resource>,
  policy: GrantPolicy,
  name: OrganizationName,
): ParseResult<CompiledGrants> {
  const rules = policyOf(policy);
  const checked = checkGrants(stored, resources, rules);
  if (!checked.ok) return invalid('stored grants', checked.issues);
  return parsed(compileChecked(name, rebaseResources(checked.resources, name), rules.catalog));
}

/** Compiles grants already checked for `organization` (canonical scopes, paths inside it). */
function compileChecked(
  organization: string,
  resources: ReadonlyArray<Resource>,
  catalog: ScopeCatalog,
): CompiledGrants {
  const maskOf = (resource: Resource): number => {
    let mask = 0;
    for (const scope of resource.scopes) mask |= catalog.closure(scope);
    return mask;
  };
  const glob = `${organization}/*`;
  let globMask = 0;
  let publicMask = 0;
  let organizationMask = 0;
  for (const resource of resources) {
    if (resource.type === 'organization') organizationMask |= maskOf(resource);
    else if (resource.path === PUBLIC_REPOSITORIES_PATH) publicMask |= maskOf(resource);
    else if (resource.path === glob) globMask |= maskOf(resource);
  }
  const exact = new Map<string, number>();
  for (const resource of resources) {
    if (resource.type === 'repository' && resource.path !== PUBLIC_REPOSITORIES_PATH && resource.path !== glob) {
      // An exact entry also holds what the glob adds to its name, so an exact hit decides alone.
      const covered = resource.path.indexOf('/', organization.length + 1) === -1;
      exact.set(resource.path, maskOf(resource) | (covered ? globMask : 0));
    }
  }
  const state: GrantState = Object.freeze({
    catalog,
    exact,
    globPrefix: `${organization}/`,
    globMask,
    publicMask,
    organizationMask,
  });
  return new CompiledGrants(CONSTRUCT, organization, state);
}

/** What a registry asks about: a repository and whether it is public. */
export interface RepositoryRequest {
  /** Full repository name, for example `acme/app`. */
  readonly repository: string;
  /** Default `private`. Only a public repository can be reached through `*\/*\/public`. */
  readonly visibility?: 'public' | 'private';
}

/**
 * Every reason {@link authorize} and {@link authorizeOrganization} deny; a closed list, so a switch over it is
 * exhaustive.
 */
export const AUTHORIZATION_DENIAL_CODES = Object.freeze([
  'INVALID_REQUEST',
  'UNKNOWN_SCOPE',
  'NO_MATCHING_GRANT',
  'SCOPE_NOT_GRANTED',
] as const);

/** Why an authorization was denied. */
export type AuthorizationDenialCode = (typeof AUTHORIZATION_DENIAL_CODES)[number];

/**
 * The decision of {@link authorize}: allow, or deny with a code. No message:
 * it is the hot path, and the code says it all. Shared frozen objects:
 * compare by `allowed`.
 */
export type AuthorizationDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: AuthorizationDenialCode };

const ALLOW: AuthorizationDecision = Object.freeze({ allowed: true });
const deny = (code: AuthorizationDenialCode): AuthorizationDecision => Object.freeze({ allowed: false, code });
const INVALID_REQUEST = deny('INVALID_REQUEST');
const UNKNOWN_SCOPE = deny('UNKNOWN_SCOPE');
const NO_MATCHING_GRANT = deny('NO_MATCHING_GRANT');
const SCOPE_NOT_GRANTED = deny('SCOPE_NOT_GRANTED');

function notCompiled(): OatError {
  return validationError('authorization', [{ path: 'grants', message: 'must be compiled by compileGrants' }]);
}

/**
 * Decides whether compiled grants allow `action` (a repository scope, its
 * alias, or a registry action `pull` / `push` / `delete`) on a repository.
 * Pure, allocation-free, and never scans the grants. A request without a
 * string `repository` is denied with `INVALID_REQUEST`, never thrown; grants
 * not made by {@link compileGrants} throw `VALIDATION_FAILED` (misuse).
 *
 * @example
 * ```ts
 * authorize(grants, { repository: 'library/nginx', visibility: 'public' }, 'pull');
 * ```
 */
export function authorize(grants: CompiledGrants, request: RepositoryRequest, action: string): AuthorizationDecision {
  const s = stateOf(grants);
  if (s === undefined) throw notCompiled();
  const repository = request?.repository;
  if (typeof repository !== 'string') return INVALID_REQUEST;
  const bit = s.catalog.repositoryBit(action);
  if (bit === 0) return UNKNOWN_SCOPE;
  const publicMask = request.visibility === 'public' ? s.publicMask : 0;
  const exact = s.exact.get(repository);
  // `exact` already holds what the glob adds to the name, so an exact entry decides alone.
  if (exact !== undefined) return ((exact | publicMask) & bit) !== 0 ? ALLOW : SCOPE_NOT_GRANTED;
  // `org/*` covers one non-empty segment after `org/`, checked in place (no slice).
  const prefix = s.globPrefix;
  if (
    s.globMask !== 0 &&
    repository.length > prefix.length &&
    repository.startsWith(prefix) &&
    repository.indexOf('/', prefix.length) === -1
  ) {
    return ((s.globMask | publicMask) & bit) !== 0 ? ALLOW : SCOPE_NOT_GRANTED;
  }
  if (publicMask === 0) return NO_MATCHING_GRANT;
  return (publicMask & bit) !== 0 ? ALLOW : SCOPE_NOT_GRANTED;
}

/**
 * Decides whether compiled grants allow a management scope (for example
 * `scope-member-read`) on `organization`. Grants not made by
 * {@link compileGrants} throw `VALIDATION_FAILED`.
 */
export function authorizeOrganization(
  grants: CompiledGrants,
  organization: string,
  scope: string,
): AuthorizationDecision {
  const s = stateOf(grants);
  if (s === undefined) throw notCompiled();
  if (typeof organization !== 'string') return INVALID_REQUEST;
  const bit = s.catalog.organizationBit(scope);
  if (bit === 0) return UNKNOWN_SCOPE;
  if (foldAsciiCase(organization) !== grants.organization || s.organizationMask === 0) return NO_MATCHING_GRANT;
  return (s.organizationMask & bit) !== 0 ? ALLOW : SCOPE_NOT_GRANTED;
}
