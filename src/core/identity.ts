import type { OrganizationName } from './ids.js';
import { freezeRecord, PUBLIC_REPOSITORIES_PATH, type AccessTokenRecord, type Resource } from './token.js';

/**
 * Every reason {@link checkOwnership} denies. Both are about one question
 * (does this token belong to the organization the name resolves to?), so
 * they share one list: nobody holds the name, or someone else does.
 */
export const OWNERSHIP_DENIAL_CODES = Object.freeze(['ORGANIZATION_UNKNOWN', 'ORG_MISMATCH'] as const);

/** Why a token does not belong to the organization a login or request named. */
export type OwnershipDenialCode = (typeof OWNERSHIP_DENIAL_CODES)[number];

/** The outcome of {@link checkOwnership}. */
export type OwnershipDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: OwnershipDenialCode };

const OWNED: OwnershipDecision = Object.freeze({ allowed: true });
const UNKNOWN: OwnershipDecision = Object.freeze({ allowed: false, code: 'ORGANIZATION_UNKNOWN' });
const MISMATCH: OwnershipDecision = Object.freeze({ allowed: false, code: 'ORG_MISMATCH' });

/**
 * Decides whether a token belongs to the organization that `name` resolved
 * to (`profile`, or `null` when no organization holds the name):
 * `ORG_MISMATCH` when the profile's id is not the token's `organizationId`;
 * with no profile, `ORGANIZATION_UNKNOWN` when `name` is the one the token
 * was created under (its organization left or was renamed) and
 * `ORG_MISMATCH` otherwise. The codes are for logs; both deny.
 *
 * Invariant: only the id decides. A token created under a name keeps working
 * after the organization is renamed (same id), and never works for a new
 * organization that takes the freed name (another id). Ids compare exactly:
 * no case folding, since the host chose them.
 *
 * @example
 * ```ts
 * const holder = { id: 'org-2', name: 'acme', plan: 'team', owners: [] };
 * checkOwnership({ organizationId: 'org-1', organization: 'acme' }, 'acme', holder);
 * // { allowed: false, code: 'ORG_MISMATCH' }
 * ```
 */
export function checkOwnership(
  token: Pick<AccessTokenRecord, 'organizationId' | 'organization'>,
  name: string,
  profile: { readonly id: string } | null,
): OwnershipDecision {
  if (profile === null) return name === token.organization ? UNKNOWN : MISMATCH;
  return profile.id === token.organizationId ? OWNED : MISMATCH;
}

/** The path of one grant under `name`: the namespace (first segment) of a repository path becomes `name`. */
function rebasePath(resource: Resource, name: OrganizationName): string {
  if (resource.type === 'organization') return name;
  if (resource.path === PUBLIC_REPOSITORIES_PATH) return resource.path;
  const slash = resource.path.indexOf('/');
  // Validation put every other repository path inside the organization: `<name at the time>/<rest>`.
  return slash < 0 ? resource.path : `${name}${resource.path.slice(slash)}`;
}

/**
 * The grants of a token as they read under the organization's current name:
 * `old/app` becomes `name/app`, `old/*` becomes `name/*`, the organization
 * grant names `name`; `*\/*\/public` is kept.
 *
 * Why a rewrite rather than relative paths in storage: validation keeps every
 * repository grant inside the organization, so the first segment of a stored
 * path always names this organization, under whatever name it had when the
 * grant was written. Rewriting it at compile time makes a rename follow with
 * no data migration, keeps stored rows in Docker Hub's shape, and is right
 * after any number of renames. Pure; returns `resources` itself (no copy)
 * when every path already reads under `name`.
 */
export function rebaseResources(resources: ReadonlyArray<Resource>, name: OrganizationName): ReadonlyArray<Resource> {
  let changed: Resource[] | null = null;
  for (let i = 0; i < resources.length; i++) {
    const resource = resources[i] as Resource;
    const path = rebasePath(resource, name);
    if (path === resource.path && changed === null) continue;
    changed ??= resources.slice(0, i);
    changed.push(path === resource.path ? resource : { ...resource, path });
  }
  return changed ?? resources;
}

/**
 * A record as the service hands it out under the organization's current
 * name: `organization` is `name` and the grants are rebased
 * ({@link rebaseResources}). Returns `record` itself when nothing changes;
 * otherwise a new deeply frozen record (the stored one is never touched).
 */
export function presentRecord(record: AccessTokenRecord, name: OrganizationName): AccessTokenRecord {
  const resources = rebaseResources(record.resources, name);
  if (record.organization === name && resources === record.resources) return record;
  return freezeRecord({
    ...record,
    organization: name,
    resources: resources.map((r) => ({ ...r, scopes: [...r.scopes] })),
  });
}
