import type { OrganizationId, OrganizationName, TokenId } from './ids.js';

/**
 * An instant: milliseconds since 1970-01-01T00:00:00Z, as `Date.now()` returns it.
 *
 * Invariant: every instant the library takes or returns is one of these, a
 * safe integer in UTC, never a `Date`. A number cannot be changed in place, so
 * a record handed out cannot be used to rewrite the stored one (`Date#setTime`
 * could). Convert at the edges: `new Date(ms).toISOString()` to print,
 * `Date.parse(text)` or `date.getTime()` to read one.
 */
export type EpochMillis = number;

/** The stored lifecycle state of a token. "Expired" is never stored; see {@link statusOf}. */
export type TokenState = 'active' | 'inactive' | 'deleted';

/** All stored states, in lifecycle order. */
export const TOKEN_STATES: ReadonlyArray<TokenState> = Object.freeze(['active', 'inactive', 'deleted'] as const);

/** The state a caller sees: the stored state, or `expired` when a live token is past its expiry. */
export type TokenStatus = TokenState | 'expired';

/** A grant on repositories: an exact `org/name`, the glob `org/*`, or `*\/*\/public`. */
export interface RepositoryResource {
  readonly type: 'repository';
  /** `org/name`, `org/*`, or `*\/*\/public`. */
  readonly path: string;
  /** Canonical scope names, deduplicated, in catalog order. */
  readonly scopes: ReadonlyArray<string>;
}

/** A management grant on the token's own organization (the seed's "Allow management access"). */
export interface OrganizationResource {
  readonly type: 'organization';
  /** The token's organization. */
  readonly path: string;
  /** Canonical scope names, deduplicated, in catalog order. */
  readonly scopes: ReadonlyArray<string>;
}

/** One validated grant of a token. */
export type Resource = RepositoryResource | OrganizationResource;

/** The path of the grant that covers every public repository, pull only. */
export const PUBLIC_REPOSITORIES_PATH = '*/*/public';

/**
 * An organization access token as stored. Deeply frozen, and its instants are
 * {@link EpochMillis}, so nothing reachable from a record can be changed;
 * every change makes a new record with `version + 1`. Holds the hash of the
 * secret and a short non-secret display prefix, never the secret itself.
 */
export interface AccessTokenRecord {
  readonly id: TokenId;
  /** The id of the organization that owns the token: ownership, quota and listing go by it. Fixed at creation. */
  readonly organizationId: OrganizationId;
  /**
   * An organization name, lower case, for display only: stores keep the name
   * the token was created under, and the service hands records out under the
   * organization's current name. Never decides who owns the token.
   */
  readonly organization: OrganizationName;
  /** Trimmed, 1 to 100 characters. */
  readonly label: string;
  /** At most 200 characters; `''` when none was given. */
  readonly description: string;
  /** Username of whoever created the token; kept for audit, grants nothing. */
  readonly createdBy: string;
  readonly createdAt: EpochMillis;
  readonly updatedAt: EpochMillis;
  /** `null`: never expires. Fixed at creation. */
  readonly expiresAt: EpochMillis | null;
  /** `null`: never used. Written at most once per interval, never moves backwards. */
  readonly lastUsedAt: EpochMillis | null;
  readonly state: TokenState;
  readonly resources: ReadonlyArray<Resource>;
  /** Hash of the whole secret, as the configured hasher writes it. */
  readonly secretHash: string;
  /** Non-secret start of the secret, for people to recognise a token (for example `oat_7awg`). */
  readonly displayPrefix: string;
  /** Starts at 1; every replace increments it. Guards optimistic concurrency. */
  readonly version: number;
  /**
   * CIDR ranges in normal form (see `normalizeNetwork`) a login must come
   * from; `[]`: anywhere. With a non-empty list a login whose client address
   * is unknown is refused (fail closed).
   */
  readonly allowedNetworks: ReadonlyArray<string>;
  /**
   * The last distinct client addresses the token logged in from, newest first,
   * at most five, in normal form (see `normalizeAddress`: IPv4-mapped IPv6 as
   * IPv4). Written by the same best-effort bookkeeping as `lastUsedAt`, so it
   * may miss a login whose write failed; `[]` for a token never used from a
   * known address.
   */
  readonly recentAddresses: ReadonlyArray<string>;
}

/** True when a token that is not deleted has reached its expiry at `now`. */
export function isExpired(token: Pick<AccessTokenRecord, 'state' | 'expiresAt'>, now: EpochMillis): boolean {
  return token.state !== 'deleted' && token.expiresAt !== null && now >= token.expiresAt;
}

/** The status a caller sees at `now`: `expired` is derived here, never stored. */
export function statusOf(token: Pick<AccessTokenRecord, 'state' | 'expiresAt'>, now: EpochMillis): TokenStatus {
  return isExpired(token, now) ? 'expired' : token.state;
}

/** Freezes a record and everything inside it (resources and their scope arrays). Returns the same object. */
export function freezeRecord<T extends AccessTokenRecord>(record: T): T {
  for (const resource of record.resources) {
    Object.freeze(resource.scopes);
    Object.freeze(resource);
  }
  Object.freeze(record.resources);
  Object.freeze(record.allowedNetworks);
  Object.freeze(record.recentAddresses);
  return Object.freeze(record);
}
