import type { OrganizationProfile } from '../core/access.js';
import { toOrganizationId, toOrganizationName } from '../core/ids.js';
import { OatError } from '../errors.js';
import type { OrganizationDirectory } from './ports.js';

/** A profile in a static list: `id` may be left out, and is then the name. */
export type StaticOrganizationProfile = Omit<OrganizationProfile, 'id'> & { readonly id?: string };

/**
 * An {@link OrganizationDirectory} over a fixed list of profiles, for tests,
 * examples and hosts whose organizations live in configuration.
 *
 * Invariant: a profile without `id` gets its lower-case name as id, so a
 * list written for 0.1 keeps its tokens; give an organization an explicit id
 * before renaming it, and a new id to any organization that takes a freed
 * name. Two profiles with the same name or the same id throw `MISCONFIGURED`.
 *
 * @example
 * ```ts
 * const organizations = createStaticOrganizationDirectory([
 *   { id: 'org-1', name: 'acme', plan: 'business', owners: ['alice'] },
 * ]);
 * ```
 */
export function createStaticOrganizationDirectory(
  profiles: ReadonlyArray<StaticOrganizationProfile>,
): OrganizationDirectory {
  const byName = new Map<string, OrganizationProfile>();
  const ids = new Set<string>();
  for (const profile of profiles) {
    const name = toOrganizationName(profile.name);
    if (name === null)
      throw new OatError('MISCONFIGURED', `"${profile.name}" is not a valid organization name`, {
        context: { field: 'name' },
      });
    const id = profile.id === undefined ? name : toOrganizationId(profile.id);
    if (id === null)
      throw new OatError('MISCONFIGURED', `The organization "${name}" has an invalid id`, {
        context: { field: 'id', organization: name },
      });
    if (byName.has(name) || ids.has(id)) {
      throw new OatError('MISCONFIGURED', `Two organizations share the name "${name}" or the id of "${name}"`, {
        context: { field: byName.has(name) ? 'name' : 'id', organization: name },
      });
    }
    ids.add(id);
    byName.set(name, Object.freeze({ ...profile, id }));
  }
  return Object.freeze({ get: (name: string) => byName.get(name) ?? null });
}
