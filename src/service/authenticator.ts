import { checkCompatibility, type ClientContext, type IncompatibilityCode } from '../core/access.js';
import { compileGrants, type CompiledGrants } from '../core/grants.js';
import type { OrganizationName, TokenId } from '../core/ids.js';
import type { TokenPolicy } from '../core/policy.js';
import { tokenLimit } from '../core/quota.js';
import type { AccessTokenRecord } from '../core/token.js';
import { constantTimeEqual, fingerprintOf } from './hashers.js';
import type { Clock, OrganizationDirectory, SecretHasher, TokenEvent, TokenStore } from './ports.js';

/**
 * Who a successful authentication speaks for: an organization and one of its
 * tokens, never a person. Attribute usage and rate limits to `tokenId`.
 */
export interface Principal {
  readonly organization: OrganizationName;
  readonly tokenId: TokenId;
  /** The token's label, for logs. */
  readonly label: string;
  /** Compiled once per stored version of the token. */
  readonly grants: CompiledGrants;
}

/** Why an authentication failed. Answer every one the same way on the network; the code is for logs. */
export type AuthenticationDenialCode =
  | 'MALFORMED'
  | 'NOT_FOUND'
  | 'ORG_MISMATCH'
  | 'INACTIVE'
  | 'EXPIRED'
  | 'DELETED'
  | 'ORGANIZATION_UNKNOWN'
  | 'PLAN_NOT_ELIGIBLE'
  | 'ORG_INCOMPATIBLE';

/** The outcome of authentication: a principal, or a denial code. */
export type AuthenticationResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly code: AuthenticationDenialCode; readonly incompatibility?: IncompatibilityCode };

const denial = (code: AuthenticationDenialCode): AuthenticationResult => Object.freeze({ ok: false, code });
const DENIED: Readonly<Record<Exclude<AuthenticationDenialCode, 'ORG_INCOMPATIBLE'>, AuthenticationResult>> = {
  MALFORMED: denial('MALFORMED'),
  NOT_FOUND: denial('NOT_FOUND'),
  ORG_MISMATCH: denial('ORG_MISMATCH'),
  INACTIVE: denial('INACTIVE'),
  EXPIRED: denial('EXPIRED'),
  DELETED: denial('DELETED'),
  ORGANIZATION_UNKNOWN: denial('ORGANIZATION_UNKNOWN'),
  PLAN_NOT_ELIGIBLE: denial('PLAN_NOT_ELIGIBLE'),
};

/** Ports and settings authentication reads. */
export interface AuthenticatorDeps {
  readonly store: TokenStore;
  readonly hasher: SecretHasher;
  readonly clock: Clock;
  readonly organizations: OrganizationDirectory;
  readonly policy: TokenPolicy;
  readonly lastUsedIntervalMs: number;
  readonly emit: (event: TokenEvent) => void;
}

/** Builds the authenticate function of the service: the hot path of every registry login. */
export function createAuthenticator(deps: AuthenticatorDeps): (username: unknown, secret: unknown, client?: ClientContext) => Promise<AuthenticationResult> {
  const { store, hasher, clock, organizations, policy, emit } = deps;
  // Records are immutable, so a compiled principal is valid for as long as its record object lives.
  const principals = new WeakMap<AccessTokenRecord, AuthenticationResult>();

  const fail = (now: Date, username: string, code: AuthenticationDenialCode, record: AccessTokenRecord | null, hash: string | null, result = DENIED[code as keyof typeof DENIED]): AuthenticationResult => {
    emit({
      type: 'access_token.authenticate',
      at: now,
      username,
      tokenId: record?.id ?? null,
      fingerprint: hash === null ? null : fingerprintOf(hash),
      outcome: 'failure',
      code,
    });
    return result;
  };

  return async (username, secret, client) => {
    const now = clock.now();
    const user = typeof username === 'string' ? username.toLowerCase() : '';
    if (!policy.format.check(secret).ok) return fail(now, user, 'MALFORMED', null, null);
    const hash = hasher.hash(secret as string);
    const record = await store.findBySecretHash(hash);
    if (record === null || !constantTimeEqual(record.secretHash, hash)) return fail(now, user, 'NOT_FOUND', null, hash);
    if (record.organization !== user) return fail(now, user, 'ORG_MISMATCH', record, hash);
    if (record.state === 'deleted') return fail(now, user, 'DELETED', record, hash);
    if (record.expiresAt !== null && now.getTime() >= record.expiresAt.getTime()) return fail(now, user, 'EXPIRED', record, hash);
    if (record.state === 'inactive') return fail(now, user, 'INACTIVE', record, hash);
    const organization = await organizations.get(record.organization);
    if (organization === null) return fail(now, user, 'ORGANIZATION_UNKNOWN', record, hash);
    const compatible = checkCompatibility(organization, typeof client === 'object' && client !== null ? client : {});
    if (!compatible.allowed) {
      return fail(now, user, 'ORG_INCOMPATIBLE', record, hash, Object.freeze({ ok: false, code: 'ORG_INCOMPATIBLE', incompatibility: compatible.code }));
    }
    if (tokenLimit(policy.plans, organization.plan) === 0) return fail(now, user, 'PLAN_NOT_ELIGIBLE', record, hash);

    const due = now.getTime() - deps.lastUsedIntervalMs;
    if (record.lastUsedAt === null || record.lastUsedAt.getTime() <= due) {
      await store.touchLastUsed(record.id, now, new Date(due + 1));
    }
    let result = principals.get(record);
    if (result === undefined) {
      const principal: Principal = Object.freeze({
        organization: record.organization,
        tokenId: record.id,
        label: record.label,
        grants: compileGrants(record.organization, record.resources, policy.catalog),
      });
      result = Object.freeze({ ok: true, principal });
      principals.set(record, result);
    }
    emit({ type: 'access_token.authenticate', at: now, organization: record.organization, tokenId: record.id, fingerprint: fingerprintOf(hash), outcome: 'success' });
    return result;
  };
}
