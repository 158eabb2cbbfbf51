import { canManageTokens, type Actor, type OrganizationProfile } from '../core/access.js';
import { checkStoredResources } from '../core/grants.js';
import { ceilingExcess, type CeilingExcess, type GrantCeiling } from '../core/ceiling.js';
import { presentRecord, rebaseResources } from '../core/identity.js';
import { toOrganizationName, toTokenId, type OrganizationName } from '../core/ids.js';
import { decideTransition, type LifecycleOperation } from '../core/lifecycle.js';
import type { RandomSource } from '../core/format.js';
import type { TokenPolicy } from '../core/policy.js';
import type { UpdateTokenInput } from '../core/requests.js';
import { freezeRecord, type AccessTokenRecord } from '../core/token.js';
import { OatError, validationError, type FieldIssue } from '../errors.js';
import { denial, denialOf, success, type ManagementDenial, type ManagementResult } from './outcomes.js';
import { guard } from '../faults.js';
import { checkProfile, misnamedProfile, profileNamed } from './profile-check.js';
import { fingerprintOf } from './hashers.js';
import type { Clock, ManagementAction, OrganizationDirectory, TokenEvent, TokenStore } from './ports.js';
import { checkReplaceOutcome } from './store-outcomes.js';

/**
 * What the service's operations share: its ports and policy, set up once by
 * `createTokenService`. Internal; never exported from an entry.
 */
export interface ServiceContext {
  readonly store: TokenStore;
  readonly organizations: OrganizationDirectory;
  readonly policy: TokenPolicy;
  readonly clock: Clock;
  /** Where secrets and token ids come from. */
  readonly random: RandomSource;
  /** `null` without a sink, so the hot path does not even build events nobody reads. */
  readonly emit: ((event: TokenEvent) => void) | null;
}

/** An actor allowed to manage an organization's tokens, and what it may grant there. */
export interface Manager {
  readonly org: OrganizationName;
  readonly profile: OrganizationProfile;
  readonly username: string;
  readonly ceiling: GrantCeiling;
}

/** What a lifecycle change asks for, planned from the current record (or the request's refusal). */
export interface TransitionPlan {
  readonly ops: ReadonlyArray<Exclude<LifecycleOperation, 'create'>>;
  readonly changes: UpdateTokenInput;
  readonly changed: ReadonlyArray<string>;
}

/** The message of every `STORE_FAILURE` the service wraps around a store fault. */
export const STORE_FAILED = 'The token store failed';

/** Optimistic retries before a write gives up with `CONFLICT` (or, for creation, `STORE_FAILURE`). */
export const MAX_ATTEMPTS = 5;

const EVENT_OF: Readonly<Record<Exclude<LifecycleOperation, 'create'>, ManagementAction>> = {
  update: 'access_token.update',
  deactivate: 'access_token.deactivate',
  reactivate: 'access_token.reactivate',
  delete: 'access_token.delete',
};

/** A `VALIDATION_FAILED` for one field of a request, to throw where bad input is misuse (a principal, a purge). */
export function invalid(path: string, message: string): OatError {
  return validationError('request', [{ path, message }]);
}

/** The same `VALIDATION_FAILED`, as a refusal of a management operation. */
function refuseField(path: string, message: string): ManagementDenial {
  return denialOf(invalid(path, message));
}

/**
 * A stored record as the service hands it out: deeply frozen. The port
 * promises frozen records; a store that breaks the promise gets a frozen copy
 * rather than having its own objects frozen under it.
 */
export function handOut(record: AccessTokenRecord): AccessTokenRecord {
  const frozen =
    Object.isFrozen(record) &&
    Object.isFrozen(record.resources) &&
    record.resources.every((r) => Object.isFrozen(r) && Object.isFrozen(r.scopes));
  return frozen
    ? record
    : freezeRecord({ ...record, resources: record.resources.map((r) => ({ ...r, scopes: [...r.scopes] })) });
}

/**
 * Validates the actor and organization, and checks the actor may manage its
 * tokens. Refuses bad input (`VALIDATION_FAILED`), an unknown organization
 * (`NOT_FOUND`) and a non-manager (`FORBIDDEN`) as values; a directory fault
 * rejects.
 */
export async function manage(
  ctx: ServiceContext,
  actor: unknown,
  organization: unknown,
): Promise<ManagementResult<Manager>> {
  const issues: FieldIssue[] = [];
  const org = toOrganizationName(organization);
  if (org === null) issues.push({ path: 'organization', message: 'must be an organization name' });
  const username = typeof actor === 'object' && actor !== null ? (actor as { username?: unknown }).username : undefined;
  if (typeof username !== 'string' || username.length === 0)
    issues.push({ path: 'actor.username', message: 'must be a non-empty string' });
  // Refused rather than ignored: a host still sending it expects it to grant something, and must learn it no longer
  // does.
  if (typeof actor === 'object' && actor !== null && Object.hasOwn(actor, 'permissions')) {
    issues.push({
      path: 'actor.permissions',
      message: 'is no longer read; list token managers per organization in OrganizationProfile.tokenManagers',
    });
  }
  if (issues.length > 0 || org === null || typeof username !== 'string')
    return denialOf(validationError('request', issues));
  const profile = checkProfile(
    await guard('DIRECTORY_FAILURE', 'The organization directory failed', () => ctx.organizations.get(org)),
  );
  if (profile === null)
    return denial('NOT_FOUND', `Organization "${org}" not found`, { context: { organization: org } });
  if (!profileNamed(profile, org)) throw misnamedProfile(org);
  const decision = canManageTokens(actor as Actor, profile, ctx.policy.catalog);
  if (!decision.allowed)
    return denial('FORBIDDEN', decision.message, {
      context: { organization: org, actor: username, code: decision.code },
    });
  return success({ org, profile, username, ceiling: decision.ceiling });
}

/** Refuses grants beyond the actor's ceiling, listing each (path, scope) in excess; `null` when there is none. */
export function beyondCeiling(
  org: OrganizationName,
  username: string,
  excess: ReadonlyArray<CeilingExcess>,
): ManagementDenial | null {
  if (excess.length === 0) return null;
  const list = excess.map((e) => `${e.path}: ${e.scope}`).join(', ');
  return denial('FORBIDDEN', `"${username}" may not grant ${list} in "${org}"`, {
    context: { organization: org, actor: username, code: 'BEYOND_CEILING', excess },
  });
}

/** A live token of the organization (by id), handed out under the organization's current name. */
export async function load(
  ctx: ServiceContext,
  org: OrganizationName,
  profile: OrganizationProfile,
  id: unknown,
): Promise<ManagementResult<AccessTokenRecord>> {
  const stored = await loadStored(ctx, org, profile, id);
  return stored.ok ? success(presentRecord(stored.value, org)) : stored;
}

/** A live token of the organization (by id) as stored: under the name it was created with. */
async function loadStored(
  ctx: ServiceContext,
  org: OrganizationName,
  profile: OrganizationProfile,
  id: unknown,
): Promise<ManagementResult<AccessTokenRecord>> {
  const tokenId = toTokenId(id);
  if (tokenId === null) return refuseField('id', 'must be a token id (UUID)');
  const record = await guard('STORE_FAILURE', STORE_FAILED, () => ctx.store.findById(tokenId));
  if (record === null || record.organizationId !== profile.id || record.state === 'deleted') {
    return denial('NOT_FOUND', `Token ${tokenId} not found in "${org}"`, { context: { organization: org, tokenId } });
  }
  return success(handOut(record));
}

/**
 * Applies lifecycle operations to a token with optimistic concurrency: read,
 * decide with the pure core, replace only if the version is unchanged;
 * re-read and decide again when another writer got there first, up to
 * {@link MAX_ATTEMPTS} times, then `CONFLICT`. Every refusal is a value;
 * store and directory faults reject.
 */
export async function transition(
  ctx: ServiceContext,
  actor: unknown,
  organization: unknown,
  id: unknown,
  plan: (record: AccessTokenRecord) => ManagementResult<TransitionPlan>,
): Promise<ManagementResult<AccessTokenRecord>> {
  const { store, policy, clock, emit } = ctx;
  const managed = await manage(ctx, actor, organization);
  if (!managed.ok) return managed;
  const { org, profile, username, ceiling } = managed.value;
  for (let attempt = 1; ; attempt++) {
    // Decisions read the token as its managers see it (grants under the current name); the write keeps the
    // stored name, which is what the grants are checked against at login.
    const loaded = await loadStored(ctx, org, profile, id);
    if (!loaded.ok) return loaded;
    const stored = loaded.value;
    const current = presentRecord(stored, org);
    const now = clock.now();
    const planned = plan(current);
    if (!planned.ok) return planned;
    const { ops, changes, changed } = planned.value;
    // Nothing to do (a repeated PATCH): no write, no event, and no denial for asking what already holds.
    if (ops.length === 0) return success(current);
    // Grants a create request could not make (a hand edit) are never carried into a new version: such a token
    // may only be deactivated or deleted.
    const refused = ops.find((op) => op !== 'deactivate' && op !== 'delete');
    if (refused !== undefined && checkStoredResources(stored.organization, stored.resources, policy).length > 0) {
      return denial(
        'TRANSITION_DENIED',
        `Cannot ${refused} token ${current.id}: its stored grants are invalid; delete it`,
        {
          context: { organization: org, tokenId: current.id, operation: refused, code: 'STORED_GRANTS_INVALID' },
        },
      );
    }
    if (changes.resources !== undefined && changed.includes('resources')) {
      // A manager may keep (or narrow) what the token already holds, and add only what it could grant itself.
      const held: GrantCeiling = { unlimited: false, organization: org, resources: current.resources };
      const beyond = ceilingExcess(ceiling, changes.resources, policy.catalog);
      const refusal = beyondCeiling(
        org,
        username,
        ceilingExcess(
          held,
          beyond.map((e) => ({ type: e.type, path: e.path, scopes: [e.scope] })),
          policy.catalog,
        ),
      );
      if (refusal !== null) return refusal;
    }
    let state = current.state;
    let view = current;
    for (const op of ops) {
      const decision = decideTransition(policy.lifecycle, view, op, now);
      if (!decision.allowed) {
        return denial('TRANSITION_DENIED', `Cannot ${op} a token that is ${decision.from} (rule: ${decision.code})`, {
          context: { organization: org, tokenId: current.id, operation: op, from: decision.from, code: decision.code },
        });
      }
      state = decision.to;
      view = { ...view, state };
    }
    // Reactivating hands the token's grants out again: only an actor who could grant them all may do it.
    if (ops.includes('reactivate')) {
      const refusal = beyondCeiling(org, username, ceilingExcess(ceiling, current.resources, policy.catalog));
      if (refusal !== null) return refusal;
    }
    const next = freezeRecord({
      ...stored,
      ...(changes.label === undefined ? {} : { label: changes.label }),
      ...(changes.description === undefined ? {} : { description: changes.description }),
      ...(changes.resources === undefined
        ? {}
        : { resources: rebaseResources(changes.resources, stored.organization) }),
      ...(changes.allowedNetworks === undefined ? {} : { allowedNetworks: changes.allowedNetworks }),
      state,
      updatedAt: now,
      version: stored.version + 1,
    });
    const outcome = checkReplaceOutcome(
      await guard('STORE_FAILURE', STORE_FAILED, () => store.replace(next, current.version)),
    );
    if (outcome.ok) {
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
      return success(presentRecord(freezeRecord({ ...next, lastUsedAt: current.lastUsedAt }), org));
    }
    if (attempt >= MAX_ATTEMPTS) {
      return denial('CONFLICT', `Token ${current.id} kept changing; try again`, {
        context: { organization: org, tokenId: current.id },
      });
    }
  }
}
