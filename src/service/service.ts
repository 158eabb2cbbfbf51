import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { canManageTokens, checkCompatibility, type Actor, type ClientContext, type OrganizationProfile } from '../core/access.js';
import { ceilingExcess, type CeilingExcess, type GrantCeiling } from '../core/ceiling.js';
import { authorize, authorizeOrganization, isCompiledGrants, type AuthorizationDecision, type CompiledGrants, type RepositoryRequest } from '../core/grants.js';
import { presentRecord, rebaseResources } from '../core/identity.js';
import { toOrganizationId, toOrganizationName, toTokenId, type OrganizationId, type OrganizationName, type TokenId } from '../core/ids.js';
import { tokenLifetimeCap } from '../core/lifetime.js';
import { decideTransition, planUpdate, type LifecycleOperation } from '../core/lifecycle.js';
import { createPolicy, DEFAULT_POLICY, type PolicyOptions, type TokenPolicy } from '../core/policy.js';
import { evaluateQuota, isPlanEligible, tokenLimit } from '../core/quota.js';
import { safeParseCreateInput, safeParseUpdateInput, type UpdateTokenInput } from '../core/schemas.js';
import { freezeRecord, type AccessTokenRecord, type EpochMillis, type TokenStatus } from '../core/token.js';
import { isOatError, OatError, validationError, type FieldIssue } from '../errors.js';
import { createAuthenticator, guard, type AuthenticationResult, type Principal } from './authenticator.js';
import { createFaultReporter, createLastUsedWriter, type BackgroundErrorHandler } from './bookkeeping.js';
import { checkedClock } from './clock.js';
import { checkProfile, createStaticOrganizationDirectory, type StaticOrganizationProfile } from './directory.js';
import { fingerprintOf, sha256Hasher } from './hashers.js';
import type { Clock, EventSink, ManagementAction, OrganizationDirectory, SecretHasher, TokenEvent, TokenStore } from './ports.js';
import { TokenSecret } from './secret.js';

/** Options for {@link createTokenService}. Only `store` is required. */
export interface TokenServiceOptions {
  readonly store: TokenStore;
  /** The host's organizations, or a fixed list of profiles (see `createStaticOrganizationDirectory`). Default: none. */
  readonly organizations?: OrganizationDirectory | ReadonlyArray<StaticOrganizationProfile>;
  /** Default: SHA-256, base64url. */
  readonly hasher?: SecretHasher;
  /** Default: the system clock. */
  readonly clock?: Clock;
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
}

/** What creation returns: the stored record and, this once, the secret. */
export interface CreatedToken {
  readonly token: AccessTokenRecord;
  /** Reveal it to the person who asked, once; it is stored nowhere. */
  readonly secret: TokenSecret;
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

/** What {@link TokenService.purgeOrganization} did. Frozen. */
export interface OrganizationPurge {
  readonly organizationId: OrganizationId;
  /** Tokens this call moved to `deleted` (and whose quota it freed). */
  readonly deleted: number;
}

/** The `actor` of the `access_token.delete` events a purge emits: the host, not a person. */
export const PURGE_ACTOR = 'host:purge';

/**
 * The token service: management for people, authentication and authorization for machines.
 * Everything it returns (records, pages, created tokens, principals) is deeply
 * frozen and every instant is {@link EpochMillis}, so a caller cannot change
 * stored state through a result.
 */
export interface TokenService {
  readonly policy: TokenPolicy;
  /** Creates a token; the only place its plaintext ever exists. */
  create(actor: Actor, organization: string, input: unknown): Promise<CreatedToken>;
  /** A token of the organization that is not deleted. */
  get(actor: Actor, organization: string, id: string): Promise<AccessTokenRecord>;
  /** A page of the organization's tokens. */
  list(actor: Actor, organization: string, options?: ListOptions): Promise<TokenListPage>;
  /** Changes label, description, resources, or (Hub's `is_active`) the active state. */
  update(actor: Actor, organization: string, id: string, input: unknown): Promise<AccessTokenRecord>;
  deactivate(actor: Actor, organization: string, id: string): Promise<AccessTokenRecord>;
  /** Only under a lifecycle that allows it (for example `docker-hub-current`). */
  reactivate(actor: Actor, organization: string, id: string): Promise<AccessTokenRecord>;
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
   * organization has left the directory. Rejects with `VALIDATION_FAILED`
   * naming `organizationId` when it is not an organization id.
   */
  purgeOrganization(organizationId: string): Promise<OrganizationPurge>;
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

const EVENT_OF: Readonly<Record<Exclude<LifecycleOperation, 'create'>, ManagementAction>> = {
  update: 'access_token.update',
  deactivate: 'access_token.deactivate',
  reactivate: 'access_token.reactivate',
  delete: 'access_token.delete',
};
const MAX_ATTEMPTS = 5;

const listSchema = z.strictObject({
  status: z.union([z.enum(['active', 'inactive', 'expired', 'deleted']), z.array(z.enum(['active', 'inactive', 'expired', 'deleted'])).min(1)]).optional(),
  page: z.int().min(1).max(1_000_000).optional(),
  pageSize: z.int().min(1).max(100).optional(),
});

function grantsOf(principal: Principal): CompiledGrants {
  const grants = (principal as Partial<Principal> | null | undefined)?.grants;
  if (!isCompiledGrants(grants)) throw invalid('principal', 'must be a principal returned by authenticate');
  return grants;
}

/**
 * A stored record as the service hands it out: deeply frozen. The port
 * promises frozen records; a store that breaks the promise gets a frozen copy
 * rather than having its own objects frozen under it.
 */
function handOut(record: AccessTokenRecord): AccessTokenRecord {
  const frozen =
    Object.isFrozen(record) && Object.isFrozen(record.resources) && record.resources.every((r) => Object.isFrozen(r) && Object.isFrozen(r.scopes));
  return frozen ? record : freezeRecord({ ...record, resources: record.resources.map((r) => ({ ...r, scopes: [...r.scopes] })) });
}

function invalid(path: string, message: string): OatError {
  return validationError('request', [{ path, message }]);
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
  const store = options.store;
  const missing = ['insertWithinQuota', 'replace', 'touchLastUsed', 'markDeleted', 'findById', 'findBySecretHash', 'list', 'countLive'].filter(
    (m) => typeof (store as unknown as Record<string, unknown> | undefined)?.[m] !== 'function',
  );
  if (missing.length > 0) throw new OatError('MISCONFIGURED', `The store lacks ${missing.join(', ')}`, { context: { missing } });
  const policy: TokenPolicy = options.policy === undefined ? DEFAULT_POLICY : 'format' in options.policy ? options.policy : createPolicy(options.policy);
  const organizations = Array.isArray(options.organizations)
    ? createStaticOrganizationDirectory(options.organizations)
    : ((options.organizations as OrganizationDirectory | undefined) ?? createStaticOrganizationDirectory([]));
  const hasher = options.hasher ?? sha256Hasher();
  const clock = checkedClock(options.clock);
  const lastUsedIntervalMs = options.lastUsedIntervalMs ?? 60_000;
  if (!Number.isFinite(lastUsedIntervalMs) || lastUsedIntervalMs < 0) {
    throw new OatError('MISCONFIGURED', 'lastUsedIntervalMs must be a non-negative number', { context: { field: 'lastUsedIntervalMs' } });
  }
  const lastUsedTimeoutMs = options.lastUsedTimeoutMs ?? 5_000;
  if (!Number.isFinite(lastUsedTimeoutMs) || lastUsedTimeoutMs <= 0) {
    throw new OatError('MISCONFIGURED', 'lastUsedTimeoutMs must be a positive number', { context: { field: 'lastUsedTimeoutMs' } });
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new OatError('MISCONFIGURED', 'onError must be a function', { context: { field: 'onError' } });
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
  const storeFailed = 'The token store failed';

  /** Validates the actor and organization, and checks the actor may manage its tokens. */
  async function manage(actor: unknown, organization: unknown): Promise<{ org: OrganizationName; profile: OrganizationProfile; username: string; ceiling: GrantCeiling }> {
    const issues: FieldIssue[] = [];
    const org = toOrganizationName(organization);
    if (org === null) issues.push({ path: 'organization', message: 'must be an organization name' });
    const username = typeof actor === 'object' && actor !== null ? (actor as { username?: unknown }).username : undefined;
    if (typeof username !== 'string' || username.length === 0) issues.push({ path: 'actor.username', message: 'must be a non-empty string' });
    // Refused rather than ignored: a host still sending it expects it to grant something, and must learn it no longer does.
    if (typeof actor === 'object' && actor !== null && Object.hasOwn(actor, 'permissions')) {
      issues.push({ path: 'actor.permissions', message: 'is no longer read; list token managers per organization in OrganizationProfile.tokenManagers' });
    }
    if (issues.length > 0 || org === null || typeof username !== 'string') throw validationError('request', issues);
    const profile = checkProfile(await guard('DIRECTORY_FAILURE', 'The organization directory failed', () => organizations.get(org)));
    if (profile === null) throw new OatError('NOT_FOUND', `Organization "${org}" not found`, { context: { organization: org } });
    const decision = canManageTokens(actor as Actor, profile, policy.catalog);
    if (!decision.allowed) throw new OatError('FORBIDDEN', decision.reason, { context: { organization: org, actor: username, code: decision.code } });
    return { org, profile, username, ceiling: decision.ceiling };
  }

  /** Refuses grants beyond the actor's ceiling, listing each (path, scope) in excess. */
  function withinCeiling(org: OrganizationName, username: string, excess: ReadonlyArray<CeilingExcess>): void {
    if (excess.length === 0) return;
    const list = excess.map((e) => `${e.path}: ${e.scope}`).join(', ');
    throw new OatError('FORBIDDEN', `"${username}" may not grant ${list} in "${org}"`, { context: { organization: org, actor: username, code: 'BEYOND_CEILING', excess } });
  }

  /** A live token of the organization (by id), as stored: under the name it was created with. */
  async function loadStored(org: OrganizationName, profile: OrganizationProfile, id: unknown): Promise<AccessTokenRecord> {
    const tokenId = toTokenId(id);
    if (tokenId === null) throw invalid('id', 'must be a token id (UUID)');
    const record = await guard('STORE_FAILURE', storeFailed, () => store.findById(tokenId));
    if (record === null || record.organizationId !== profile.id || record.state === 'deleted') {
      throw new OatError('NOT_FOUND', `Token ${tokenId} not found in "${org}"`, { context: { organization: org, tokenId } });
    }
    return handOut(record);
  }

  /** A live token of the organization (by id), handed out under the organization's current name. */
  const load = async (org: OrganizationName, profile: OrganizationProfile, id: unknown): Promise<AccessTokenRecord> => presentRecord(await loadStored(org, profile, id), org);

  /**
   * Applies lifecycle operations to a token with optimistic concurrency: read,
   * decide with the pure core, replace only if the version is unchanged;
   * re-read and decide again when another writer got there first.
   */
  async function transition(
    actor: unknown,
    organization: unknown,
    id: unknown,
    plan: (record: AccessTokenRecord) => { ops: ReadonlyArray<Exclude<LifecycleOperation, 'create'>>; changes: UpdateTokenInput; changed: ReadonlyArray<string> },
  ): Promise<AccessTokenRecord> {
    const { org, profile, username, ceiling } = await manage(actor, organization);
    for (let attempt = 1; ; attempt++) {
      const stored = await loadStored(org, profile, id);
      const current = presentRecord(stored, org);
      const now = clock.now();
      const { ops, changes, changed } = plan(current);
      // Nothing to do (a repeated PATCH): no write, no event, and no denial for asking what already holds.
      if (ops.length === 0) return current;
      if (changes.resources !== undefined && changed.includes('resources')) {
        // A manager may keep (or narrow) what the token already holds, and add only what it could grant itself.
        const held: GrantCeiling = { unlimited: false, organization: org, resources: current.resources };
        const beyond = ceilingExcess(ceiling, changes.resources, policy.catalog);
        withinCeiling(org, username, ceilingExcess(held, beyond.map((e) => ({ type: e.type, path: e.path, scopes: [e.scope] })), policy.catalog));
      }
      let state = current.state;
      let view = current;
      for (const op of ops) {
        const decision = decideTransition(policy.lifecycle, view, op, now);
        if (!decision.allowed) {
          throw new OatError('TRANSITION_DENIED', `Cannot ${op} a token that is ${decision.from} (rule: ${decision.rule})`, {
            context: { organization: org, tokenId: current.id, operation: op, from: decision.from, rule: decision.rule },
          });
        }
        state = decision.to;
        view = { ...view, state };
      }
      const next = freezeRecord({
        ...current,
        ...(changes.label === undefined ? {} : { label: changes.label }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.resources === undefined ? {} : { resources: changes.resources }),
        state,
        updatedAt: now,
        version: current.version + 1,
      });
      // Stores keep the name a row was created under, and its grants are written under that name too: stored-record
      // checks hold a row's grants to its name, and every read rebases them to the current one.
      const row = stored.organization === org ? next : freezeRecord({ ...next, organization: stored.organization, resources: rebaseResources(next.resources, stored.organization) });
      const outcome = await guard('STORE_FAILURE', storeFailed, () => store.replace(row, current.version));
      if (outcome === 'replaced') {
        for (const op of ops) {
          emit?.({
            type: EVENT_OF[op],
            at: now,
            organization: org,
            tokenId: current.id,
            fingerprint: fingerprintOf(current.secretHash),
            actor: username,
            ...(op === 'update' ? { changed } : {}),
          });
        }
        // The store keeps its own lastUsedAt on replace; report the one read with this version.
        return freezeRecord({ ...next, lastUsedAt: current.lastUsedAt });
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new OatError('CONFLICT', `Token ${current.id} kept changing; try again`, { context: { organization: org, tokenId: current.id } });
      }
    }
  }

  const simple = (op: Exclude<LifecycleOperation, 'create' | 'update'>) => (actor: Actor, organization: string, id: string) =>
    transition(actor, organization, id, () => ({ ops: [op], changes: {}, changed: [] }));

  const reportFault = createFaultReporter(options.onError);
  const deleteReadable = simple('delete');
  const authenticate = createAuthenticator({ store, hasher, clock, organizations, policy, lastUsedIntervalMs, touchLastUsed: lastUsed.touch, emit, reportFault });

  return Object.freeze({
    policy,

    async create(actor: Actor, organization: string, input: unknown): Promise<CreatedToken> {
      const { org, profile, username, ceiling } = await manage(actor, organization);
      const now = clock.now();
      const compatible = checkCompatibility(profile);
      if (!compatible.allowed) {
        throw new OatError('ORG_INCOMPATIBLE', compatible.reason, { context: { organization: org, incompatibility: compatible.code } });
      }
      const parsed = safeParseCreateInput(input, { organization: org, now, policy, maxTokenLifetimeDays: tokenLifetimeCap(profile, policy) });
      if (!parsed.ok) throw parsed.error;
      withinCeiling(org, username, ceilingExcess(ceiling, parsed.value.resources, policy.catalog));
      const limit = tokenLimit(policy.plans, profile.plan);
      if (!isPlanEligible(policy.plans, profile.plan)) {
        throw new OatError('PLAN_NOT_ELIGIBLE', `Plan "${profile.plan}" of "${org}" has no organization access tokens`, { context: { organization: org, plan: profile.plan } });
      }
      for (let attempt = 1; ; attempt++) {
        const plaintext = policy.format.generate();
        const record = freezeRecord<AccessTokenRecord>({
          // toTokenId flattens the id: randomUUID() returns a tree of string pieces (about 420 extra bytes per stored token).
          id: toTokenId(randomUUID()) as TokenId,
          // checkProfile has vetted the id.
          organizationId: profile.id as OrganizationId,
          organization: org,
          label: parsed.value.label,
          description: parsed.value.description,
          createdBy: username,
          createdAt: now,
          updatedAt: now,
          expiresAt: parsed.value.expiresAt,
          lastUsedAt: null,
          state: 'active',
          resources: parsed.value.resources,
          secretHash: hasher.hash(plaintext),
          displayPrefix: policy.format.displayPrefix(plaintext),
          version: 1,
        });
        const outcome = await guard('STORE_FAILURE', storeFailed, () => store.insertWithinQuota(record, limit));
        if (outcome.inserted) {
          emit?.({ type: 'access_token.create', at: now, organization: org, tokenId: record.id, fingerprint: fingerprintOf(record.secretHash), actor: username });
          return Object.freeze({ token: record, secret: new TokenSecret(plaintext, record.displayPrefix) });
        }
        if (outcome.reason === 'QUOTA_EXCEEDED') {
          const quota = evaluateQuota(policy.plans, profile.plan, outcome.count);
          throw new OatError('QUOTA_EXCEEDED', `"${org}" already holds ${outcome.count} of ${limit} tokens`, {
            context: { organization: org, limit: quota.limit, count: quota.count },
          });
        }
        if (attempt >= MAX_ATTEMPTS) throw new OatError('STORE_FAILURE', 'The store kept reporting duplicates for fresh ids', { context: { organization: org } });
      }
    },

    async get(actor: Actor, organization: string, id: string): Promise<AccessTokenRecord> {
      const { org, profile } = await manage(actor, organization);
      return load(org, profile, id);
    },

    async list(actor: Actor, organization: string, options: ListOptions = {}): Promise<TokenListPage> {
      const { org, profile } = await manage(actor, organization);
      const parsed = listSchema.safeParse(options);
      if (!parsed.success) {
        throw validationError('list options', parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })), policy.format.prefix);
      }
      const { status, page = 1, pageSize = 10 } = parsed.data;
      const statuses = status === undefined ? undefined : Array.isArray(status) ? status : [status];
      const result = await guard('STORE_FAILURE', storeFailed, () => store.list({ organizationId: profile.id as OrganizationId, now: clock.now(), offset: (page - 1) * pageSize, limit: pageSize, ...(statuses ? { statuses } : {}) }));
      return Object.freeze({ items: Object.freeze(result.items.map((record) => presentRecord(handOut(record), org))), total: result.total, unreadable: result.unreadable, page, pageSize });
    },

    update(actor: Actor, organization: string, id: string, input: unknown): Promise<AccessTokenRecord> {
      return transition(actor, organization, id, (record) => {
        const parsed = safeParseUpdateInput(input, { organization: record.organization, now: clock.now(), policy });
        if (!parsed.ok) throw parsed.error;
        const { operations, changed } = planUpdate(record, parsed.value);
        return { ops: operations, changes: parsed.value, changed };
      });
    },

    deactivate: simple('deactivate'),
    reactivate: simple('reactivate'),

    async delete(actor: Actor, organization: string, id: string): Promise<AccessTokenRecord | null> {
      try {
        return await deleteReadable(actor, organization, id);
      } catch (error) {
        const tokenId = toTokenId(id);
        if (tokenId === null || !isOatError(error) || error.code !== 'STORE_FAILURE' || error.context['reason'] !== 'UNREADABLE' || error.context['tokenId'] !== tokenId) throw error;
        // The row cannot be read, so nothing can be decided from it: the store's guard (this organization,
        // not yet deleted) is the whole check, and it is one statement, so concurrent deletes apply once.
        const { org, profile, username } = await manage(actor, organization);
        const now = clock.now();
        const hash = await guard('STORE_FAILURE', storeFailed, () => store.markDeleted(tokenId, profile.id as OrganizationId, now));
        if (hash === null) throw new OatError('NOT_FOUND', `Token ${tokenId} not found in "${org}"`, { context: { organization: org, tokenId } });
        emit?.({ type: 'access_token.delete', at: now, organization: org, tokenId, fingerprint: fingerprintOf(hash), actor: username });
        return null;
      }
    },

    async purgeOrganization(organizationId: string): Promise<OrganizationPurge> {
      const id = toOrganizationId(organizationId);
      if (id === null) throw invalid('organizationId', 'must be an organization id (1 to 255 characters, no control characters)');
      let deleted = 0;
      // Every round either deletes a token or counts as a stall; only writers that win every race can exhaust it.
      for (let stalls = 0; ; ) {
        const now = clock.now();
        const page = await guard('STORE_FAILURE', storeFailed, () => store.list({ organizationId: id, now, offset: 0, limit: 100 }));
        if (page.items.length === 0) return Object.freeze({ organizationId: id, deleted });
        let progressed = false;
        for (const record of page.items) {
          const next = freezeRecord({ ...handOut(record), state: 'deleted' as const, updatedAt: now, version: record.version + 1 });
          const outcome = await guard('STORE_FAILURE', storeFailed, () => store.replace(next, record.version));
          if (outcome !== 'replaced') continue;
          deleted++;
          progressed = true;
          emit?.({ type: 'access_token.delete', at: now, organization: record.organization, tokenId: record.id, fingerprint: fingerprintOf(record.secretHash), actor: PURGE_ACTOR });
        }
        if (!progressed && ++stalls >= MAX_ATTEMPTS) {
          throw new OatError('CONFLICT', 'The organization\'s tokens kept changing during the purge; try again', { context: { organizationId: id, deleted } });
        }
      }
    },

    authenticate,
    flush: lastUsed.flush,

    authorize: (principal: Principal, request: RepositoryRequest, action: string) => authorize(grantsOf(principal), request, action),
    authorizeOrganization: (principal: Principal, scope: string) => authorizeOrganization(grantsOf(principal), principal.organization, scope),
  });
}
