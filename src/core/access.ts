import { OatError } from '../errors.js';
import { checkCeiling, defaultManagerCeiling, UNLIMITED_CEILING, type GrantCeiling } from './ceiling.js';
import type { RawResource } from './grants.js';
import { foldAsciiCase } from './ids.js';
import { DEFAULT_SCOPE_CATALOG, type ScopeCatalog } from './scopes.js';

/**
 * Docker Hub's name for the custom-role permission that lets a member manage
 * organization access tokens. The library never reads it from an actor: a
 * host lists the members holding it in one organization as that
 * organization's {@link OrganizationProfile.tokenManagers}.
 */
export const MANAGE_TOKENS_PERMISSION = 'manage-organization-access-tokens';

/** A member who holds {@link MANAGE_TOKENS_PERMISSION} in one organization (through a custom role). */
export interface TokenManager {
  /** Username; compared after ASCII-only case folding, like owners. */
  readonly username: string;
  /**
   * The most this manager may grant, written like a token's resources. When
   * absent, pull on `<org>/*` and on public repositories only (see
   * `defaultManagerCeiling`): the custom role lets someone manage tokens, not
   * hand out push, delete or organization scopes.
   */
  readonly ceiling?: ReadonlyArray<RawResource>;
}

/**
 * What the host application knows about an organization. The library reads it
 * through the `OrganizationDirectory` port and never keeps its own copy.
 */
export interface OrganizationProfile {
  /**
   * The organization's stable id (see `toOrganizationId`): tokens belong to it.
   * Never reused for another organization, and kept through a rename.
   */
  readonly id: string;
  /** Organization name (compared with ASCII-only case folding). */
  readonly name: string;
  /** Plan name, looked up in the plan table (for example `team`, `business`). */
  readonly plan: string;
  /** Usernames of the organization's owners. */
  readonly owners: ReadonlyArray<string>;
  /** The company the organization belongs to, if any. */
  readonly company?: { readonly name: string; readonly owners: ReadonlyArray<string> } | null;
  /** Image Access Management enforced: organization tokens cannot be used. */
  readonly imageAccessManagement?: boolean;
  /** Registry Access Management enforced: organization tokens cannot be used (as the seed says). */
  readonly registryAccessManagement?: boolean;
  /**
   * Members holding {@link MANAGE_TOKENS_PERMISSION} in this organization, and
   * only here: the right never carries over to another organization.
   */
  readonly tokenManagers?: ReadonlyArray<TokenManager>;
  /**
   * Longest lifetime of this organization's tokens, in whole days from 1 to
   * 366: creation then requires an expiry within it, and a login with a token
   * older than it is refused (`LIFETIME_EXCEEDED`). `null`: no cap; absent:
   * the policy's `maxTokenLifetimeDays`.
   */
  readonly maxTokenLifetimeDays?: number | null;
}

/**
 * Someone acting on an organization's tokens, as the host authenticated them.
 * It names a person and nothing more: what the person may do is asked of each
 * organization's profile, so no field here can grant rights everywhere.
 */
export interface Actor {
  /** Username; compared with owners after ASCII-only case folding, so look-alike letters never match. */
  readonly username: string;
}

/** Why an actor may manage an organization's tokens. */
export type ManagerRole = 'organization-owner' | 'company-owner' | 'token-manager';

/** Why {@link canManageTokens} refuses; a closed list, so a switch over it is exhaustive. */
export const MANAGE_TOKENS_DENIAL_CODES = Object.freeze(['NOT_A_MANAGER'] as const);

/** Why {@link canManageTokens} refuses. */
export type ManageTokensDenialCode = (typeof MANAGE_TOKENS_DENIAL_CODES)[number];

/** The outcome of {@link canManageTokens}: the role and ceiling, or a code and a sentence for humans. */
export type ManagementDecision =
  | { readonly allowed: true; readonly via: ManagerRole; readonly ceiling: GrantCeiling }
  | { readonly allowed: false; readonly code: ManageTokensDenialCode; readonly message: string };

const includesName = (names: ReadonlyArray<string>, username: string): boolean => {
  const folded = foldAsciiCase(username);
  return names.some((n) => foldAsciiCase(n) === folded);
};

/**
 * Decides whether an actor may create, see, edit, deactivate or delete one
 * organization's tokens: its owners, owners of its company, and its
 * {@link OrganizationProfile.tokenManagers}, in that order. Pure; the answer
 * is about this organization only. An allowed decision carries the actor's
 * grant ceiling there: unlimited for owners and company owners, the stated
 * or default ceiling for a token manager. Throws `DIRECTORY_FAILURE` naming
 * the field when a stated ceiling is not valid for `catalog`.
 *
 * @example
 * ```ts
 * canManageTokens({ username: 'alice' }, { name: 'acme', plan: 'team', owners: ['alice'] });
 * // { allowed: true, via: 'organization-owner', ceiling: { unlimited: true } }
 * ```
 */
export function canManageTokens(
  actor: Actor,
  organization: OrganizationProfile,
  catalog: ScopeCatalog = DEFAULT_SCOPE_CATALOG,
): ManagementDecision {
  if (includesName(organization.owners, actor.username))
    return { allowed: true, via: 'organization-owner', ceiling: UNLIMITED_CEILING };
  if (organization.company && includesName(organization.company.owners, actor.username))
    return { allowed: true, via: 'company-owner', ceiling: UNLIMITED_CEILING };
  const managers = organization.tokenManagers ?? [];
  const index = managers.findIndex((m) => includesName([m.username], actor.username));
  if (index >= 0) {
    const org = foldAsciiCase(organization.name);
    const checked = checkCeiling(org, managers[index]?.ceiling ?? defaultManagerCeiling(org), catalog);
    if (!checked.ok) {
      throw new OatError(
        'DIRECTORY_FAILURE',
        `The organization directory gave "${organization.name}" a malformed ceiling`,
        {
          fields: checked.fields.map((issue) => ({
            path: `tokenManagers.${index}.ceiling${issue.path === '' ? '' : `.${issue.path}`}`,
            message: issue.message,
          })),
        },
      );
    }
    return { allowed: true, via: 'token-manager', ceiling: checked.value };
  }
  return {
    allowed: false,
    code: 'NOT_A_MANAGER',
    message:
      `"${actor.username}" is not an owner of "${organization.name}" or its company and lacks ` +
      `"${MANAGE_TOKENS_PERMISSION}" there`,
  };
}

/** How the host identified the client presenting a token. */
export interface ClientContext {
  /** `docker-desktop` when the host recognises Docker Desktop; OATs are incompatible with it. */
  readonly kind?: 'docker-desktop' | 'cli' | 'other';
  /** Free-form user agent, for logs. */
  readonly userAgent?: string;
  /**
   * The client's IP address as the host resolved it (the socket's, or a
   * trusted proxy's `X-Forwarded-For`); absent when unknown, which a token
   * with allowed networks refuses. Failed logins are rate-limited per
   * address. Never a secret.
   */
  readonly address?: string;
}

/**
 * Every reason an organization or client cannot use organization tokens, in the order {@link checkCompatibility} checks
 * them.
 */
export const INCOMPATIBILITY_CODES = Object.freeze([
  'IMAGE_ACCESS_MANAGEMENT',
  'REGISTRY_ACCESS_MANAGEMENT',
  'DOCKER_DESKTOP',
] as const);

/** Why an organization or client cannot use organization tokens. */
export type IncompatibilityCode = (typeof INCOMPATIBILITY_CODES)[number];

/** The outcome of {@link checkCompatibility}: allowed, or a code and a sentence for humans. */
export type CompatibilityDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: IncompatibilityCode; readonly message: string };

const COMPATIBLE: CompatibilityDecision = Object.freeze({ allowed: true });

/**
 * Decides whether organization tokens can be used by this organization and
 * client: not with Image Access Management, not with Registry Access
 * Management, not from Docker Desktop. Each refusal has its own code.
 */
export function checkCompatibility(
  organization: OrganizationProfile,
  client: ClientContext = {},
): CompatibilityDecision {
  if (organization.imageAccessManagement === true) {
    return {
      allowed: false,
      code: 'IMAGE_ACCESS_MANAGEMENT',
      message: 'organization access tokens cannot be used while Image Access Management is enforced',
    };
  }
  if (organization.registryAccessManagement === true) {
    return {
      allowed: false,
      code: 'REGISTRY_ACCESS_MANAGEMENT',
      message: 'organization access tokens cannot be used while Registry Access Management is enforced',
    };
  }
  if (client.kind === 'docker-desktop') {
    return {
      allowed: false,
      code: 'DOCKER_DESKTOP',
      message: 'organization access tokens are incompatible with Docker Desktop',
    };
  }
  return COMPATIBLE;
}
