import type { OrganizationProfile } from '../core/access.js';
import { foldAsciiCase, toOrganizationId, type OrganizationName } from '../core/ids.js';
import { isTokenLifetimeDays } from '../core/lifetime.js';
import { OatError } from '../errors.js';

// What the service checks in a directory's answer before any rule reads it. The directory is the host's code: what
// it returns is trusted no more than a request is.

const isStringArray = (value: unknown): value is ReadonlyArray<string> =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');

const RESOURCE_TYPES: ReadonlyArray<unknown> = ['repository', 'organization', 'TYPE_REPO', 'TYPE_ORG'];
const isRawResource = (value: unknown): boolean => {
  const r = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return RESOURCE_TYPES.includes(r.type) && typeof r.path === 'string' && isStringArray(r.scopes);
};

/**
 * Checks what a host's directory returned before any rule reads it: `null`,
 * or a profile with an organization `id` (see `toOrganizationId`), a string `name` and `plan`, `owners` as strings, a
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
  if (toOrganizationId(p.id) === null) bad.push('id');
  if (typeof p.name !== 'string') bad.push('name');
  if (typeof p.plan !== 'string') bad.push('plan');
  if (!isStringArray(p.owners)) bad.push('owners');
  const company = p.company as Record<string, unknown> | null | undefined;
  if (
    company !== undefined &&
    company !== null &&
    (typeof company !== 'object' || typeof company.name !== 'string' || !isStringArray(company.owners))
  )
    bad.push('company');
  for (const flag of ['imageAccessManagement', 'registryAccessManagement'])
    if (p[flag] !== undefined && typeof p[flag] !== 'boolean') bad.push(flag);
  if (
    p.maxTokenLifetimeDays !== undefined &&
    p.maxTokenLifetimeDays !== null &&
    !isTokenLifetimeDays(p.maxTokenLifetimeDays)
  )
    bad.push('maxTokenLifetimeDays');
  if (p.tokenManagers !== undefined) {
    if (!Array.isArray(p.tokenManagers)) bad.push('tokenManagers');
    else {
      (p.tokenManagers as unknown[]).forEach((m, i) => {
        const manager = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
        if (typeof manager.username !== 'string' || manager.username.length === 0)
          bad.push(`tokenManagers.${i}.username`);
        if (manager.ceiling !== undefined && !(Array.isArray(manager.ceiling) && manager.ceiling.every(isRawResource)))
          bad.push(`tokenManagers.${i}.ceiling`);
      });
    }
  }
  if (bad.length > 0) {
    throw new OatError(
      'DIRECTORY_FAILURE',
      `The organization directory returned a malformed profile (${bad.join(', ')})`,
      {
        fields: bad.map((path) => ({ path, message: 'is missing or has the wrong type' })),
      },
    );
  }
  return profile as OrganizationProfile;
}

/** True when the directory answered for the name it was asked about (ASCII case aside). */
export function profileNamed(profile: OrganizationProfile, name: OrganizationName): boolean {
  return profile.name === name || foldAsciiCase(profile.name) === name;
}

/** The fault of a directory that answers a lookup with another organization's profile (an alias, an old name). */
export function misnamedProfile(name: OrganizationName): OatError {
  return new OatError(
    'DIRECTORY_FAILURE',
    `The organization directory answered for "${name}" with a profile of another name`,
    {
      context: { organization: name, field: 'name' },
    },
  );
}
