declare const brand: unique symbol;

/** A nominal type: a `T` that only the named constructor function can produce. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** The id of an access token: a lowercase UUID. */
export type TokenId = Brand<string, 'TokenId'>;

/** An organization's name, normalised to lower case. */
export type OrganizationName = Brand<string, 'OrganizationName'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ORG = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** True when `value` is a well-formed token id (a lowercase UUID). */
export function isTokenId(value: unknown): value is TokenId {
  return typeof value === 'string' && UUID.test(value);
}

/** Brands a string already known to be a UUID; lower-cases it. Returns `null` for anything else. */
export function toTokenId(value: unknown): TokenId | null {
  if (typeof value !== 'string') return null;
  const lower = value.toLowerCase();
  return UUID.test(lower) ? (lower as TokenId) : null;
}

/**
 * Normalises an organization name (lower case, 1 to 255 characters of
 * `[a-z0-9]` separated by single `.`, `_` or `-`). Returns `null` when the
 * value cannot be an organization name.
 */
export function toOrganizationName(value: unknown): OrganizationName | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) return null;
  const lower = value.toLowerCase();
  return ORG.test(lower) ? (lower as OrganizationName) : null;
}
