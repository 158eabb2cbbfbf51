import type { OrganizationProfile } from '../core/access.js';
import { toOrganizationName } from '../core/ids.js';
import { isTokenLifetimeDays } from '../core/lifetime.js';
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

const isStringArray = (value: unknown): value is ReadonlyArray<string> => Array.isArray(value) && value.every((v) => typeof v === 'string');

const RESOURCE_TYPES: ReadonlyArray<unknown> = ['repository', 'organization', 'TYPE_REPO', 'TYPE_ORG'];
const isRawResource = (value: unknown): boolean => {
  const r = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return RESOURCE_TYPES.includes(r.type) && typeof r.path === 'string' && isStringArray(r.scopes);
};

/**
 * Checks what a host's directory returned before any rule reads it: `null`,
 * or a profile with a string `name` and `plan`, `owners` as strings, a
 * well-formed `company` if any, and `tokenManagers` with usernames (and
 * ceilings shaped like resources) if any, and a `maxTokenLifetimeDays` of 1
 * to 366 or `null` if any. Anything else is the host's fault, reported
 * as `DIRECTORY_FAILURE` naming each bad field, never a `TypeError` later.
 */
export function checkProfile(profile: unknown): OrganizationProfile | null {
  if (profile === null) return null;
  const p = (typeof profile === 'object' ? profile : {}) as Record<string, unknown>;
  const bad: string[] = [];
  if (typeof profile !== 'object') bad.push('(profile)');
  if (typeof p.name !== 'string') bad.push('name');
  if (typeof p.plan !== 'string') bad.push('plan');
  if (!isStringArray(p.owners)) bad.push('owners');
  const company = p.company as Record<string, unknown> | null | undefined;
  if (company !== undefined && company !== null && (typeof company !== 'object' || typeof company.name !== 'string' || !isStringArray(company.owners))) bad.push('company');
  for (const flag of ['imageAccessManagement', 'registryAccessManagement']) if (p[flag] !== undefined && typeof p[flag] !== 'boolean') bad.push(flag);
  if (p.maxTokenLifetimeDays !== undefined && p.maxTokenLifetimeDays !== null && !isTokenLifetimeDays(p.maxTokenLifetimeDays)) bad.push('maxTokenLifetimeDays');
  if (p.tokenManagers !== undefined) {
    if (!Array.isArray(p.tokenManagers)) bad.push('tokenManagers');
    else {
      (p.tokenManagers as unknown[]).forEach((m, i) => {
        const manager = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
        if (typeof manager.username !== 'string' || manager.username.length === 0) bad.push(`tokenManagers.${i}.username`);
        if (manager.ceiling !== undefined && !(Array.isArray(manager.ceiling) && manager.ceiling.every(isRawResource))) bad.push(`tokenManagers.${i}.ceiling`);
      });
    }
  }
  if (bad.length > 0) {
    throw new OatError('DIRECTORY_FAILURE', `The organization directory returned a malformed profile (${bad.join(', ')})`, {
      fields: bad.map((path) => ({ path, message: 'is missing or has the wrong type' })),
    });
  }
  return profile as OrganizationProfile;
}
