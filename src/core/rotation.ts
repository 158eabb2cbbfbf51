import { OatError, type FieldIssue } from '../errors.js';
import { DAY_MS } from './instant.js';
import type { TokenId } from './ids.js';
import { freezeRecord, isExpired, type AccessTokenRecord, type EpochMillis } from './token.js';

/**
 * The rotation settings a host chooses once: how long a caller may keep a
 * rotated-out secret working, whether presenting one later deactivates the
 * token, and how long the record that recognises it is kept. Deeply frozen;
 * build with {@link createRotationPolicy}. Kept apart from `TokenPolicy` so
 * a host that never rotates configures nothing.
 */
export interface RotationPolicy {
  /** The longest grace window a rotate request may ask for, in whole seconds (0 to 30 days). Default one day. */
  readonly maxGraceSeconds: number;
  /** Whether a rotated-out secret presented after its grace deactivates the token. Default `false`. */
  readonly reuseDetection: boolean;
  /** How long after its grace a rotated-out hash is still recognised, in whole days (1 to 366). Default 90. */
  readonly reuseRecordDays: number;
}

/** Options for {@link createRotationPolicy}; each left out takes its default. */
export interface RotationPolicyOptions {
  readonly maxGraceSeconds?: number;
  readonly reuseDetection?: boolean;
  readonly reuseRecordDays?: number;
}

/** The longest grace window any policy allows: a secret left working for longer is not rotated in any useful sense. */
export const MAX_GRACE_SECONDS = 30 * 86_400;

/**
 * Builds a rotation policy. Throws `MISCONFIGURED` naming the option that is
 * out of range. Invariant: the values checked are the values kept; the result
 * is frozen and owns nothing of `options`.
 *
 * @example
 * ```ts
 * const rotation = createRotationPolicy({ maxGraceSeconds: 3600, reuseDetection: true });
 * ```
 */
export function createRotationPolicy(options: RotationPolicyOptions = {}): RotationPolicy {
  const { maxGraceSeconds = 86_400, reuseDetection = false, reuseRecordDays = 90 } = options;
  if (!Number.isSafeInteger(maxGraceSeconds) || maxGraceSeconds < 0 || maxGraceSeconds > MAX_GRACE_SECONDS) {
    throw new OatError('MISCONFIGURED', `maxGraceSeconds must be a whole number from 0 to ${MAX_GRACE_SECONDS}`, {
      context: { field: 'maxGraceSeconds' },
    });
  }
  if (typeof reuseDetection !== 'boolean') {
    throw new OatError('MISCONFIGURED', 'reuseDetection must be a boolean', { context: { field: 'reuseDetection' } });
  }
  if (!Number.isSafeInteger(reuseRecordDays) || reuseRecordDays < 1 || reuseRecordDays > 366) {
    throw new OatError('MISCONFIGURED', 'reuseRecordDays must be a whole number from 1 to 366', {
      context: { field: 'reuseRecordDays' },
    });
  }
  return Object.freeze({ maxGraceSeconds, reuseDetection, reuseRecordDays });
}

/** The default rotation policy: one day of grace at most, no reuse detection, reuse records kept 90 days. */
export const DEFAULT_ROTATION_POLICY: RotationPolicy = createRotationPolicy();

/**
 * Reads a rotate request's `graceSeconds` (absent: 0, the old secret stops at
 * once) against the policy's bound. A result: the grace in milliseconds, or
 * `VALIDATION_FAILED` with one field issue at `graceSeconds`. Pure.
 */
export function parseGraceSeconds(
  value: unknown,
  policy: Pick<RotationPolicy, 'maxGraceSeconds'>,
):
  | { readonly ok: true; readonly value: number }
  | {
      readonly ok: false;
      readonly code: 'VALIDATION_FAILED';
      readonly message: string;
      readonly fields: ReadonlyArray<FieldIssue>;
    } {
  if (value === undefined) return Object.freeze({ ok: true, value: 0 });
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > policy.maxGraceSeconds) {
    const issue: FieldIssue = Object.freeze({
      path: 'graceSeconds',
      message: `must be a whole number of seconds from 0 to ${policy.maxGraceSeconds}`,
    });
    return Object.freeze({
      ok: false,
      code: 'VALIDATION_FAILED',
      message: 'Invalid rotate request',
      fields: Object.freeze([issue]),
    });
  }
  return Object.freeze({ ok: true, value: value * 1000 });
}

/**
 * What a store keeps of a rotated-out secret: its hash, the token it belonged
 * to, when it was rotated out, until when it still logs in, and until when it
 * is still recognised for reuse detection.
 *
 * Invariant: `rotatedAt <= graceEndsAt <= forgetAt`. A store answers it as a
 * login secret only while `now < graceEndsAt` and drops it once
 * `now >= forgetAt`; in between it is "a rotated-out secret of `tokenId`".
 */
export interface RotatedSecret {
  readonly tokenId: TokenId;
  readonly secretHash: string;
  readonly rotatedAt: EpochMillis;
  readonly graceEndsAt: EpochMillis;
  readonly forgetAt: EpochMillis;
}

/**
 * The record to keep for the secret a rotation at `now` retires, with a grace
 * of `graceMs`. It is forgotten `reuseRecordDays` after its grace, or when the
 * token expires if that is later than the grace but sooner, because a reuse
 * of an expired token's secret is refused as `EXPIRED` anyway and the record
 * then guards nothing. Bounded so stores never grow with every rotation ever
 * made. Pure.
 */
export function retireSecret(
  token: Pick<AccessTokenRecord, 'id' | 'secretHash' | 'expiresAt'>,
  now: EpochMillis,
  graceMs: number,
  policy: Pick<RotationPolicy, 'reuseRecordDays'>,
): RotatedSecret {
  const graceEndsAt = now + graceMs;
  const kept = graceEndsAt + policy.reuseRecordDays * DAY_MS;
  const forgetAt = token.expiresAt === null ? kept : Math.max(graceEndsAt, Math.min(kept, token.expiresAt));
  return Object.freeze({ tokenId: token.id, secretHash: token.secretHash, rotatedAt: now, graceEndsAt, forgetAt });
}

/** Why {@link decideRotatedSecret} refuses: the secret was rotated out and its grace is over. */
export const ROTATION_DENIAL_CODES = Object.freeze(['ROTATED'] as const);

/** A code of {@link ROTATION_DENIAL_CODES}. */
export type RotationDenialCode = (typeof ROTATION_DENIAL_CODES)[number];

/**
 * The outcome of {@link decideRotatedSecret}: still in its grace (the login
 * goes on to the usual checks), or refused as `ROTATED`, with `deactivate`
 * true when reuse detection asks the caller to deactivate the token and emit
 * an audit event.
 */
export type RotatedSecretDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: RotationDenialCode; readonly deactivate: boolean };

const IN_GRACE: RotatedSecretDecision = Object.freeze({ allowed: true });
const ROTATED: RotatedSecretDecision = Object.freeze({ allowed: false, code: 'ROTATED', deactivate: false });
const REUSED: RotatedSecretDecision = Object.freeze({ allowed: false, code: 'ROTATED', deactivate: true });

/**
 * Decides a login with a secret a store recognised as rotated out, at `now`.
 * Allowed exactly while `now < graceEndsAt`; after that `ROTATED`, with
 * `deactivate` when `policy.reuseDetection` is on: a secret that should be
 * gone and comes back is a sign it leaked, so the whole token goes (as
 * GitLab revokes a token family on reuse). Pure; returns shared frozen
 * constants, so safe to call concurrently and free on the login path.
 */
export function decideRotatedSecret(
  rotated: Pick<RotatedSecret, 'graceEndsAt'>,
  now: EpochMillis,
  policy: Pick<RotationPolicy, 'reuseDetection'>,
): RotatedSecretDecision {
  if (now < rotated.graceEndsAt) return IN_GRACE;
  return policy.reuseDetection ? REUSED : ROTATED;
}

/** Why {@link checkRotatable} refuses: rotation is for a live, active, unexpired token. */
export const ROTATABLE_DENIAL_CODES = Object.freeze(['DELETED', 'EXPIRED', 'INACTIVE'] as const);

/** A code of {@link ROTATABLE_DENIAL_CODES}. */
export type RotatableDenialCode = (typeof ROTATABLE_DENIAL_CODES)[number];

/**
 * Whether a token may be rotated at `now`: only an active token that has not
 * expired, since a new secret for a token that cannot log in would be a
 * secret that works nowhere (or, for an inactive one, a way round
 * reactivation's ceiling check). Pure; checks in the order `DELETED`,
 * `EXPIRED`, `INACTIVE`, as a login does.
 */
export function checkRotatable(
  token: Pick<AccessTokenRecord, 'state' | 'expiresAt'>,
  now: EpochMillis,
):
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: RotatableDenialCode; readonly message: string } {
  if (token.state === 'deleted')
    return { allowed: false, code: 'DELETED', message: 'A deleted token cannot be rotated' };
  if (isExpired(token, now)) return { allowed: false, code: 'EXPIRED', message: 'An expired token cannot be rotated' };
  if (token.state === 'inactive')
    return { allowed: false, code: 'INACTIVE', message: 'An inactive token cannot be rotated; reactivate it first' };
  return { allowed: true };
}

/** What a rotation writes: the token's next version under the new secret, and the record of the secret it retires. */
export interface RotationPlan {
  readonly next: AccessTokenRecord;
  readonly retired: RotatedSecret;
}

/**
 * The writes of rotating `token` at `now` to a secret whose hash is
 * `secretHash` and display prefix is `displayPrefix`, the old secret kept
 * for `graceMs`. Pure; the caller checks {@link checkRotatable} and its
 * authority first, and the store applies both writes in one step guarded by
 * `token.version`, so of two concurrent rotations one wins.
 *
 * Invariant: `next` differs from `token` only in `secretHash`,
 * `displayPrefix`, `updatedAt` (`now`) and `version` (`+ 1`): same id,
 * grants, state and expiry. `retired` names the old hash and the token.
 */
export function planRotation(
  token: AccessTokenRecord,
  secret: { readonly secretHash: string; readonly displayPrefix: string },
  now: EpochMillis,
  graceMs: number,
  policy: Pick<RotationPolicy, 'reuseRecordDays'>,
): RotationPlan {
  const next = freezeRecord({
    ...token,
    secretHash: secret.secretHash,
    displayPrefix: secret.displayPrefix,
    updatedAt: now,
    version: token.version + 1,
  });
  return Object.freeze({ next, retired: retireSecret(token, now, graceMs, policy) });
}
