import { OatError, type FieldIssue } from '../errors.js';
import { toTokenId } from './ids.js';
import type { RotatedSecret } from './rotation.js';
import type { EpochMillis } from './token.js';

const MAX_EPOCH_MS = 8.64e15;
const EPOCH_TEXT = /^-?\d{1,16}$/;

// The encodings SQL drivers hand back for an instant: a Date (timestamptz), a number, a bigint or digit text.
function toInstant(value: unknown): EpochMillis | undefined {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value
        : typeof value === 'bigint'
          ? Number(value)
          : typeof value === 'string' && EPOCH_TEXT.test(value)
            ? Number(value)
            : Number.NaN;
  return Number.isSafeInteger(ms) && Math.abs(ms) <= MAX_EPOCH_MS ? ms : undefined;
}

/**
 * Turns a stored row of retired secrets (columns `secret_hash`, `token_id`,
 * `rotated_at`, `grace_ends_at`, `forget_at`) into a frozen
 * {@link RotatedSecret}, or throws `OatError` `STORE_FAILURE` with
 * `context.reason` `'UNREADABLE'` and `fields` naming every bad column (and
 * `context.tokenId` when that column reads). A row that breaks
 * `rotatedAt <= graceEndsAt <= forgetAt` is unreadable too: a hand-edited
 * grace must never let a retired secret log in.
 */
export function parseStoredRotatedSecret(row: unknown): RotatedSecret {
  const r = (typeof row === 'object' && row !== null ? row : {}) as Readonly<Record<string, unknown>>;
  const fields: FieldIssue[] = [];
  const secretHash = r['secret_hash'];
  if (typeof secretHash !== 'string' || secretHash === '')
    fields.push({ path: 'secret_hash', message: 'must be a non-empty string' });
  const tokenId = toTokenId(r['token_id']);
  if (tokenId === null) fields.push({ path: 'token_id', message: 'must be a token id (UUID)' });
  const instant = (column: string): EpochMillis => {
    const ms = toInstant(r[column]);
    if (ms === undefined) fields.push({ path: column, message: 'must be an instant' });
    return ms ?? 0;
  };
  const rotatedAt = instant('rotated_at');
  const graceEndsAt = instant('grace_ends_at');
  const forgetAt = instant('forget_at');
  if (fields.length === 0 && !(rotatedAt <= graceEndsAt && graceEndsAt <= forgetAt))
    fields.push({ path: 'grace_ends_at', message: 'must lie between rotated_at and forget_at' });
  if (fields.length > 0 || tokenId === null) {
    const columns = fields.map((f) => f.path).join(', ');
    throw new OatError('STORE_FAILURE', `The store returned a malformed rotated secret (bad: ${columns})`, {
      fields,
      context: { reason: 'UNREADABLE', ...(tokenId === null ? {} : { tokenId }) },
    });
  }
  return Object.freeze({ tokenId, secretHash: secretHash as string, rotatedAt, graceEndsAt, forgetAt });
}
