import type { ClientContext, IncompatibilityCode, OrganizationProfile } from '../core/access.js';
import { addressToRecord, isNewAddress } from '../core/recent-addresses.js';
import { compileStoredGrants, type CompiledGrants } from '../core/grants.js';
import type { OrganizationId, OrganizationName, TokenId } from '../core/ids.js';
import type { TokenPolicy } from '../core/policy.js';
import { TOKEN_BODY_LENGTH } from '../core/format.js';
import { foldAsciiCase, toOrganizationName } from '../core/ids.js';
import {
  decideLogin,
  loginExpiry,
  type AuthenticationDenialCode,
  type LoginDecision,
  type LoginRules,
} from '../core/login.js';
import type { AccessTokenRecord, EpochMillis } from '../core/token.js';
import { isOatError, OatError } from '../errors.js';
import { wrapFault } from '../faults.js';
import { checkProfile, misnamedProfile, profileNamed } from './profile-check.js';
import { fingerprintOf } from './hashers.js';
import type { BackgroundFaultContext } from './bookkeeping.js';
import type { Clock, OrganizationDirectory, SecretHasher, TokenEvent, TokenStore } from './ports.js';
import type { RateLimitDecision, RateLimiter, RateLimits } from './rate-limits.js';
import type { RetiredLookupResult } from './retired-login.js';

/**
 * Who a successful authentication speaks for: an organization and one of its
 * tokens, never a person. Attribute usage and rate limits to `tokenId`.
 * Frozen, and shared by every login with the same version of the token.
 */
export interface Principal {
  /** The organization's name as the login resolved it: its current name. */
  readonly organization: OrganizationName;
  /** The organization's stable id, which owns the token. */
  readonly organizationId: OrganizationId;
  readonly tokenId: TokenId;
  /** The token's label, for logs. */
  readonly label: string;
  /**
   * When the token stops working (`null`: never). Credentials derived from it, such as registry JWTs, must not outlive
   * it.
   */
  readonly expiresAt: EpochMillis | null;
  /** Compiled once per stored version of the token and organization name, grants read under that name. */
  readonly grants: CompiledGrants;
}

/**
 * The outcome of authentication: a principal, or a denial code (with which
 * incompatibility, for `ORG_INCOMPATIBLE`; with when to try again, for
 * `RATE_LIMITED`).
 */
export type AuthenticationResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly code: Exclude<AuthenticationDenialCode, 'ORG_INCOMPATIBLE' | 'RATE_LIMITED'> }
  | { readonly ok: false; readonly code: 'ORG_INCOMPATIBLE'; readonly incompatibility: IncompatibilityCode }
  | { readonly ok: false; readonly code: 'RATE_LIMITED'; readonly retryAfterMs: number };

type SimpleDenial = Exclude<AuthenticationDenialCode, 'ORG_INCOMPATIBLE' | 'RATE_LIMITED'>;
const denial = (code: SimpleDenial): AuthenticationResult => Object.freeze({ ok: false, code });
const DENIED: Readonly<Record<SimpleDenial, AuthenticationResult>> = {
  MALFORMED: denial('MALFORMED'),
  NOT_FOUND: denial('NOT_FOUND'),
  ORG_MISMATCH: denial('ORG_MISMATCH'),
  INACTIVE: denial('INACTIVE'),
  EXPIRED: denial('EXPIRED'),
  DELETED: denial('DELETED'),
  ORGANIZATION_UNKNOWN: denial('ORGANIZATION_UNKNOWN'),
  NETWORK_NOT_ALLOWED: denial('NETWORK_NOT_ALLOWED'),
  PLAN_NOT_ELIGIBLE: denial('PLAN_NOT_ELIGIBLE'),
  LIFETIME_EXCEEDED: denial('LIFETIME_EXCEEDED'),
  RECORD_INVALID: denial('RECORD_INVALID'),
  ROTATED: denial('ROTATED'),
};
const INCOMPATIBLE: Readonly<Record<IncompatibilityCode, AuthenticationResult>> = {
  IMAGE_ACCESS_MANAGEMENT: Object.freeze({
    ok: false,
    code: 'ORG_INCOMPATIBLE',
    incompatibility: 'IMAGE_ACCESS_MANAGEMENT',
  }),
  REGISTRY_ACCESS_MANAGEMENT: Object.freeze({
    ok: false,
    code: 'ORG_INCOMPATIBLE',
    incompatibility: 'REGISTRY_ACCESS_MANAGEMENT',
  }),
  DOCKER_DESKTOP: Object.freeze({ ok: false, code: 'ORG_INCOMPATIBLE', incompatibility: 'DOCKER_DESKTOP' }),
};
/** The shared result for a login the core refused. */
const refusal = (decision: Extract<LoginDecision, { allowed: false }>): AuthenticationResult =>
  decision.code === 'ORG_INCOMPATIBLE' ? INCOMPATIBLE[decision.incompatibility] : DENIED[decision.code];

/** Ports and settings authentication reads. */
export interface AuthenticatorDeps {
  readonly store: TokenStore;
  readonly hasher: SecretHasher;
  readonly clock: Clock;
  readonly organizations: OrganizationDirectory;
  readonly policy: TokenPolicy;
  readonly lastUsedIntervalMs: number;
  /** Starts a best-effort last-used write; never throws and never makes the login wait. */
  readonly touchLastUsed: (id: TokenId, at: EpochMillis, ifOlderThan: EpochMillis, address?: string) => void;
  /** `null` when nobody listens: events are then not even built. */
  readonly emit: ((event: TokenEvent) => void) | null;
  /** Tells the host about a stored token refused as `RECORD_INVALID`; never throws. */
  readonly reportFault: (error: OatError, context: BackgroundFaultContext) => void;
  /** Entries per generation of the id-keyed principal cache (default 10,000); tests shrink it to reach eviction. */
  readonly principalCacheSize?: number;
  /** Usage limits; each absent one is off. */
  readonly rateLimits?: RateLimits;
  /** The lookup of rotated-out secrets, asked only when no live token has the hash; absent without rotation. */
  readonly findRetired?: (hash: string, now: EpochMillis) => Promise<RetiredLookupResult>;
}

const UNLIMITED: RateLimitDecision = Object.freeze({ allowed: true });

const PRINCIPAL_CACHE_SIZE = 10_000;

/**
 * Builds the authenticate function of the service: the hot path of every
 * registry login. Cheap rejection first (format and checksum, no hashing, no
 * I/O), then one hash and one store lookup, then the core's
 * {@link decideLogin} on the record, which this applies: it holds no login
 * rule of its own. Infrastructure faults of the lookups (a store or directory
 * that throws) reject with an `OatError` (`STORE_FAILURE`,
 * `DIRECTORY_FAILURE`); denials are values. The last-used write the decision
 * asks for is started, never awaited: its faults go to the service's
 * `onError`, not into the login.
 *
 * Stored data is not trusted for authority: a row the store cannot read, or
 * grants {@link checkStoredResources} refuses, give `RECORD_INVALID` and an
 * `onError` report with the token id (never its hash). The verdict on grants
 * is cached with the compiled principal per token version, so it is computed
 * once and reported once per version; an unreadable row has no version to
 * cache against and is reported at each login that finds it.
 */
export function createAuthenticator(
  deps: AuthenticatorDeps,
): (username: unknown, secret: unknown, client?: unknown) => Promise<AuthenticationResult> {
  const { store, hasher, clock, organizations, policy, emit } = deps;
  const cacheSize = deps.principalCacheSize ?? PRINCIPAL_CACHE_SIZE;
  const rules: LoginRules = Object.freeze({
    plans: policy.plans,
    maxTokenLifetimeDays: policy.maxTokenLifetimeDays,
    lastUsedIntervalMs: deps.lastUsedIntervalMs,
  });
  // Compiled principals by the record's frozen resource list: a store that keeps that list until the grants
  // change (the memory store keeps it across last-used writes, which replace the record object) always hits,
  // however many tokens are in use, and entries die with their lists. Bench: scale, "compiled again after one
  // last-used write".
  const byResources = new WeakMap<ReadonlyArray<unknown>, PrincipalEntry>();
  // Then by token id and version, for stores that build a new object per read (SQL). Two generations:
  // when the young one fills it becomes the old one, so recently used principals survive eviction.
  let young = new Map<string, PrincipalEntry>();
  let old = young;
  // Frozen profiles already checked: a directory that returns the same frozen object each time is checked once.
  const checkedProfiles = new WeakSet<object>();
  const failures = deps.rateLimits?.failedLoginsPerAddress;
  const perToken = deps.rateLimits?.perToken;

  /** Asks a limiter; a limiter fault is reported and fails open, so an outage of a shared limiter locks nobody out. */
  const limit = async (
    limiter: RateLimiter,
    key: string,
    cost: number,
    tokenId: TokenId | null,
  ): Promise<RateLimitDecision> => {
    try {
      return await limiter.consume(key, cost);
    } catch (error) {
      deps.reportFault(
        wrapFault('STORE_FAILURE', 'The rate limiter failed; the login went on unlimited', error, {
          operation: 'authenticate',
          reason: 'RATE_LIMITER',
        }),
        { operation: 'authenticate', tokenId },
      );
      return UNLIMITED;
    }
  };

  const fail = (
    now: EpochMillis,
    username: unknown,
    result: AuthenticationResult,
    record: AccessTokenRecord | TokenId | null,
    hash: string | null,
    failureKey?: string,
  ): AuthenticationResult | Promise<AuthenticationResult> => {
    if (emit !== null && !result.ok) {
      emit({
        type: 'access_token.authenticate',
        at: now,
        username: auditableUsername(username, policy),
        tokenId: record === null || typeof record === 'string' ? record : record.id,
        fingerprint: hash === null ? null : fingerprintOf(hash),
        outcome: 'failure',
        code: result.code,
      });
    }
    // Spent only by failures the limit did not itself refuse; awaited so the next login from there sees it.
    if (failures !== undefined && failureKey !== undefined && !result.ok && result.code !== 'RATE_LIMITED') {
      const tokenId = record === null || typeof record === 'string' ? record : record.id;
      return limit(failures, failureKey, 1, tokenId).then(() => result);
    }
    return result;
  };

  const remember = (record: AccessTokenRecord, entry: PrincipalEntry): void => {
    if (Object.isFrozen(record.resources)) byResources.set(record.resources, entry);
    if (young.get(record.id) === entry) return;
    if (young.size >= cacheSize) {
      old = young;
      young = new Map();
    }
    young.set(record.id, entry);
  };

  /** The entry already compiled for this version of the token under `name`, if any; compiles nothing. */
  const cachedEntry = (record: AccessTokenRecord, name: OrganizationName): PrincipalEntry | undefined => {
    // Identity is trusted only for a frozen list (freezeRecord freezes each resource and scope list too), and
    // only with the token's id and version, as the id-keyed cache trusts them.
    // The name is part of the key: after a rename the grants must read under the new one.
    const same = Object.isFrozen(record.resources) ? byResources.get(record.resources) : undefined;
    if (same !== undefined && same.id === record.id && same.version === record.version && same.name === name)
      return same;
    const cached = young.get(record.id) ?? old.get(record.id);
    if (cached !== undefined && cached.version === record.version && cached.name === name) {
      remember(record, cached);
      return cached;
    }
    return undefined;
  };

  const compileEntry = (record: AccessTokenRecord, name: OrganizationName): PrincipalEntry => {
    // Checked before anything is compiled; the refusal is cached like a principal, so a tampered token
    // costs the check once per version, not once per login.
    const compiled = compileStoredGrants(record.organization, record.resources, policy, name);
    if (!compiled.ok) {
      const entry: PrincipalEntry = {
        id: record.id,
        version: record.version,
        name,
        result: DENIED.RECORD_INVALID,
        touchedAt: Number.NEGATIVE_INFINITY,
      };
      remember(record, entry);
      deps.reportFault(
        new OatError(
          'STORE_FAILURE',
          'A stored token holds grants a create request could not make; its logins are refused',
          {
            fields: compiled.fields,
            context: {
              operation: 'authenticate',
              reason: 'RECORD_INVALID',
              tokenId: record.id,
              organization: record.organization,
              version: record.version,
            },
          },
        ),
        { operation: 'authenticate', tokenId: record.id },
      );
      return entry;
    }
    const principal: Principal = Object.freeze({
      organization: name,
      organizationId: record.organizationId,
      tokenId: record.id,
      label: record.label,
      expiresAt: record.expiresAt,
      grants: compiled.value,
    });
    const entry: PrincipalEntry = {
      id: record.id,
      version: record.version,
      name,
      result: Object.freeze({ ok: true, principal }),
      touchedAt: Number.NEGATIVE_INFINITY,
    };
    remember(record, entry);
    return entry;
  };

  // One settled promise shared by every refusal of a malformed token nobody listens for: no async frame, no
  // allocation. Bench: tokens, "service.authenticate refuses malformed".
  const refusedMalformed: Promise<AuthenticationResult> = Promise.resolve(DENIED.MALFORMED);
  const refuseMalformed = async (username: unknown): Promise<AuthenticationResult> =>
    fail(clock.now(), username, DENIED.MALFORMED, null, null);

  // The clock is read after the format check: a refused garbage token costs no clock read unless an event needs the
  // time.
  // With a failed-login limit, a malformed token is a failure to count (and a limited address is refused first):
  // it takes the whole path.
  return (username, secret, client) =>
    failures !== undefined || policy.format.check(secret).ok
      ? authenticateChecked(username, secret, client)
      : emit === null
        ? refusedMalformed
        : refuseMalformed(username);

  async function authenticateChecked(
    username: unknown,
    secret: unknown,
    client: unknown,
  ): Promise<AuthenticationResult> {
    const now = clock.now();
    const context = typeof client === 'object' && client !== null ? (client as ClientContext) : undefined;
    let failureKey: string | undefined;
    if (failures !== undefined) {
      failureKey = failedLoginKey(username, context, policy);
      // Before any hashing or lookup: a refused address costs one limiter call and nothing else.
      const allowed = await limit(failures, failureKey, 0, null);
      if (!allowed.allowed) return fail(now, username, rateLimited(allowed.retryAfterMs), null, null);
    }
    if (!policy.format.check(secret).ok) return fail(now, username, DENIED.MALFORMED, null, null, failureKey);
    const hash = hasher.hash(secret as string);
    // Looked up by the hash of a ~178-bit secret: timing of the index lookup tells nothing usable about the secret.
    // try/catch with wrapFault in place of guard(): no extra async frame and promise on the hot path.
    let record: AccessTokenRecord | null;
    try {
      record = await store.findBySecretHash(hash);
    } catch (error) {
      const unreadable = unreadableRow(error);
      if (unreadable === undefined) throw wrapFault('STORE_FAILURE', 'The token store failed', error);
      deps.reportFault(unreadable.error, { operation: 'authenticate', tokenId: unreadable.tokenId });
      return fail(now, username, DENIED.RECORD_INVALID, unreadable.tokenId, hash, failureKey);
    }
    // Set only for a rotated-out secret: the credentials it lends must not outlive its grace.
    let graceEndsAt: EpochMillis | null = null;
    if (record === null) {
      if (deps.findRetired === undefined) return fail(now, username, DENIED.NOT_FOUND, null, hash, failureKey);
      // A rotated-out secret in its grace logs in as its token's current record; after it, ROTATED.
      const retired = await deps.findRetired(hash, now);
      if (!retired.ok) return fail(now, username, DENIED[retired.code], retired.tokenId, hash, failureKey);
      record = retired.record;
      graceEndsAt = retired.graceEndsAt;
    }
    if (perToken !== undefined) {
      const allowed = await limit(perToken, `token:${record.id}`, 1, record.id);
      if (!allowed.allowed) return fail(now, username, rateLimited(allowed.retryAfterMs), record, hash);
    }
    // The name is resolved to the organization that holds it now, and the token must belong to that one's id:
    // a renamed organization keeps its tokens, a new holder of a freed name gets none of the old ones.
    const name = toOrganizationName(username);
    if (name === null) return fail(now, username, DENIED.ORG_MISMATCH, record, hash, failureKey);
    let found: unknown;
    try {
      const pending = organizations.get(name);
      // A synchronous directory answers without a trip through the microtask queue.
      found = isPromiseLike(pending) ? await pending : pending;
    } catch (error) {
      throw wrapFault('DIRECTORY_FAILURE', 'The organization directory failed', error);
    }
    const known = typeof found === 'object' && found !== null && checkedProfiles.has(found);
    const organization = known ? (found as OrganizationProfile) : checkProfile(found);
    // Only frozen profiles are remembered: nobody can have changed their fields since they were checked.
    if (!known && organization !== null && Object.isFrozen(organization)) checkedProfiles.add(organization);
    // Grants compile under the name asked for: a directory answering with another organization's profile is a fault.
    if (organization !== null && !profileNamed(organization, name)) throw misnamedProfile(name);

    // The latest last-used write known: the stored one, or this process's own since the record was read.
    const cached = cachedEntry(record, name);
    const lastUsedAt =
      cached === undefined || cached.touchedAt <= (record.lastUsedAt ?? Number.NEGATIVE_INFINITY)
        ? record.lastUsedAt
        : cached.touchedAt;
    const decision = decideLogin(record, name, organization, context, lastUsedAt, now, rules);
    if (!decision.allowed) return fail(now, username, refusal(decision), record, hash, failureKey);
    const entry = cached ?? compileEntry(record, name);
    if (!entry.result.ok) return fail(now, username, entry.result, record, hash, failureKey);
    // Bookkeeping is due when last-used is, or when the client's address is not among the recorded ones.
    if (decision.touch !== null) {
      // Marked before the write and not undone when it fails: a store that refuses writes (a read-only
      // standby) then costs one failed write per interval per token, not one per login.
      entry.touchedAt = now;
      // Not awaited: the decision above never depends on bookkeeping.
      deps.touchLastUsed(record.id, decision.touch.at, decision.touch.ifOlderThan, addressToRecord(context));
    } else if (typeof context?.address === 'string' && !record.recentAddresses.includes(context.address)) {
      // Recorded addresses are in normal form, so one sent as recorded is known without parsing it; only the
      // others are parsed, and written when their normal form is new too.
      const address = addressToRecord(context);
      // decideLogin's own bound: last-used is not due here, so the store's guard writes only the address.
      if (isNewAddress(record.recentAddresses, address))
        deps.touchLastUsed(record.id, now, Math.min(now - deps.lastUsedIntervalMs + 1, now), address);
    }
    // A token older than a cap set after its creation must not lend credentials (registry JWTs) a longer life
    // than the cap; decideLogin allows only with a profile.
    const lifetime = loginExpiry(record, organization as OrganizationProfile, policy);
    // A secret in its grace lends credentials (registry JWTs) no longer than the grace.
    const expiresAt =
      graceEndsAt === null ? lifetime : lifetime === null ? graceEndsAt : Math.min(lifetime, graceEndsAt);
    const result =
      expiresAt !== null && expiresAt !== record.expiresAt ? capped(entry.result.principal, expiresAt) : entry.result;
    emit?.({
      type: 'access_token.authenticate',
      at: now,
      organization: name,
      tokenId: record.id,
      fingerprint: fingerprintOf(hash),
      outcome: 'success',
    });
    return result;
  }
}

/**
 * The username as an audit event may carry it: only when it could be an
 * organization name and does not look like a token, even a mistyped one (a
 * client that swapped username and password must not write the secret, or
 * something one character away from it, into the log).
 */
function auditableUsername(username: unknown, policy: TokenPolicy): string | null {
  const name = toOrganizationName(username);
  if (name === null || name.startsWith(foldAsciiCase(policy.format.prefix)) || name.length > TOKEN_BODY_LENGTH)
    return null;
  return name;
}

/**
 * The key failed logins are counted under: the client's address, or, when
 * the host passed none, the organization name asked for. Never the secret,
 * nor a username that looks like one (see {@link auditableUsername}).
 */
function failedLoginKey(username: unknown, client: ClientContext | undefined, policy: TokenPolicy): string {
  const address = client?.address;
  // Bounded: a host's identifyClient may hand over anything, and shared limiters keep keys in a varchar(255).
  if (typeof address === 'string' && address.length > 0) return `address:${address.slice(0, 64)}`;
  return `username:${auditableUsername(username, policy) ?? ''}`;
}

const rateLimited = (retryAfterMs: number): AuthenticationResult =>
  Object.freeze({ ok: false, code: 'RATE_LIMITED', retryAfterMs });

/** The principal with `expiresAt` brought forward (lifetime cap, end of a grace); the grants are shared. */
const capped = (principal: Principal, expiresAt: EpochMillis): AuthenticationResult =>
  Object.freeze({ ok: true, principal: Object.freeze({ ...principal, expiresAt }) });

/**
 * The fault and token id of a row the store could not read (`context.reason` `UNREADABLE`); `undefined` for any other
 * fault.
 */
function unreadableRow(error: unknown): { readonly error: OatError; readonly tokenId: TokenId | null } | undefined {
  if (!isOatError(error) || error.code !== 'STORE_FAILURE' || error.context['reason'] !== 'UNREADABLE')
    return undefined;
  const id = error.context['tokenId'];
  return { error, tokenId: typeof id === 'string' ? (id as TokenId) : null };
}

/** A compiled principal for one version of a token, and when this process last wrote its last-used time. */
type PrincipalEntry = {
  readonly id: TokenId;
  readonly version: number;
  readonly name: OrganizationName;
  readonly result: AuthenticationResult;
  touchedAt: number;
};
const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
