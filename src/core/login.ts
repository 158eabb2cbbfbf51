import {
  checkCompatibility,
  type ClientContext,
  type IncompatibilityCode,
  type OrganizationProfile,
} from './access.js';
import { checkOwnership } from './identity.js';
import { DAY_MS } from './instant.js';
import { isAddressAllowed } from './networks.js';
import { isLifetimeExceeded, tokenLifetimeCap } from './lifetime.js';
import type { TokenPolicy } from './policy.js';
import { isPlanEligible } from './quota.js';
import { isExpired, type AccessTokenRecord, type EpochMillis } from './token.js';

/**
 * Why {@link decideLogin} refuses a token it has found, in the order it
 * checks: the organization the username names (`ORG_MISMATCH`,
 * `ORGANIZATION_UNKNOWN`), the token's state (`DELETED`, `EXPIRED`,
 * `INACTIVE`), the organization's settings and the client
 * (`ORG_INCOMPATIBLE`), its plan (`PLAN_NOT_ELIGIBLE`) and its current
 * lifetime cap (`LIFETIME_EXCEEDED`), and the token's allowed networks
 * (`NETWORK_NOT_ALLOWED`).
 */
export const LOGIN_DENIAL_CODES = Object.freeze([
  'ORG_MISMATCH',
  'ORGANIZATION_UNKNOWN',
  'DELETED',
  'EXPIRED',
  'INACTIVE',
  'ORG_INCOMPATIBLE',
  'PLAN_NOT_ELIGIBLE',
  'LIFETIME_EXCEEDED',
  'NETWORK_NOT_ALLOWED',
] as const);

/** A code of {@link LOGIN_DENIAL_CODES}. */
export type LoginDenialCode = (typeof LOGIN_DENIAL_CODES)[number];

/**
 * Every way an authentication can fail: the secret is not a well-formed token
 * (`MALFORMED`), no stored token has its hash (`NOT_FOUND`), one of
 * {@link LOGIN_DENIAL_CODES}, the stored token cannot be trusted
 * (`RECORD_INVALID`: its row is unreadable, or its grants are not ones a
 * create request could make, as a hand-edited or tampered row), so nothing is
 * ever authorized from it, a usage limit is spent (`RATE_LIMITED`: the
 * client's failed logins, or the token's logins), or the secret was rotated
 * out and its grace is over (`ROTATED`, see `decideRotatedSecret`). Answer
 * every one but `RATE_LIMITED` the same way on the network; the code is for
 * logs.
 */
export const AUTHENTICATION_DENIAL_CODES = Object.freeze([
  'MALFORMED',
  'NOT_FOUND',
  ...LOGIN_DENIAL_CODES,
  'RECORD_INVALID',
  'RATE_LIMITED',
  'ROTATED',
] as const);

/** A code of {@link AUTHENTICATION_DENIAL_CODES}. */
export type AuthenticationDenialCode = (typeof AUTHENTICATION_DENIAL_CODES)[number];

/**
 * The last-used write a successful login asks for: set `lastUsedAt` to `at` where the stored one is older than
 * `ifOlderThan` (see `TokenStore.touchLastUsed`).
 */
export interface LastUsedTouch {
  readonly at: EpochMillis;
  /** Never after `at`: the store's guard then writes at most once per interval and never backwards. */
  readonly ifOlderThan: EpochMillis;
}

/**
 * The outcome of {@link decideLogin}: allowed, with the last-used write that
 * is due (`null` when none is), or refused with a code (and which
 * incompatibility, for `ORG_INCOMPATIBLE`). Frozen; denials and the
 * allowed-without-write outcome are shared constants.
 */
export type LoginDecision =
  | { readonly allowed: true; readonly touch: LastUsedTouch | null }
  | { readonly allowed: false; readonly code: Exclude<LoginDenialCode, 'ORG_INCOMPATIBLE'> }
  | { readonly allowed: false; readonly code: 'ORG_INCOMPATIBLE'; readonly incompatibility: IncompatibilityCode };

/**
 * What {@link decideLogin} reads besides the login itself: the plans, the default lifetime cap, and how often last-used
 * is written.
 */
export interface LoginRules extends Pick<TokenPolicy, 'plans' | 'maxTokenLifetimeDays'> {
  /** Last-used is written at most once per this many milliseconds per token. */
  readonly lastUsedIntervalMs: number;
}

/** What of a stored token a login decision reads. */
export type LoginToken = Pick<
  AccessTokenRecord,
  'organizationId' | 'organization' | 'state' | 'expiresAt' | 'createdAt' | 'allowedNetworks'
>;

type SimpleCode = Exclude<LoginDenialCode, 'ORG_INCOMPATIBLE'>;
const DENIED: Readonly<Record<SimpleCode, LoginDecision>> = Object.freeze({
  ORG_MISMATCH: Object.freeze({ allowed: false, code: 'ORG_MISMATCH' }),
  ORGANIZATION_UNKNOWN: Object.freeze({ allowed: false, code: 'ORGANIZATION_UNKNOWN' }),
  DELETED: Object.freeze({ allowed: false, code: 'DELETED' }),
  EXPIRED: Object.freeze({ allowed: false, code: 'EXPIRED' }),
  INACTIVE: Object.freeze({ allowed: false, code: 'INACTIVE' }),
  PLAN_NOT_ELIGIBLE: Object.freeze({ allowed: false, code: 'PLAN_NOT_ELIGIBLE' }),
  LIFETIME_EXCEEDED: Object.freeze({ allowed: false, code: 'LIFETIME_EXCEEDED' }),
  NETWORK_NOT_ALLOWED: Object.freeze({ allowed: false, code: 'NETWORK_NOT_ALLOWED' }),
});
const INCOMPATIBLE: Readonly<Record<IncompatibilityCode, LoginDecision>> = Object.freeze({
  IMAGE_ACCESS_MANAGEMENT: Object.freeze({
    allowed: false,
    code: 'ORG_INCOMPATIBLE',
    incompatibility: 'IMAGE_ACCESS_MANAGEMENT',
  }),
  REGISTRY_ACCESS_MANAGEMENT: Object.freeze({
    allowed: false,
    code: 'ORG_INCOMPATIBLE',
    incompatibility: 'REGISTRY_ACCESS_MANAGEMENT',
  }),
  DOCKER_DESKTOP: Object.freeze({ allowed: false, code: 'ORG_INCOMPATIBLE', incompatibility: 'DOCKER_DESKTOP' }),
});
const ALLOWED: LoginDecision = Object.freeze({ allowed: true, touch: null });
const NO_CLIENT: ClientContext = Object.freeze({});

/**
 * Decides a login with a token already found by its secret's hash, as
 * `docker login --username <name>` presents it, at `now`. Pure: no I/O, no
 * clock; the service looks the token and the organization up, then applies
 * the decision.
 *
 * The checks run in this order and the first that fails decides:
 * 1. the organization `name` resolved to (`organization`, `null` when nobody
 *    holds the name) must own the token, by id (`checkOwnership`:
 *    `ORG_MISMATCH`, or `ORGANIZATION_UNKNOWN` when nobody holds the name
 *    the token was created under);
 * 2. `DELETED`, then `EXPIRED` (`expiresAt <= now`), then `INACTIVE`;
 * 3. the organization's IAM and RAM settings and the client
 *    (`ORG_INCOMPATIBLE`, `checkCompatibility`);
 * 4. the organization's plan must have tokens (`PLAN_NOT_ELIGIBLE`);
 * 5. the token must not be older than the organization's current lifetime
 *    cap (`LIFETIME_EXCEEDED`);
 * 6. with a non-empty `allowedNetworks`, `client.address` must lie in one of
 *    them (`NETWORK_NOT_ALLOWED`; an unknown address is refused: fail
 *    closed; IPv4-mapped IPv6 addresses count as their IPv4 form).
 *
 * Allowed, it says whether last-used is due: exactly when `lastUsedAt` (the
 * latest write the caller knows of, `null` for none) is `null` or at least
 * `rules.lastUsedIntervalMs` before `now`. A due write is
 * `{ at: now, ifOlderThan }` with `ifOlderThan` the earliest `lastUsedAt`
 * that makes the write pointless (never after `now`).
 *
 * Invariant: every denial and the allowed outcome without a write are shared
 * frozen constants, so a login allocates nothing here but the one write
 * object per token and interval. Safe to call concurrently: it reads only its
 * arguments.
 *
 * @example
 * ```ts
 * const rules = { plans: DOCKER_HUB_PLANS, maxTokenLifetimeDays: null, lastUsedIntervalMs: 60_000 };
 * decideLogin(token, 'acme', profile, {}, token.lastUsedAt, Date.now(), rules);
 * // { allowed: true, touch: { at: ..., ifOlderThan: ... } } or { allowed: false, code: 'INACTIVE' }
 * ```
 */
export function decideLogin(
  token: LoginToken,
  name: string,
  organization: OrganizationProfile | null,
  client: ClientContext | undefined,
  lastUsedAt: EpochMillis | null,
  now: EpochMillis,
  rules: LoginRules,
): LoginDecision {
  const owner = checkOwnership(token, name, organization);
  if (!owner.allowed) return DENIED[owner.code];
  if (token.state === 'deleted') return DENIED.DELETED;
  if (isExpired(token, now)) return DENIED.EXPIRED;
  if (token.state === 'inactive') return DENIED.INACTIVE;
  // Only narrows the type: checkOwnership has already refused a missing profile.
  if (organization === null) return DENIED.ORGANIZATION_UNKNOWN;
  const compatible = checkCompatibility(organization, client ?? NO_CLIENT);
  if (!compatible.allowed) return INCOMPATIBLE[compatible.code];
  if (!isPlanEligible(rules.plans, organization.plan)) return DENIED.PLAN_NOT_ELIGIBLE;
  // The organization's current cap, not the one at creation: tightening it retires old tokens at once.
  if (isLifetimeExceeded(token.createdAt, tokenLifetimeCap(organization, rules), now)) return DENIED.LIFETIME_EXCEEDED;
  if (!isAddressAllowed(token.allowedNetworks, client?.address)) return DENIED.NETWORK_NOT_ALLOWED;
  const due = now - rules.lastUsedIntervalMs;
  if (lastUsedAt !== null && lastUsedAt > due) return ALLOWED;
  // "Older than due + 1 ms" is "at least the interval ago"; never after `now`, as the store's port requires.
  return Object.freeze({ allowed: true, touch: Object.freeze({ at: now, ifOlderThan: Math.min(due + 1, now) }) });
}

/**
 * When credentials derived from a login (registry JWTs) must stop: the
 * token's `expiresAt`, brought forward to the end of the organization's
 * current lifetime cap when that comes first (`null`: never). Pure; returns
 * `token.expiresAt` itself when the cap does not shorten it.
 */
export function loginExpiry(
  token: Pick<AccessTokenRecord, 'createdAt' | 'expiresAt'>,
  organization: Pick<OrganizationProfile, 'maxTokenLifetimeDays'>,
  rules: Pick<TokenPolicy, 'maxTokenLifetimeDays'>,
): EpochMillis | null {
  const cap = tokenLifetimeCap(organization, rules);
  if (cap === null) return token.expiresAt;
  const capEnd = token.createdAt + cap * DAY_MS;
  return token.expiresAt === null || capEnd < token.expiresAt ? capEnd : token.expiresAt;
}
