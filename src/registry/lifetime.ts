// The registry token lifetimes live apart from the signer (which needs node:crypto), so the wire schemas
// and the OpenAPI document that read them stay loadable on any platform.

/** Default lifetime of an issued registry token, in seconds. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 300;
/** Shortest lifetime accepted: clients expect `expires_in` of at least 60 seconds. */
export const MIN_TOKEN_LIFETIME_SECONDS = 60;
/**
 * Longest lifetime accepted. A registry token cannot be revoked, so a token
 * deactivated after it was issued stays usable until it expires: keep it short.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;
