import { checkStoredResources } from '../core/grants.js';
import { ceilingExcess } from '../core/ceiling.js';
import { checkRotatable, parseGraceSeconds, planRotation, type RotationPolicy } from '../core/rotation.js';
import { guard } from '../faults.js';
import { validationError } from '../errors.js';
import type { CreatedToken } from './creation.js';
import { fingerprintOf } from './hashers.js';
import { beyondCeiling, load, manage, MAX_ATTEMPTS, STORE_FAILED, type ServiceContext } from './management.js';
import { denial, denialOf, success, type ManagementResult } from './outcomes.js';
import type { SecretHasher, TokenRotationStore } from './ports.js';
import { TokenSecret } from './secret.js';
import { checkReplaceOutcome } from './store-outcomes.js';

/**
 * A rotate request: how long the secret it retires keeps working, in whole
 * seconds (default 0: it stops at once), at most the rotation policy's
 * `maxGraceSeconds`.
 */
export interface RotateTokenRequest {
  readonly graceSeconds?: number;
}

/** What rotation needs besides the service's context: the store's rotation capability, its policy and the hasher. */
export interface RotationSetup {
  readonly store: TokenRotationStore;
  readonly policy: RotationPolicy;
  readonly hasher: SecretHasher;
}

/** The request's fields, checked: an object with only `graceSeconds`, or nothing. */
function readRequest(input: unknown): { readonly ok: true; readonly value: unknown } | ReturnType<typeof denialOf> {
  if (input === undefined) return { ok: true, value: undefined };
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return denialOf(validationError('rotate request', [{ path: 'request', message: 'must be an object' }]));
  const unknown = Object.keys(input).filter((key) => key !== 'graceSeconds');
  if (unknown.length > 0)
    return denialOf(
      validationError(
        'rotate request',
        unknown.map((key) => ({ path: key, message: 'is not a field of a rotate request' })),
      ),
    );
  return { ok: true, value: (input as RotateTokenRequest).graceSeconds };
}

/**
 * Rotates a token: checks the actor (a token manager whose ceiling covers
 * the token's grants, as for reactivation), the request's grace and that the
 * token is rotatable, then swaps its secret with the store's guarded
 * `rotate`, re-reading and deciding again when another writer got there
 * first, up to {@link MAX_ATTEMPTS} times (then `CONFLICT`). Of two
 * concurrent rotations one wins: once the re-read shows another secret, the
 * loser answers `CONFLICT` at once instead of retiring the winner's secret.
 * Resolves to the
 * next version and, this once, the new secret; emits `access_token.rotate`
 * with the new secret's fingerprint. Every refusal is a value; store and
 * directory faults reject.
 */
export async function rotateToken(
  ctx: ServiceContext,
  rotation: RotationSetup,
  actor: unknown,
  organization: unknown,
  id: unknown,
  input: unknown,
): Promise<ManagementResult<CreatedToken>> {
  const { policy, clock, emit } = ctx;
  const managed = await manage(ctx, actor, organization);
  if (!managed.ok) return managed;
  const { org, profile, username, ceiling } = managed.value;
  const request = readRequest(input);
  if (!request.ok) return request;
  const grace = parseGraceSeconds(request.value, rotation.policy);
  if (!grace.ok) return denialOf(validationError('rotate request', grace.fields));
  let firstHash: string | null = null;
  for (let attempt = 1; ; attempt++) {
    // The presented record is enough: rotate writes only the secret, its prefix, updatedAt and version.
    const loaded = await load(ctx, org, profile, id);
    if (!loaded.ok) return loaded;
    const current = loaded.value;
    // A secret swapped since the first read means a concurrent rotation won: rotating again would retire the
    // secret its caller was just handed. Any other write (an update, a last-used bump) is worth a retry.
    if (firstHash === null) firstHash = current.secretHash;
    else if (current.secretHash !== firstHash) {
      return denial('CONFLICT', `Token ${current.id} was rotated by another request; read it again`, {
        context: { organization: org, tokenId: current.id },
      });
    }
    const now = clock.now();
    const rotatable = checkRotatable(current, now);
    if (!rotatable.allowed) {
      return denial('TRANSITION_DENIED', `Cannot rotate token ${current.id}: ${rotatable.message}`, {
        context: { organization: org, tokenId: current.id, operation: 'rotate', code: rotatable.code },
      });
    }
    // A hand-edited token may only be deactivated or deleted: a new secret would hand its grants out again.
    if (checkStoredResources(org, current.resources, policy).length > 0) {
      return denial(
        'TRANSITION_DENIED',
        `Cannot rotate token ${current.id}: its stored grants are invalid; delete it`,
        {
          context: { organization: org, tokenId: current.id, operation: 'rotate', code: 'STORED_GRANTS_INVALID' },
        },
      );
    }
    const refusal = beyondCeiling(org, username, ceilingExcess(ceiling, current.resources, policy.catalog));
    if (refusal !== null) return refusal;
    const plaintext = policy.format.generate(ctx.random);
    const secret = {
      secretHash: rotation.hasher.hash(plaintext),
      displayPrefix: policy.format.displayPrefix(plaintext),
    };
    const plan = planRotation(current, secret, now, grace.value, rotation.policy);
    const outcome = checkReplaceOutcome(
      await guard('STORE_FAILURE', STORE_FAILED, () => rotation.store.rotate(plan, current.version)),
    );
    if (outcome.ok) {
      emit?.({
        type: 'access_token.rotate',
        at: now,
        organization: org,
        tokenId: current.id,
        fingerprint: fingerprintOf(secret.secretHash),
        actor: username,
      });
      return success(Object.freeze({ token: plan.next, secret: new TokenSecret(plaintext, secret.displayPrefix) }));
    }
    if (attempt >= MAX_ATTEMPTS) {
      return denial('CONFLICT', `Token ${current.id} kept changing; try again`, {
        context: { organization: org, tokenId: current.id },
      });
    }
  }
}
