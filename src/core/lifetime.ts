import { DAY_MS } from './instant.js';
import type { EpochMillis } from './token.js';

/** The shortest lifetime cap an organization may set, in days (GitHub's bound). */
export const MIN_TOKEN_LIFETIME_DAYS = 1;
/** The longest lifetime cap an organization may set, in days (GitHub's bound). */
export const MAX_TOKEN_LIFETIME_DAYS = 366;

/** True when `days` is a lifetime cap an organization or policy may set: a whole number of days from 1 to 366. */
export function isTokenLifetimeDays(days: unknown): days is number {
  return (
    Number.isInteger(days) && (days as number) >= MIN_TOKEN_LIFETIME_DAYS && (days as number) <= MAX_TOKEN_LIFETIME_DAYS
  );
}

// Parameters spelt out rather than picked from OrganizationProfile and TokenPolicy: the policy module depends on this
// one.
/**
 * The longest an organization's tokens may live, in days, or `null` for no
 * cap: the profile's `maxTokenLifetimeDays` when it has the field (`null`
 * there means no cap, whatever the policy says), else the policy's default.
 * Read on every creation and every login, so a change applies at once. Pure.
 */
export function tokenLifetimeCap(
  organization: { readonly maxTokenLifetimeDays?: number | null | undefined },
  policy: { readonly maxTokenLifetimeDays: number | null },
): number | null {
  return organization.maxTokenLifetimeDays === undefined
    ? policy.maxTokenLifetimeDays
    : organization.maxTokenLifetimeDays;
}

/**
 * True when a token created at `createdAt` has outlived a cap of `maxDays`
 * (days of exactly 24 hours) at `now`; never with no cap. Pure: a token
 * refused under a tight cap passes again once the cap is loosened.
 */
export function isLifetimeExceeded(createdAt: EpochMillis, maxDays: number | null, now: EpochMillis): boolean {
  return maxDays !== null && now > createdAt + maxDays * DAY_MS;
}
