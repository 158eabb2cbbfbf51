import type { OrganizationProfile } from '../core/access.js';
import { toOrganizationName } from '../core/ids.js';
import { OatError } from '../errors.js';
import type { OrganizationDirectory } from './ports.js';

/**
 * An {@link OrganizationDirectory} over a fixed list of profiles, for tests,
 * examples and hosts whose organizations live in configuration.
 *
 * @example
 * ```ts
 * const organizations = createStaticOrganizationDirectory([{ name: 'acme', plan: 'business', owners: ['alice'] }]);
 * ```
 */
export function createStaticOrganizationDirectory(profiles: ReadonlyArray<OrganizationProfile>): OrganizationDirectory {
  const byName = new Map<string, OrganizationProfile>();
  for (const profile of profiles) {
    const name = toOrganizationName(profile.name);
    if (name === null) throw new OatError('MISCONFIGURED', `"${profile.name}" is not a valid organization name`, { context: { field: 'name' } });
    byName.set(name, Object.freeze({ ...profile }));
  }
  return Object.freeze({ get: (name: string) => byName.get(name) ?? null });
}
