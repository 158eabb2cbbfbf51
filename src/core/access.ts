import { foldAsciiCase } from './ids.js';

/** The permission that lets a custom role manage organization access tokens. */
export const MANAGE_TOKENS_PERMISSION = 'manage-organization-access-tokens';

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
}

/** Someone acting on an organization's tokens, as the host authenticated them. */
export interface Actor {
  /** Username; compared with owners after ASCII-only case folding, so look-alike letters never match. */
  readonly username: string;
  /** Permissions the host granted this actor on the organization in question (custom roles). */
  readonly permissions?: ReadonlyArray<string>;
}

/** The outcome of {@link canManageTokens}. */
export type ManagementDecision =
  | { readonly allowed: true; readonly via: 'organization-owner' | 'company-owner' | 'permission' }
  | { readonly allowed: false; readonly code: 'NOT_A_MANAGER'; readonly reason: string };

const includesName = (names: ReadonlyArray<string>, username: string): boolean => {
  const folded = foldAsciiCase(username);
  return names.some((n) => foldAsciiCase(n) === folded);
};

/**
 * Decides whether an actor may create, see, edit, deactivate or delete the
 * organization's tokens: organization owners, owners of its company, and
 * actors holding {@link MANAGE_TOKENS_PERMISSION}.
 *
 * @example
 * ```ts
 * canManageTokens({ username: 'alice' }, { name: 'acme', plan: 'team', owners: ['alice'] });
 * // { allowed: true, via: 'organization-owner' }
 * ```
 */
export function canManageTokens(actor: Actor, organization: OrganizationProfile): ManagementDecision {
  if (includesName(organization.owners, actor.username)) return { allowed: true, via: 'organization-owner' };
  if (organization.company && includesName(organization.company.owners, actor.username)) return { allowed: true, via: 'company-owner' };
  if (actor.permissions?.includes(MANAGE_TOKENS_PERMISSION)) return { allowed: true, via: 'permission' };
  return {
    allowed: false,
    code: 'NOT_A_MANAGER',
    reason: `"${actor.username}" is not an owner of "${organization.name}" or its company and lacks "${MANAGE_TOKENS_PERMISSION}"`,
  };
}

/** How the host identified the client presenting a token. */
export interface ClientContext {
  /** `docker-desktop` when the host recognises Docker Desktop; OATs are incompatible with it. */
  readonly kind?: 'docker-desktop' | 'cli' | 'other';
  /** Free-form user agent, for logs. */
  readonly userAgent?: string;
}

/** Why an organization or client cannot use organization tokens. */
export type IncompatibilityCode = 'IMAGE_ACCESS_MANAGEMENT' | 'REGISTRY_ACCESS_MANAGEMENT' | 'DOCKER_DESKTOP';

/** The outcome of {@link checkCompatibility}. */
export type CompatibilityDecision = { readonly allowed: true } | { readonly allowed: false; readonly code: IncompatibilityCode; readonly reason: string };

const COMPATIBLE: CompatibilityDecision = Object.freeze({ allowed: true });

/**
 * Decides whether organization tokens can be used by this organization and
 * client: not with Image Access Management, not with Registry Access
 * Management, not from Docker Desktop. Each refusal has its own code.
 */
export function checkCompatibility(organization: OrganizationProfile, client: ClientContext = {}): CompatibilityDecision {
  if (organization.imageAccessManagement === true) {
    return { allowed: false, code: 'IMAGE_ACCESS_MANAGEMENT', reason: 'organization access tokens cannot be used while Image Access Management is enforced' };
  }
  if (organization.registryAccessManagement === true) {
    return { allowed: false, code: 'REGISTRY_ACCESS_MANAGEMENT', reason: 'organization access tokens cannot be used while Registry Access Management is enforced' };
  }
  if (client.kind === 'docker-desktop') {
    return { allowed: false, code: 'DOCKER_DESKTOP', reason: 'organization access tokens are incompatible with Docker Desktop' };
  }
  return COMPATIBLE;
}
