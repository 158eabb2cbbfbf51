import type { TokenId } from '../core/ids.js';
import { decideTransition, type LifecyclePolicy } from '../core/lifecycle.js';
import { decideRotatedSecret, type RotatedSecret, type RotationPolicy } from '../core/rotation.js';
import { statusOf, type AccessTokenRecord, type EpochMillis } from '../core/token.js';
import { isOatError, type OatError } from '../errors.js';
import { wrapFault } from '../faults.js';
import type { BackgroundFaultContext } from './bookkeeping.js';
import { MAX_ATTEMPTS } from './management.js';
import type { TokenEvent, TokenRotationStore, TokenStore } from './ports.js';
import { writeSystemDeactivation } from './system-deactivation.js';

/** The actor of the `access_token.deactivate` event reuse detection emits. */
export const REUSE_DETECTION_ACTOR = 'host:rotated-secret-reuse';

/**
 * What a login whose hash no live token has learns from the retired secrets:
 * the token to go on with and when the secret's grace ends (it is in its
 * grace), or why it is refused.
 */
export type RetiredLookupResult =
  | { readonly ok: true; readonly record: AccessTokenRecord; readonly graceEndsAt: EpochMillis }
  | {
      readonly ok: false;
      readonly code: 'NOT_FOUND' | 'ROTATED' | 'RECORD_INVALID';
      readonly tokenId: TokenId | null;
    };

/** What {@link createRetiredLookup} reads and writes. */
export interface RetiredLookupDeps {
  readonly store: TokenStore & TokenRotationStore;
  readonly policy: RotationPolicy;
  readonly lifecycle: LifecyclePolicy<string>;
  readonly emit: ((event: TokenEvent) => void) | null;
  readonly reportFault: (error: OatError, context: BackgroundFaultContext) => void;
}

const NOT_FOUND: RetiredLookupResult = Object.freeze({ ok: false, code: 'NOT_FOUND', tokenId: null });

/**
 * Builds the second lookup of a login, run only when the live lookup missed:
 * a retired hash in its grace goes on with its token's current record (the
 * usual login checks follow); after its grace it is `ROTATED`, and with
 * reuse detection the token is deactivated first. A retired record past its
 * `forgetAt` counts as gone (`NOT_FOUND`). Store faults of the lookups reject
 * as `STORE_FAILURE`; an unreadable row is `RECORD_INVALID` and reported.
 * The deactivation is best effort: its faults are reported, never thrown.
 */
export function createRetiredLookup(
  deps: RetiredLookupDeps,
): (hash: string, now: EpochMillis) => Promise<RetiredLookupResult> {
  const { store, policy, reportFault } = deps;

  const read = async <T>(read: () => T | Promise<T>): Promise<T | RetiredLookupResult> => {
    try {
      return await read();
    } catch (error) {
      if (isOatError(error) && error.code === 'STORE_FAILURE' && error.context['reason'] === 'UNREADABLE') {
        const id = error.context['tokenId'];
        const tokenId = typeof id === 'string' ? (id as TokenId) : null;
        reportFault(error, { operation: 'authenticate', tokenId });
        return Object.freeze({ ok: false, code: 'RECORD_INVALID', tokenId });
      }
      throw wrapFault('STORE_FAILURE', 'The token store failed', error);
    }
  };
  const isResult = (value: unknown): value is RetiredLookupResult =>
    typeof value === 'object' && value !== null && 'ok' in value;

  return async (hash, now) => {
    const rotated = await read<RotatedSecret | null>(() => store.findRotatedSecret(hash));
    if (isResult(rotated)) return rotated;
    if (rotated === null || now >= rotated.forgetAt) return NOT_FOUND;
    const decision = decideRotatedSecret(rotated, now, policy);
    if (!decision.allowed) {
      if (decision.deactivate) await deactivateOnReuse(deps, rotated, now);
      return Object.freeze({ ok: false, code: 'ROTATED', tokenId: rotated.tokenId });
    }
    const record = await read<AccessTokenRecord | null>(() => store.findById(rotated.tokenId));
    if (isResult(record)) return record;
    return record === null ? NOT_FOUND : Object.freeze({ ok: true, record, graceEndsAt: rotated.graceEndsAt });
  };
}

/**
 * Deactivates the token a reused retired secret names, through the lifecycle
 * and the version guard as a manager's `deactivate`, and emits
 * `access_token.deactivate` with actor {@link REUSE_DETECTION_ACTOR}. A token
 * no longer active is left alone. Never throws: faults reach `reportFault`.
 */
async function deactivateOnReuse(deps: RetiredLookupDeps, rotated: RotatedSecret, now: EpochMillis): Promise<void> {
  const { store, lifecycle, emit } = deps;
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const record = await store.findById(rotated.tokenId);
      if (record === null || statusOf(record, now) !== 'active') return;
      const decision = decideTransition(lifecycle, record, 'deactivate', now);
      if (!decision.allowed) return;
      if (await writeSystemDeactivation(store, record, decision.to, now, REUSE_DETECTION_ACTOR, emit)) return;
    }
    throw new Error(`token ${rotated.tokenId} kept changing`);
  } catch (error) {
    deps.reportFault(
      wrapFault('STORE_FAILURE', 'Reuse detection could not deactivate the token of a rotated-out secret', error, {
        operation: 'authenticate',
        reason: 'REUSE_DEACTIVATION',
        tokenId: rotated.tokenId,
      }),
      { operation: 'authenticate', tokenId: rotated.tokenId },
    );
  }
}
