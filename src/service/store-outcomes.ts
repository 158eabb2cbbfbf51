import { OatError } from '../errors.js';
import type { InsertOutcome, ReplaceOutcome } from './ports.js';

/**
 * The outcomes of the built-in stores, frozen and shared so that no caller
 * can change one another receives, and the service's check of what a store
 * returns. Internal: not exported from any entry point.
 */

/** `insertWithinQuota` applied. */
export const INSERTED: InsertOutcome = Object.freeze({ ok: true });
/** `insertWithinQuota` refused: the id or the secret hash is stored already. */
export const DUPLICATE: InsertOutcome = Object.freeze({ ok: false, code: 'DUPLICATE' });
/** `replace` applied. */
export const REPLACED: ReplaceOutcome = Object.freeze({ ok: true });
/** `replace` refused by its version guard, or because the stored token is deleted. */
export const CONFLICT: ReplaceOutcome = Object.freeze({ ok: false, code: 'CONFLICT' });
/** `replace` refused: no token has the id. */
export const NOT_FOUND: ReplaceOutcome = Object.freeze({ ok: false, code: 'NOT_FOUND' });

/** `insertWithinQuota` refused by the quota guard, which saw `count` live tokens. */
export function quotaExceeded(count: number): InsertOutcome {
  return Object.freeze({ ok: false, code: 'QUOTA_EXCEEDED', count });
}

function brokenContract(method: string, outcome: unknown): OatError {
  // Only the shape is named: a store's answer is not the caller's to see, and 0.x stores answered with bare strings.
  const shape =
    typeof outcome === 'object' && outcome !== null
      ? `an object with keys ${Object.keys(outcome).join(', ') || '(none)'}`
      : typeof outcome;
  return new OatError(
    'STORE_FAILURE',
    `The token store broke its contract: ${method} resolved to ${shape}, not an outcome { ok, code }`,
    {
      context: { operation: method },
    },
  );
}

/**
 * What `insertWithinQuota` resolved to, checked: a store written for the 0.x
 * outcome shape (`{ inserted }`) would otherwise be read as a refusal of
 * every insert. Throws `STORE_FAILURE` for anything that is not an outcome.
 */
export function checkInsertOutcome(outcome: unknown): InsertOutcome {
  const o = outcome as Partial<{ ok: unknown; code: unknown; count: unknown }> | null;
  if (typeof o === 'object' && o !== null) {
    if (o.ok === true) return o as InsertOutcome;
    if (o.ok === false && o.code === 'DUPLICATE') return o as InsertOutcome;
    if (o.ok === false && o.code === 'QUOTA_EXCEEDED' && typeof o.count === 'number') return o as InsertOutcome;
  }
  throw brokenContract('insertWithinQuota', outcome);
}

/**
 * What `replace` resolved to, checked: a store written for the 0.x outcome
 * shape (`'replaced'`) would otherwise be read as a conflict after every
 * write it applied, and retried. Throws `STORE_FAILURE` for anything else.
 */
export function checkReplaceOutcome(outcome: unknown): ReplaceOutcome {
  const o = outcome as Partial<{ ok: unknown; code: unknown }> | null;
  if (
    typeof o === 'object' &&
    o !== null &&
    (o.ok === true || (o.ok === false && (o.code === 'CONFLICT' || o.code === 'NOT_FOUND')))
  )
    return o as ReplaceOutcome;
  throw brokenContract('replace', outcome);
}
