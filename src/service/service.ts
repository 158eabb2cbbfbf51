import { z } from 'zod';
import type { Actor, ClientContext } from '../core/access.js';
import {
  authorize,
  authorizeOrganization,
  isCompiledGrants,
  type AuthorizationDecision,
  type CompiledGrants,
  type RepositoryRequest,
} from '../core/grants.js';
import { presentRecord } from '../core/identity.js';
import type { OrganizationId } from '../core/ids.js';
import { planUpdate } from '../core/lifecycle.js';
import type { RandomSource } from '../core/format.js';
import { createPolicy, DEFAULT_POLICY, type PolicyOptions, type TokenPolicy } from '../core/policy.js';
import type { CreateTokenRequest, UpdateTokenRequest } from '../core/requests.js';
import { safeParseUpdateInput } from '../core/schemas.js';
import type { AccessTokenRecord, TokenStatus } from '../core/token.js';
import { OatError, validationError } from '../errors.js';
import { guard } from '../faults.js';
import type { RateLimits } from './rate-limits.js';
import { createAuthenticator, type AuthenticationResult, type Principal } from './authenticator.js';
import { createFaultReporter, createLastUsedWriter, type BackgroundErrorHandler } from './bookkeeping.js';
import { checkedClock } from './clock.js';
import { createToken, type CreatedToken } from './creation.js';
import { deleteToken, purgeOrganization, type OrganizationPurge } from './deletion.js';
import { createStaticOrganizationDirectory, type StaticOrganizationProfile } from './directory.js';
import { sha256Hasher } from './hashers.js';
import { hasPlatformRandom, noPlatformRandom, platformRandom } from './random.js';
import {
  handOut,
  invalid,
  load,
  manage,
  STORE_FAILED,
  transition,
  type ServiceContext,
  type TransitionPlan,
} from './management.js';
import { denial, denialOf, orThrow, success, type ManagementResult } from './outcomes.js';
import type { LeakReportRequest, LeakReportResult } from './leak-report.js';
import { reportLeaked } from './leaks.js';
import type {
  Clock,
  EventSink,
  OrganizationDirectory,
  SecretHasher,
  TokenEvent,
  TokenRotationStore,
  TokenStore,
} from './ports.js';
import { createRotationPolicy, type RotationPolicy, type RotationPolicyOptions } from '../core/rotation.js';
import { createRetiredLookup } from './retired-login.js';
import { rotateToken, type RotateTokenRequest, type RotationSetup } from './rotate.js';

export type { CreatedToken } from './creation.js';
export type { RotateTokenRequest } from './rotate.js';
export { REUSE_DETECTION_ACTOR } from './retired-login.js';
export { PURGE_ACTOR, type OrganizationPurge } from './deletion.js';

/**
 * Options for {@link createTokenService}. Only `store` is required (a missing one throws `MISCONFIGURED` naming
 * `store`).
 */
export interface TokenServiceOptions {
  readonly store: TokenStore;
  /**
   * The host's organizations, or a fixed list of profiles (see `createStaticOrganizationDirectory`).
   * Without it the service still builds, but every call that looks up an organization (management
   * calls, and a login whose token is found) throws `MISCONFIGURED` with `context.field` `organizations`.
   * An empty list is a directory that knows nobody: it answers `NOT_FOUND`.
   */
  readonly organizations?: OrganizationDirectory | ReadonlyArray<StaticOrganizationProfile>;
  /** Default: SHA-256, base64url. */
  readonly hasher?: SecretHasher;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Where token secrets and ids come from: a function that fills a
   * `Uint8Array` from a CSPRNG. Default: the platform's
   * `crypto.getRandomValues` ({@link platformRandom}); a platform without it
   * needs this option, or `createTokenService` throws `MISCONFIGURED` naming
   * `random`. Tests pass one fed by their arbitraries.
   */
  readonly random?: RandomSource;
  /** Default: events are dropped. */
  readonly events?: EventSink;
  /** A policy, or options to build one. Default: {@link DEFAULT_POLICY}. */
  readonly policy?: TokenPolicy | PolicyOptions;
  /** Last-used is written at most once per this many milliseconds per token. Default 60 000. */
  readonly lastUsedIntervalMs?: number;
  /** Called when the event sink throws; the operation itself has already succeeded. Default: ignore. */
  readonly onSinkError?: (error: unknown, event: TokenEvent) => void;
  /**
   * Receives faults no caller sees as an error: the last-used write a login
   * starts (`operation: 'touchLastUsed'`), rejected, thrown or still pending
   * after `lastUsedTimeoutMs`, at most once per failed write (the login has
   * already answered and is not affected); and a stored token a login refused
   * as `RECORD_INVALID` (`operation: 'authenticate'`, with the token id, never
   * its hash): once per version for grants a create request could not make,
   * at every such login for a row the store cannot read. Never called with a
   * secret; what it throws is swallowed. Default: ignore.
   */
  readonly onError?: BackgroundErrorHandler;
  /**
   * How long a last-used write may stay pending before it is reported to
   * `onError` and no longer awaited by `flush` (real time). Default 5 000.
   */
  readonly lastUsedTimeoutMs?: number;
  /**
   * Usage limits of `authenticate` (see {@link RateLimits}): failed logins per
   * client address and logins per token. Default: none (opt-in). A limiter
   * fault lets the login through and reaches `onError`.
   */
  readonly rateLimits?: RateLimits;
  /**
   * Turns rotation on (see docs/rotation.md): a {@link RotationPolicy}, or
   * options to build one (`{}` for the defaults). The store must then have
   * the rotation capability ({@link TokenRotationStore}), or
   * `createTokenService` throws `MISCONFIGURED` listing what it lacks.
   * Without it `rotate` throws `MISCONFIGURED` naming `rotation`, and a login
   * never looks at retired secrets.
   */
  readonly rotation?: RotationPolicy | RotationPolicyOptions;
}

/** A listing request. */
export interface ListOptions {
  /** One status or several; default every status but `deleted`. */
  readonly status?: TokenStatus | ReadonlyArray<TokenStatus>;
  /** 1-based. Default 1. */
  readonly page?: number;
  /** 1 to 100. Default 10, as Docker Hub's API. */
  readonly pageSize?: number;
}

/** One page of tokens, with Docker Hub's paging numbers. Deeply frozen: the page, `items` and every record. */
export interface TokenListPage {
  readonly items: ReadonlyArray<AccessTokenRecord>;
  /** Every matching token, readable or not. */
  readonly total: number;
  /**
   * Tokens of this page whose stored rows could not be read, left out of
   * `items` so the rest of the organization still lists; an owner can still
   * delete one by id. `0` when every row was read.
   */
  readonly unreadable: number;
  readonly page: number;
  readonly pageSize: number;
}

/**
 * The token service: management for people, authentication and authorization for machines.
 * Everything it returns (records, pages, created tokens, principals) is deeply
 * frozen and every instant is {@link EpochMillis}, so a caller cannot change
 * stored state through a result.
 *
 * Each management operation comes twice, like CASL's `can` / `throwUnlessCan`:
 * `safeCreate`, `safeGet`, ... resolve to a {@link ManagementResult}, with every
 * expected refusal (codes of `MANAGEMENT_DENIAL_CODES`) as a value; `create`,
 * `get`, ... resolve to the value and throw the same refusal as an `OatError`
 * with the same code, message, fields and context. Both forms reject with
 * faults (`STORE_FAILURE`, `DIRECTORY_FAILURE`, `MISCONFIGURED`), so a
 * `catch` around a `safe*` call sees only faults.
 */
export interface TokenService {
  readonly policy: TokenPolicy;
  /**
   * Creates a token; the only place its plaintext ever exists. `input` is
   * checked again at run time (`VALIDATION_FAILED` naming each field); a raw
   * body goes through `safeParseCreateRequest` first.
   */
  create(actor: Actor, organization: string, input: CreateTokenRequest): Promise<CreatedToken>;
  /** A token of the organization that is not deleted. */
  get(actor: Actor, organization: string, id: string): Promise<AccessTokenRecord>;
  /** A page of the organization's tokens. */
  list(actor: Actor, organization: string, options?: ListOptions): Promise<TokenListPage>;
  /**
   * Changes label, description, resources, or (Hub's `is_active`) the active
   * state. `input` is checked again at run time; a raw body goes through
   * `safeParseUpdateRequest` first.
   */
  update(actor: Actor, organization: string, id: string, input: UpdateTokenRequest): Promise<AccessTokenRecord>;
  /** Makes a token inactive: it stops authenticating and, not being deleted, still counts toward quota. */
  deactivate(actor: Actor, organization: string, id: string): Promise<AccessTokenRecord>;
  /** Only under a lifecycle that allows it (for example `docker-hub-current`). */
  reactivate(actor: Actor, organization: string, id: string): Promise<AccessTokenRecord>;
  /**
   * Gives an active token a new secret: same id, grants and expiry, the
   * version moves. The secret it retires keeps working for
   * `input.graceSeconds` (default 0, at most the rotation policy's bound),
   * then is refused as `ROTATED`. Returns the new secret once, like
   * `create`; emits `access_token.rotate`. Authority as for `reactivate`: a
   * token manager whose ceiling covers the token's grants. Of two concurrent
   * rotations one wins; the other is refused as `CONFLICT` (it never retires
   * the secret the winner handed out). A concurrent write that leaves the
   * secret alone (an update) only makes it retry. Needs the `rotation` option.
   */
  rotate(actor: Actor, organization: string, id: string, input?: RotateTokenRequest): Promise<CreatedToken>;
  /** {@link TokenService.rotate}, with refusals as values. */
  safeRotate(
    actor: Actor,
    organization: string,
    id: string,
    input?: RotateTokenRequest,
  ): Promise<ManagementResult<CreatedToken>>;
  /** {@link TokenService.create}, with refusals as values. */
  safeCreate(actor: Actor, organization: string, input: CreateTokenRequest): Promise<ManagementResult<CreatedToken>>;
  /** {@link TokenService.get}, with refusals as values. */
  safeGet(actor: Actor, organization: string, id: string): Promise<ManagementResult<AccessTokenRecord>>;
  /** {@link TokenService.list}, with refusals as values. */
  safeList(actor: Actor, organization: string, options?: ListOptions): Promise<ManagementResult<TokenListPage>>;
  /** {@link TokenService.update}, with refusals as values. */
  safeUpdate(
    actor: Actor,
    organization: string,
    id: string,
    input: UpdateTokenRequest,
  ): Promise<ManagementResult<AccessTokenRecord>>;
  /** {@link TokenService.deactivate}, with refusals as values. */
  safeDeactivate(actor: Actor, organization: string, id: string): Promise<ManagementResult<AccessTokenRecord>>;
  /** {@link TokenService.reactivate}, with refusals as values. */
  safeReactivate(actor: Actor, organization: string, id: string): Promise<ManagementResult<AccessTokenRecord>>;
  /** {@link TokenService.delete}, with refusals as values. */
  safeDelete(actor: Actor, organization: string, id: string): Promise<ManagementResult<AccessTokenRecord | null>>;
  /**
   * Deletes for good; frees the quota the token held. Resolves to the deleted
   * record, or `null` when the stored row could not be read: it is then
   * marked deleted without being read (`TokenStore.markDeleted`), whatever
   * the lifecycle would say about its unknowable state, so an owner can
   * always remove a broken token.
   */
  delete(actor: Actor, organization: string, id: string): Promise<AccessTokenRecord | null>;
  /**
   * Deletes every token of an organization id, whatever its state or name,
   * for a host whose organization is gone (its tokens can no longer be
   * reached by name). Not guarded by the lifecycle: nobody is left to
   * deactivate first. Each token is deleted with the store's version guard and
   * emits `access_token.delete` with actor {@link PURGE_ACTOR}; a token
   * created concurrently for the same id may survive, so purge after the
   * organization has left the directory. A token whose row cannot be read is
   * deleted too, by id and organization id (`TokenStore.markDeleted`); only a
   * row whose id column itself cannot be read is left. Rejects with `VALIDATION_FAILED`
   * naming `organizationId` when it is not an organization id.
   */
  purgeOrganization(organizationId: string): Promise<OrganizationPurge>;
  /**
   * Reports a token found in public by a secret scanner: deactivates it when
   * live (mode `revoke`, the default) or only records the leak (`report`),
   * emitting `access_token.leaked`. Takes no actor: holding the secret proves
   * only the leak, and the only effect is deactivation. With `rotation`, a
   * rotated-out secret still recorded (in its grace or after it) counts as its
   * token's and is handled the same way. Denials are values
   * (`LEAK_REPORT_DENIAL_CODES`); store faults reject. See docs/secret-scanning.md.
   */
  reportLeaked(secret: unknown, request: LeakReportRequest): Promise<LeakReportResult>;
  /** Checks a login as `docker login --username <ORG>` sends it. Never throws for bad input. */
  authenticate(username: unknown, secret: unknown, client?: ClientContext): Promise<AuthenticationResult>;
  /**
   * Waits for background bookkeeping: resolves once every last-used write
   * started before the call (or while it waits) has settled or timed out.
   * Never rejects: faults went to `onError`. Call it before closing the store
   * on shutdown, and in tests before reading `lastUsedAt`.
   */
  flush(): Promise<void>;
  /** May the principal do `action` on the repository? */
  authorize(principal: Principal, request: RepositoryRequest, action: string): AuthorizationDecision;
  /** May the principal use a management scope on its organization? */
  authorizeOrganization(principal: Principal, scope: string): AuthorizationDecision;
}

const listSchema = z.strictObject({
  status: z
    .union([
      z.enum(['active', 'inactive', 'expired', 'deleted']),
      z.array(z.enum(['active', 'inactive', 'expired', 'deleted'])).min(1),
    ])
    .optional(),
  page: z.int().min(1).max(1_000_000).optional(),
  pageSize: z.int().min(1).max(100).optional(),
});

// Without `organizations` every lookup fails loudly: an empty directory would answer NOT_FOUND for every
// organization and hide the missing option behind what looks like a caller's typo.
const NO_DIRECTORY: OrganizationDirectory = Object.freeze({
  get(): never {
    throw new OatError(
      'MISCONFIGURED',
      'createTokenService was given no organizations option: pass an OrganizationDirectory or a list of profiles',
      {
        context: { field: 'organizations' },
      },
    );
  },
});

function grantsOf(principal: Principal): CompiledGrants {
  const grants = (principal as Partial<Principal> | null | undefined)?.grants;
  if (!isCompiledGrants(grants)) throw invalid('principal', 'must be a principal returned by authenticate');
  return grants;
}

/**
 * Creates the token service over a store and the host's organizations.
 *
 * @example
 * ```ts
 * const service = createTokenService({
 *   store: createMemoryTokenStore(),
 *   organizations: [{ id: 'org-1', name: 'acme', plan: 'business', owners: ['alice'] }],
 * });
 * const { token, secret } = await service.create({ username: 'alice' }, 'acme', {
 *   label: 'ci',
 *   resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-push'] }],
 * });
 * const login = await service.authenticate('acme', secret.reveal());
 * if (login.ok) service.authorize(login.principal, { repository: 'acme/app' }, 'push'); // { allowed: true }
 * ```
 */
export function createTokenService(options: TokenServiceOptions): TokenService {
  if (typeof options !== 'object' || options === null)
    throw new OatError('MISCONFIGURED', 'createTokenService needs an options object with a store', {
      context: { field: 'options' },
    });
  const store = options.store;
  if (typeof store !== 'object' || store === null) {
    throw new OatError(
      'MISCONFIGURED',
      'createTokenService needs the store option: a TokenStore such as createMemoryTokenStore(), ' +
        'createSqliteTokenStore(db) or createPostgresTokenStore(pool)',
      {
        context: { field: 'store' },
      },
    );
  }
  const missing = [
    'insertWithinQuota',
    'replace',
    'touchLastUsed',
    'markDeleted',
    'findById',
    'findBySecretHash',
    'list',
    'countLive',
  ].filter((m) => typeof (store as unknown as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0)
    throw new OatError('MISCONFIGURED', `The store option lacks ${missing.join(', ')}`, {
      context: { field: 'store', missing },
    });
  const policy: TokenPolicy =
    options.policy === undefined
      ? DEFAULT_POLICY
      : 'format' in options.policy
        ? options.policy
        : createPolicy(options.policy);
  const organizations = Array.isArray(options.organizations)
    ? createStaticOrganizationDirectory(options.organizations)
    : ((options.organizations as OrganizationDirectory | undefined) ?? NO_DIRECTORY);
  const hasher = options.hasher ?? sha256Hasher();
  const clock = checkedClock(options.clock);
  const random = options.random ?? platformRandom;
  if (typeof random !== 'function')
    throw new OatError('MISCONFIGURED', 'random must be a function that fills a Uint8Array', {
      context: { field: 'random' },
    });
  if (options.random === undefined && !hasPlatformRandom()) throw noPlatformRandom();
  const lastUsedIntervalMs = options.lastUsedIntervalMs ?? 60_000;
  if (!Number.isFinite(lastUsedIntervalMs) || lastUsedIntervalMs < 0) {
    throw new OatError('MISCONFIGURED', 'lastUsedIntervalMs must be a non-negative number', {
      context: { field: 'lastUsedIntervalMs' },
    });
  }
  const lastUsedTimeoutMs = options.lastUsedTimeoutMs ?? 5_000;
  if (!Number.isFinite(lastUsedTimeoutMs) || lastUsedTimeoutMs <= 0) {
    throw new OatError('MISCONFIGURED', 'lastUsedTimeoutMs must be a positive number', {
      context: { field: 'lastUsedTimeoutMs' },
    });
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new OatError('MISCONFIGURED', 'onError must be a function', { context: { field: 'onError' } });
  }
  const rateLimits = options.rateLimits ?? {};
  for (const field of ['failedLoginsPerAddress', 'perToken'] as const) {
    const limiter: unknown = (rateLimits as Record<string, unknown>)[field];
    if (limiter !== undefined && typeof (limiter as { consume?: unknown } | null)?.consume !== 'function') {
      throw new OatError('MISCONFIGURED', `rateLimits.${field} must be a rate limiter with consume(key, cost)`, {
        context: { field: `rateLimits.${field}` },
      });
    }
  }
  let rotation: RotationSetup | null = null;
  if (options.rotation !== undefined) {
    const lacking = ['rotate', 'findRotatedSecret'].filter(
      (m) => typeof (store as unknown as Record<string, unknown>)[m] !== 'function',
    );
    if (lacking.length > 0)
      throw new OatError('MISCONFIGURED', `The rotation option needs a store with ${lacking.join(', ')}`, {
        context: { field: 'store', missing: lacking },
      });
    // A RotationPolicy is also a complete options object: building it again checks a hand-made one too.
    rotation = {
      store: store as TokenStore & TokenRotationStore,
      policy: createRotationPolicy(options.rotation),
      hasher,
    };
  }
  const lastUsed = createLastUsedWriter(store, lastUsedTimeoutMs, options.onError);
  const sink = options.events;
  // `null` without a sink, so the hot path does not even build events nobody reads.
  const emit =
    sink === undefined
      ? null
      : (event: TokenEvent): void => {
          try {
            sink.emit(event);
          } catch (error) {
            options.onSinkError?.(error, event);
          }
        };
  const ctx: ServiceContext = { store, organizations, policy, clock, random, emit };
  const simple = (op: 'deactivate' | 'reactivate') => {
    const planned = success<TransitionPlan>(
      Object.freeze({ ops: Object.freeze([op]), changes: Object.freeze({}), changed: Object.freeze([]) }),
    );
    return (actor: Actor, organization: string, id: string) => transition(ctx, actor, organization, id, () => planned);
  };
  const safeDeactivate = simple('deactivate');
  const safeReactivate = simple('reactivate');

  const safeCreate = (actor: Actor, organization: string, input: CreateTokenRequest) =>
    createToken(ctx, hasher, actor, organization, input);

  async function safeGet(actor: Actor, organization: string, id: string): Promise<ManagementResult<AccessTokenRecord>> {
    const managed = await manage(ctx, actor, organization);
    return managed.ok ? load(ctx, managed.value.org, managed.value.profile, id) : managed;
  }

  async function safeList(
    actor: Actor,
    organization: string,
    options: ListOptions = {},
  ): Promise<ManagementResult<TokenListPage>> {
    const managed = await manage(ctx, actor, organization);
    if (!managed.ok) return managed;
    const { org, profile } = managed.value;
    const parsed = listSchema.safeParse(options);
    if (!parsed.success) {
      return denialOf(
        validationError(
          'list options',
          parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
          policy.format.prefix,
        ),
      );
    }
    const { status, page = 1, pageSize = 10 } = parsed.data;
    const statuses = status === undefined ? undefined : Array.isArray(status) ? status : [status];
    const result = await guard('STORE_FAILURE', STORE_FAILED, () =>
      store.list({
        organizationId: profile.id as OrganizationId,
        now: clock.now(),
        offset: (page - 1) * pageSize,
        limit: pageSize,
        ...(statuses ? { statuses } : {}),
      }),
    );
    return success(
      Object.freeze({
        items: Object.freeze(result.items.map((record) => presentRecord(handOut(record), org))),
        total: result.total,
        unreadable: result.unreadable,
        page,
        pageSize,
      }),
    );
  }

  function safeUpdate(
    actor: Actor,
    organization: string,
    id: string,
    input: UpdateTokenRequest,
  ): Promise<ManagementResult<AccessTokenRecord>> {
    return transition(ctx, actor, organization, id, (record) => {
      const parsed = safeParseUpdateInput(input, { organization: record.organization, now: clock.now(), policy });
      if (!parsed.ok) return denial(parsed.code, parsed.message, { fields: parsed.fields });
      const { operations, changed } = planUpdate(record, parsed.value);
      return success({ ops: operations, changes: parsed.value, changed });
    });
  }

  const safeDelete = (actor: Actor, organization: string, id: string) => deleteToken(ctx, actor, organization, id);

  function safeRotate(actor: Actor, organization: string, id: string, input?: RotateTokenRequest) {
    if (rotation === null)
      throw new OatError('MISCONFIGURED', 'createTokenService was given no rotation option', {
        context: { field: 'rotation' },
      });
    return rotateToken(ctx, rotation, actor, organization, id, input);
  }

  const reportFault = createFaultReporter(options.onError);
  const authenticate = createAuthenticator({
    store,
    hasher,
    clock,
    organizations,
    policy,
    lastUsedIntervalMs,
    touchLastUsed: lastUsed.touch,
    emit,
    reportFault,
    rateLimits,
    ...(rotation === null
      ? {}
      : {
          findRetired: createRetiredLookup({
            store: rotation.store as TokenStore & TokenRotationStore,
            policy: rotation.policy,
            lifecycle: policy.lifecycle,
            emit,
            reportFault,
          }),
        }),
  });

  return Object.freeze({
    policy,

    safeCreate,
    safeGet,
    safeList,
    safeUpdate,
    safeDeactivate,
    safeReactivate,
    safeDelete,
    safeRotate: async (actor: Actor, organization: string, id: string, input?: RotateTokenRequest) =>
      safeRotate(actor, organization, id, input),

    create: (actor: Actor, organization: string, input: CreateTokenRequest) =>
      orThrow(safeCreate(actor, organization, input)),
    get: (actor: Actor, organization: string, id: string) => orThrow(safeGet(actor, organization, id)),
    list: (actor: Actor, organization: string, options?: ListOptions) =>
      orThrow(safeList(actor, organization, options)),
    update: (actor: Actor, organization: string, id: string, input: UpdateTokenRequest) =>
      orThrow(safeUpdate(actor, organization, id, input)),
    deactivate: (actor: Actor, organization: string, id: string) => orThrow(safeDeactivate(actor, organization, id)),
    reactivate: (actor: Actor, organization: string, id: string) => orThrow(safeReactivate(actor, organization, id)),
    delete: (actor: Actor, organization: string, id: string) => orThrow(safeDelete(actor, organization, id)),
    rotate: async (actor: Actor, organization: string, id: string, input?: RotateTokenRequest) =>
      orThrow(safeRotate(actor, organization, id, input)),
    purgeOrganization: (organizationId: string) => purgeOrganization(ctx, organizationId),
    reportLeaked: (secret: unknown, request: LeakReportRequest) =>
      reportLeaked(ctx, hasher, secret, request, rotation?.store ?? null),

    authenticate,
    flush: lastUsed.flush,

    authorize: (principal: Principal, request: RepositoryRequest, action: string) =>
      authorize(grantsOf(principal), request, action),
    authorizeOrganization: (principal: Principal, scope: string) =>
      authorizeOrganization(grantsOf(principal), principal.organization, scope),
  });
}
