import { checkCompatibility, type Actor } from '../core/access.js';
import { ceilingExcess } from '../core/ceiling.js';
import type { OrganizationId } from '../core/ids.js';
import { tokenLifetimeCap } from '../core/lifetime.js';
import { isPlanEligible, tokenLimit } from '../core/quota.js';
import type { CreateTokenRequest } from '../core/requests.js';
import { safeParseCreateInput } from '../core/schemas.js';
import { freezeRecord, type AccessTokenRecord } from '../core/token.js';
import { OatError } from '../errors.js';
import { guard } from '../faults.js';
import { fingerprintOf } from './hashers.js';
import { beyondCeiling, manage, MAX_ATTEMPTS, STORE_FAILED, type ServiceContext } from './management.js';
import { denial, success, type ManagementResult } from './outcomes.js';
import type { SecretHasher } from './ports.js';
import { randomTokenId } from './random.js';
import { checkInsertOutcome } from './store-outcomes.js';
import { TokenSecret } from './secret.js';

/** What creation returns: the stored record and, this once, the secret. */
export interface CreatedToken {
  readonly token: AccessTokenRecord;
  /** Reveal it to the person who asked, once; it is stored nowhere. */
  readonly secret: TokenSecret;
}

/**
 * Creates a token: checks the actor, the organization's compatibility and
 * plan, the request and the actor's ceiling, then inserts with the store's
 * quota guard (never counted here), retrying fresh ids on a duplicate.
 * Every refusal is a value; store and directory faults reject.
 */
export async function createToken(
  ctx: ServiceContext,
  hasher: SecretHasher,
  actor: Actor,
  organization: string,
  input: CreateTokenRequest,
): Promise<ManagementResult<CreatedToken>> {
  const { store, policy, clock, emit } = ctx;
  const managed = await manage(ctx, actor, organization);
  if (!managed.ok) return managed;
  const { org, profile, username, ceiling } = managed.value;
  const now = clock.now();
  const compatible = checkCompatibility(profile);
  if (!compatible.allowed) {
    return denial('ORG_INCOMPATIBLE', compatible.message, {
      context: { organization: org, incompatibility: compatible.code },
    });
  }
  const parsed = safeParseCreateInput(input, {
    organization: org,
    now,
    policy,
    maxTokenLifetimeDays: tokenLifetimeCap(profile, policy),
  });
  if (!parsed.ok) return denial(parsed.code, parsed.message, { fields: parsed.fields });
  const refusal = beyondCeiling(org, username, ceilingExcess(ceiling, parsed.value.resources, policy.catalog));
  if (refusal !== null) return refusal;
  const limit = tokenLimit(policy.plans, profile.plan);
  if (!isPlanEligible(policy.plans, profile.plan)) {
    return denial('PLAN_NOT_ELIGIBLE', `Plan "${profile.plan}" of "${org}" has no organization access tokens`, {
      context: { organization: org, plan: profile.plan },
    });
  }
  for (let attempt = 1; ; attempt++) {
    const plaintext = policy.format.generate(ctx.random);
    const record = freezeRecord<AccessTokenRecord>({
      id: randomTokenId(ctx.random),
      // checkProfile has vetted the id.
      organizationId: profile.id as OrganizationId,
      organization: org,
      label: parsed.value.label,
      description: parsed.value.description,
      createdBy: username,
      createdAt: now,
      updatedAt: now,
      expiresAt: parsed.value.expiresAt,
      lastUsedAt: null,
      state: 'active',
      resources: parsed.value.resources,
      secretHash: hasher.hash(plaintext),
      displayPrefix: policy.format.displayPrefix(plaintext),
      version: 1,
      allowedNetworks: parsed.value.allowedNetworks,
      recentAddresses: [],
    });
    const outcome = checkInsertOutcome(
      await guard('STORE_FAILURE', STORE_FAILED, () => store.insertWithinQuota(record, limit)),
    );
    if (outcome.ok) {
      emit?.({
        type: 'access_token.create',
        at: now,
        organization: org,
        tokenId: record.id,
        fingerprint: fingerprintOf(record.secretHash),
        actor: username,
      });
      return success(Object.freeze({ token: record, secret: new TokenSecret(plaintext, record.displayPrefix) }));
    }
    if (outcome.code === 'QUOTA_EXCEEDED') {
      return denial('QUOTA_EXCEEDED', `"${org}" already holds ${outcome.count} of ${limit} tokens`, {
        context: { organization: org, limit, count: outcome.count },
      });
    }
    if (attempt >= MAX_ATTEMPTS)
      throw new OatError('STORE_FAILURE', 'The store kept reporting duplicates for fresh ids', {
        context: { organization: org },
      });
  }
}
