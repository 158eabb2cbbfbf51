import { freezeRecord, type AccessTokenRecord, type EpochMillis, type TokenState } from '../core/token.js';
import { fingerprintOf } from './hashers.js';
import type { TokenEvent, TokenStore } from './ports.js';
import { checkReplaceOutcome } from './store-outcomes.js';

/**
 * Writes the deactivation the library makes on its own (a leak report, a
 * reused rotated-out secret) as a manager's `deactivate` writes it: `record`
 * moves to `to` (the state the lifecycle's decision names) at `now`, guarded by
 * its version, and `access_token.deactivate` is emitted with `actor` once the
 * write applied. Resolves to whether it applied; a lost race resolves `false`
 * (the caller reloads and decides again), a store fault rejects.
 */
export async function writeSystemDeactivation(
  store: TokenStore,
  record: AccessTokenRecord,
  to: TokenState,
  now: EpochMillis,
  actor: string,
  emit: ((event: TokenEvent) => void) | null | undefined,
): Promise<boolean> {
  const next = freezeRecord({ ...record, state: to, updatedAt: now, version: record.version + 1 });
  if (!checkReplaceOutcome(await store.replace(next, record.version)).ok) return false;
  emit?.({
    type: 'access_token.deactivate',
    at: now,
    organization: record.organization,
    tokenId: record.id,
    fingerprint: fingerprintOf(record.secretHash),
    actor,
  });
  return true;
}
