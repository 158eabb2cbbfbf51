import { validationError } from '../errors.js';

/**
 * One organization whose quota counter disagrees with its token rows, as
 * `checkQuotaCounters` of either SQL store reports it. Frozen.
 */
export interface QuotaCounterMismatch {
  /**
   * The organization id the counter is kept for (for tokens from 0.1, their organization name, which `migrate` made
   * their id).
   */
  readonly organizationId: string;
  /** What the counter holds (0 when the organization has no counter row). */
  readonly counted: number;
  /** How many non-deleted tokens the organization holds. */
  readonly live: number;
}

/**
 * What `checkQuotaCounters` found, and whether it repaired it; the same shape
 * from the SQLite and the PostgreSQL store. Frozen, `mismatches` included.
 *
 * Invariant: `mismatches` is sorted by `organizationId` bytewise (UTF-8
 * bytes, that is code point order, whatever the database's collation), so both stores list the same
 * drift in the same order.
 */
export interface QuotaCounterReport {
  /** Organizations checked: every one with a counter row or a token row. */
  readonly checked: number;
  /** Organizations whose counter differs from their live count, as found, before any repair. */
  readonly mismatches: ReadonlyArray<QuotaCounterMismatch>;
  /** `true` when `repair` was asked and there was something to repair: every mismatch is now corrected. */
  readonly repaired: boolean;
}

/**
 * Reads the `repair` flag of a `checkQuotaCounters` options object, so both
 * stores refuse the same inputs: options that are not an object, and a
 * `repair` that is not a boolean (`'true'` must not pass for a plain check),
 * throw `VALIDATION_FAILED` naming the field. `undefined` means no repair.
 */
export function repairRequested(options: unknown): boolean {
  if (options === undefined) return false;
  if (typeof options !== 'object' || options === null)
    throw validationError('checkQuotaCounters options', [{ path: '', message: 'must be an object' }]);
  const { repair } = options as { repair?: unknown };
  if (repair !== undefined && typeof repair !== 'boolean')
    throw validationError('checkQuotaCounters options', [{ path: 'repair', message: 'must be a boolean' }]);
  return repair === true;
}
