declare const brand: unique symbol;

/** A nominal type: a `T` that only the named constructor function can produce. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** The id of an access token: a lowercase UUID. */
export type TokenId = Brand<string, 'TokenId'>;

/** An organization's name, normalised to lower case. */
export type OrganizationName = Brand<string, 'OrganizationName'>;

/**
 * An organization's stable identity as the host's directory gives it: 1 to
 * 255 characters, no control characters, compared exactly (no case folding).
 * Tokens belong to it, not to the name, which may change or be freed.
 */
export type OrganizationId = Brand<string, 'OrganizationId'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ORG = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** True when `value` is a well-formed token id (a lowercase UUID). */
export function isTokenId(value: unknown): value is TokenId {
  return typeof value === 'string' && UUID.test(value);
}

const ASCII_UPPER = /[A-Z]/;

/**
 * Lower-cases `A` to `Z` and nothing else: the one case fold for organization
 * names, usernames and plan names.
 *
 * Invariant: the result is ASCII exactly when `value` is, and every non-ASCII
 * code unit is kept as it is. `String#toLowerCase` would fold the Kelvin sign
 * (U+212A) to `k`, so a look-alike name would match a real one. Pure; no locale.
 */
export function foldAsciiCase(value: string): string {
  // Most names arrive lower case already: no copy for them.
  if (!ASCII_UPPER.test(value)) return value;
  return value.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** Brands a string already known to be a UUID; lower-cases it. Returns `null` for anything else. */
export function toTokenId(value: unknown): TokenId | null {
  if (typeof value !== 'string') return null;
  const lower = foldAsciiCase(value);
  return UUID.test(lower) ? (lower as TokenId) : null;
}

/**
 * Normalises an organization name (lower case, 1 to 255 characters of
 * `[a-z0-9]` separated by single `.`, `_` or `-`). Returns `null` when the
 * value cannot be an organization name.
 *
 * Only ASCII letters are folded (`foldAsciiCase`): a name with any
 * non-ASCII character, such as the Kelvin sign in `\u212Aiosk`, is refused
 * rather than read as `kiosk`.
 */
export function toOrganizationName(value: unknown): OrganizationName | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) return null;
  const lower = foldAsciiCase(value);
  return ORG.test(lower) ? (lower as OrganizationName) : null;
}

// C0, DEL and C1 controls: an id is logged and stored, so it must print as it is.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Brands an organization id: a string of 1 to 255 characters without
 * control characters, kept exactly as given. Returns `null` for anything else.
 */
export function toOrganizationId(value: unknown): OrganizationId | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255 || CONTROL.test(value)) return null;
  return value as OrganizationId;
}
