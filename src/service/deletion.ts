import type { Actor } from '../core/access.js';
import { toOrganizationId, toTokenId, type OrganizationId } from '../core/ids.js';
import { freezeRecord, type AccessTokenRecord } from '../core/token.js';
import { isOatError, OatError } from '../errors.js';
import { guard } from '../faults.js';
import { fingerprintOf } from './hashers.js';
import { checkReplaceOutcome } from './store-outcomes.js';
import {
  handOut,
  invalid,
  manage,
  MAX_ATTEMPTS,
  STORE_FAILED,
  transition,
  type ServiceContext,
  type TransitionPlan,
} from './management.js';
import { denial, success, type ManagementResult } from './outcomes.js';

/** What `TokenService.purgeOrganization` did. Frozen. */
export interface OrganizationPurge {
  readonly organizationId: OrganizationId;
  /** Tokens this call moved to `deleted` (and whose quota it freed), unreadable ones included. */
  readonly deleted: number;
  /**
   * Of `deleted`, tokens whose stored rows could not be read: marked deleted
   * by id (`TokenStore.markDeleted`) without an event, since no record says
   * under which organization name to report them.
   */
  readonly unreadable: number;
}

/** The `actor` of the `access_token.delete` events a purge emits: the host, not a person. */
export const PURGE_ACTOR = 'host:purge';

const DELETE_PLAN = success<TransitionPlan>(
  Object.freeze({ ops: Object.freeze(['delete'] as const), changes: Object.freeze({}), changed: Object.freeze([]) }),
);

/**
 * Deletes one token through the lifecycle, or, when its stored row cannot be
 * read, marks it deleted by id with the store's guard alone. Resolves to the
 * deleted record, or `null` for an unreadable row; refusals are values.
 */
export async function deleteToken(
  ctx: ServiceContext,
  actor: Actor,
  organization: string,
  id: string,
): Promise<ManagementResult<AccessTokenRecord | null>> {
  try {
    return await transition(ctx, actor, organization, id, () => DELETE_PLAN);
  } catch (error) {
    const tokenId = toTokenId(id);
    if (
      tokenId === null ||
      !isOatError(error) ||
      error.code !== 'STORE_FAILURE' ||
      error.context['reason'] !== 'UNREADABLE' ||
      error.context['tokenId'] !== tokenId
    )
      throw error;
    // The row cannot be read, so nothing can be decided from it: the store's guard (this organization,
    // not yet deleted) is the whole check, and it is one statement, so concurrent deletes apply once.
    const managed = await manage(ctx, actor, organization);
    if (!managed.ok) return managed;
    const { org, profile, username } = managed.value;
    const now = ctx.clock.now();
    const hash = await guard('STORE_FAILURE', STORE_FAILED, () =>
      ctx.store.markDeleted(tokenId, profile.id as OrganizationId, now),
    );
    if (hash === null)
      return denial('NOT_FOUND', `Token ${tokenId} not found in "${org}"`, { context: { organization: org, tokenId } });
    ctx.emit?.({
      type: 'access_token.delete',
      at: now,
      organization: org,
      tokenId,
      fingerprint: fingerprintOf(hash),
      actor: username,
    });
    return success(null);
  }
}

/**
 * Deletes every token of an organization id, readable or not, ignoring the
 * lifecycle; see `TokenService.purgeOrganization` for the contract. Each
 * readable token goes through the store's version guard, each unreadable one
 * through `markDeleted`'s organization-and-state guard.
 */
export async function purgeOrganization(ctx: ServiceContext, organizationId: string): Promise<OrganizationPurge> {
  const { store, clock, emit } = ctx;
  const id = toOrganizationId(organizationId);
  if (id === null)
    throw invalid('organizationId', 'must be an organization id (1 to 255 characters, no control characters)');
  let deleted = 0;
  let unreadable = 0;
  // Every round either deletes a token or counts as a stall; only writers that win every race can exhaust it.
  for (let stalls = 0; ; ) {
    const now = clock.now();
    const page = await guard('STORE_FAILURE', STORE_FAILED, () =>
      store.list({ organizationId: id, now, offset: 0, limit: 100 }),
    );
    // Rows without a readable id cannot be addressed at all; everything else is deleted below.
    if (page.items.length === 0 && page.unreadableIds.length === 0)
      return Object.freeze({ organizationId: id, deleted, unreadable });
    let progressed = false;
    for (const record of page.items) {
      const next = freezeRecord({
        ...handOut(record),
        state: 'deleted' as const,
        updatedAt: now,
        version: record.version + 1,
      });
      const outcome = checkReplaceOutcome(
        await guard('STORE_FAILURE', STORE_FAILED, () => store.replace(next, record.version)),
      );
      if (!outcome.ok) continue;
      deleted++;
      progressed = true;
      emit?.({
        type: 'access_token.delete',
        at: now,
        organization: record.organization,
        tokenId: record.id,
        fingerprint: fingerprintOf(record.secretHash),
        actor: PURGE_ACTOR,
      });
    }
    for (const tokenId of page.unreadableIds) {
      // The store's guard (this organization id, not yet deleted) is the whole check: nothing can be read to decide on.
      const hash = await guard('STORE_FAILURE', STORE_FAILED, () => store.markDeleted(tokenId, id, now));
      if (hash === null) continue;
      deleted++;
      unreadable++;
      progressed = true;
    }
    if (!progressed && ++stalls >= MAX_ATTEMPTS) {
      throw new OatError('CONFLICT', "The organization's tokens kept changing during the purge; try again", {
        context: { organizationId: id, deleted },
      });
    }
  }
}
