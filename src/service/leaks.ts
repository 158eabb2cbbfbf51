import { decideTransition } from '../core/lifecycle.js';
import { statusOf, type AccessTokenRecord, type EpochMillis } from '../core/token.js';
import { guard } from '../faults.js';
import { fingerprintOf } from './hashers.js';
import { writeSystemDeactivation } from './system-deactivation.js';
import {
  LEAK_ACTOR,
  parseLeakReportRequest,
  type LeakAction,
  type LeakReport,
  type LeakReportRequest,
  type LeakReportResult,
} from './leak-report.js';
import { handOut, MAX_ATTEMPTS, STORE_FAILED, type ServiceContext } from './management.js';
import type { SecretHasher, TokenRotationStore, TokenStore } from './ports.js';

const FALSE_POSITIVE: LeakReportResult = Object.freeze({
  ok: true,
  value: Object.freeze({
    label: 'false_positive',
    action: 'NONE',
    tokenId: null,
    organizationId: null,
    organization: null,
  }),
});

const ALREADY: Readonly<Record<'inactive' | 'expired' | 'deleted', Exclude<LeakAction, 'NONE'>>> = {
  inactive: 'ALREADY_INACTIVE',
  expired: 'ALREADY_EXPIRED',
  deleted: 'ALREADY_DELETED',
};

/**
 * The URL as the audit log may show it: a well-formed secret contains only
 * letters, digits and `_`, so it is matched literally, in any case (a
 * lower-cased copy is as good as the secret). A URL that carries the secret
 * percent-encoded (`%6f%61%74%5f…`) cannot be cut around it: it keeps only
 * its origin.
 */
function withoutSecret(url: string, secret: string): string {
  const literal = url.replace(new RegExp(secret, 'gi'), '[redacted]');
  let decoded: string;
  try {
    decoded = decodeURIComponent(literal);
  } catch {
    decoded = literal;
  }
  if (!decoded.toLowerCase().includes(secret.toLowerCase())) return literal;
  try {
    return `${new URL(url).origin}/[redacted]`;
  } catch {
    return '[redacted]';
  }
}

/**
 * The stored token that holds `hash`: live, or, with rotation, as a retired
 * secret still recorded at `now` (in its grace it still logs in; after it, its
 * return is what reuse detection watches for), or `null`.
 */
async function findHolder(
  store: TokenStore,
  retired: TokenRotationStore | null,
  hash: string,
  now: EpochMillis,
): Promise<AccessTokenRecord | null> {
  const live = await store.findBySecretHash(hash);
  if (live !== null || retired === null) return live;
  const rotated = await retired.findRotatedSecret(hash);
  // Past forgetAt a login no longer recognises it either (NOT_FOUND): it guards nothing.
  if (rotated === null || now >= rotated.forgetAt) return null;
  return store.findById(rotated.tokenId);
}

/**
 * Reports a secret found in public (by a secret scanner): a live token of
 * ours is deactivated (mode `revoke`) or left as it is (mode `report`), and
 * every token of ours found emits `access_token.leaked`. Takes no actor, and
 * needs none: whoever holds the secret can already use it, so presenting it
 * proves nothing beyond the leak, and the only effect this operation can have
 * is to take the token's power away.
 *
 * Goes through the policy's lifecycle and the store's version guard as a
 * manager's `deactivate` does, re-reading and deciding again when another
 * writer got there first, up to {@link MAX_ATTEMPTS} times (then `CONFLICT`).
 * With `retired` (the service has rotation), a secret rotated out but still
 * recorded counts as its token's: in its grace it still logs in, so its token
 * is deactivated as for a live leak. A secret that is not a well-formed
 * token, or that no stored token has (live or recorded as retired), is a
 * `false_positive`; a token of ours in any state is a `true_positive`. The
 * leak event's fingerprint is the leaked secret's.
 * Store faults reject with `STORE_FAILURE`, as everywhere else.
 */
export async function reportLeaked(
  ctx: ServiceContext,
  hasher: SecretHasher,
  secret: unknown,
  request: LeakReportRequest,
  retired: TokenRotationStore | null = null,
): Promise<LeakReportResult> {
  const parsed = parseLeakReportRequest(request);
  if (!parsed.ok) return parsed;
  const { mode, source } = parsed.value;
  // Checked before hashing, like a login: garbage costs no hash and no store trip.
  if (!ctx.policy.format.check(secret).ok) return FALSE_POSITIVE;
  const plaintext = secret as string;
  const url = withoutSecret(parsed.value.url, plaintext);
  const hash = hasher.hash(plaintext);
  const { store, policy, clock, emit } = ctx;
  const settle = (record: AccessTokenRecord, at: EpochMillis, action: Exclude<LeakAction, 'NONE'>): LeakReport => {
    const { id: tokenId, organizationId, organization } = record;
    emit?.({
      type: 'access_token.leaked',
      at,
      organization,
      organizationId,
      tokenId,
      // The leaked secret's, which is the token's own unless a rotation retired it.
      fingerprint: fingerprintOf(hash),
      url,
      source,
      action,
    });
    return Object.freeze({ label: 'true_positive', action, tokenId, organizationId, organization });
  };
  for (let attempt = 1; ; attempt++) {
    const found = await guard('STORE_FAILURE', STORE_FAILED, () => findHolder(store, retired, hash, clock.now()));
    if (found === null) return FALSE_POSITIVE;
    const record = handOut(found);
    const now = clock.now();
    const status = statusOf(record, now);
    if (status !== 'active') return Object.freeze({ ok: true, value: settle(record, now, ALREADY[status]) });
    if (mode === 'report') return Object.freeze({ ok: true, value: settle(record, now, 'REPORTED') });
    const decision = decideTransition(policy.lifecycle, record, 'deactivate', now);
    if (!decision.allowed) {
      settle(record, now, 'REPORTED');
      return Object.freeze({
        ok: false,
        code: 'TRANSITION_DENIED',
        message: `Cannot deactivate leaked token ${record.id}: the lifecycle refuses it (code: ${decision.code})`,
      });
    }
    // The state change has its management event, as every deactivation does, so a log that follows state by
    // those events stays right; the leak event says why.
    const applied = await guard('STORE_FAILURE', STORE_FAILED, () =>
      writeSystemDeactivation(store, record, decision.to, now, LEAK_ACTOR, emit),
    );
    if (applied) return Object.freeze({ ok: true, value: settle(record, now, 'DEACTIVATED') });
    if (attempt >= MAX_ATTEMPTS) {
      return Object.freeze({
        ok: false,
        code: 'CONFLICT',
        message: `Leaked token ${record.id} kept changing; report it again`,
      });
    }
  }
}
