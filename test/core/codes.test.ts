import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BODY_READ_CODES, type BodyReadResult } from '../../src/http/body.js';
import { HUB_ERROR_CODES, type HubErrorCode } from '../../src/hub-api/index.js';
import {
  AUTHORIZATION_DENIAL_CODES,
  checkCompatibility,
  checkOwnership,
  INCOMPATIBILITY_CODES,
  INSERT_DENIAL_CODES,
  MANAGE_TOKENS_DENIAL_CODES,
  MANAGEMENT_DENIAL_CODES,
  OAT_ERROR_CODES,
  OWNERSHIP_DENIAL_CODES,
  PARSE_FAILURE_CODES,
  TOKEN_FORMAT_CODES,
  checkCeiling,
  createTokenFormat,
  DEFAULT_SCOPE_CATALOG,
  validateResources,
  AUTHENTICATION_DENIAL_CODES,
  LOGIN_DENIAL_CODES,
  REPLACE_DENIAL_CODES,
  ROTATABLE_DENIAL_CODES,
  ROTATION_DENIAL_CODES,
  TRANSITION_DENIAL_CODES,
  type AuthorizationDecision,
  type AuthorizationDenialCode,
  type CompatibilityDecision,
  type IncompatibilityCode,
  type InsertDenialCode,
  type InsertOutcome,
  type ManageTokensDenialCode,
  type ManagementDecision,
  type ManagementDenialCode,
  type ManagementResult,
  type OatErrorCode,
  type OrganizationId,
  type OrganizationName,
  type OwnershipDecision,
  type OwnershipDenialCode,
  type ParseFailureCode,
  type ParseResult,
  type TokenFormatCheck,
  type TokenFormatCode,
  type AuthenticationDenialCode,
  type AuthenticationResult,
  type LoginDecision,
  type LoginDenialCode,
  type ReplaceDenialCode,
  type ReplaceOutcome,
  type RotatableDenialCode,
  type RotatedSecretDecision,
  type RotationDenialCode,
  type TransitionDecision,
  type TransitionDenialCode,
} from '../../src/index.js';
import {
  SCOPE_REJECTION_CODES,
  type ParsedScopes,
  type ScopeParseResult,
  type ScopeRejectionCode,
} from '../../src/registry/index.js';

// Type-level checks: each fails to compile when a union and the list of its codes part ways.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(): T => true as T;
type Denied<D> = Extract<D, { readonly allowed: false } | { readonly ok: false }>;

expectType<Equal<Denied<AuthorizationDecision>['code'], AuthorizationDenialCode>>();
expectType<Equal<Denied<ManagementDecision>['code'], ManageTokensDenialCode>>();
expectType<Equal<Denied<CompatibilityDecision>['code'], IncompatibilityCode>>();
expectType<Equal<Denied<OwnershipDecision>['code'], OwnershipDenialCode>>();
expectType<Equal<Denied<LoginDecision>['code'], LoginDenialCode>>();
expectType<Equal<Denied<AuthenticationResult>['code'], AuthenticationDenialCode>>();
expectType<Equal<Denied<TransitionDecision>['code'], TransitionDenialCode>>();
expectType<Equal<Denied<TransitionDecision<TransitionDenialCode | 'MINE'>>['code'], TransitionDenialCode | 'MINE'>>();
expectType<Equal<Denied<InsertOutcome>['code'], InsertDenialCode>>();
expectType<Equal<Denied<ReplaceOutcome>['code'], ReplaceDenialCode>>();
expectType<Equal<Denied<RotatedSecretDecision>['code'], RotationDenialCode>>();
expectType<Equal<Denied<ManagementResult<unknown>>['code'], ManagementDenialCode>>();
expectType<Equal<Denied<ScopeParseResult>['code'] | ParsedScopes['rejected'][number]['code'], ScopeRejectionCode>>();
expectType<Equal<Denied<BodyReadResult>['code'], (typeof BODY_READ_CODES)[number]>>();
expectType<Equal<Denied<ParseResult<unknown>>['code'], ParseFailureCode>>();
expectType<Equal<Denied<ReturnType<typeof validateResources>>['code'], ParseFailureCode>>();
expectType<Equal<Denied<ReturnType<typeof checkCeiling>>['code'], ParseFailureCode>>();
expectType<Equal<Denied<TokenFormatCheck>['code'], TokenFormatCode>>();
// A validation refusal is the OatError code for the same situation, not a code of its own.
expectType<Equal<Exclude<ParseFailureCode, OatErrorCode>, never>>();
// No decision or result carries a field named `reason` any more.
expectType<
  Equal<
    Extract<
      keyof Denied<
        | AuthorizationDecision
        | ManagementDecision
        | CompatibilityDecision
        | TransitionDecision
        | InsertOutcome
        | ScopeParseResult
        | ParseResult<unknown>
        | TokenFormatCheck
      >,
      'reason' | 'rule' | 'problem' | 'issues' | 'error'
    >,
    never
  >
>();
// Refusals of management operations are OatError codes, and never a fault's.
expectType<Equal<Extract<ManagementDenialCode, 'STORE_FAILURE' | 'DIRECTORY_FAILURE' | 'MISCONFIGURED'>, never>>();
expectType<Equal<Exclude<ManagementDenialCode, OatErrorCode>, never>>();
expectType<Equal<Exclude<OatErrorCode, HubErrorCode>, never>>();

/** An exhaustive switch: a code added to the list without a case here fails to compile (`never`). */
function statusOfRefusal(code: ManagementDenialCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
      return 400;
    case 'FORBIDDEN':
    case 'PLAN_NOT_ELIGIBLE':
    case 'ORG_INCOMPATIBLE':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'QUOTA_EXCEEDED':
    case 'TRANSITION_DENIED':
    case 'CONFLICT':
      return 409;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

/** One table per list: `satisfies` refuses a missing and an extra key, so the table is the union, spelled out. */
const TABLES = {
  OAT_ERROR_CODES: [
    OAT_ERROR_CODES,
    {
      VALIDATION_FAILED: 1,
      NOT_FOUND: 1,
      FORBIDDEN: 1,
      PLAN_NOT_ELIGIBLE: 1,
      QUOTA_EXCEEDED: 1,
      ORG_INCOMPATIBLE: 1,
      TRANSITION_DENIED: 1,
      CONFLICT: 1,
      MISCONFIGURED: 1,
      STORE_FAILURE: 1,
      DIRECTORY_FAILURE: 1,
    } satisfies Record<OatErrorCode, 1>,
  ],
  MANAGEMENT_DENIAL_CODES: [
    MANAGEMENT_DENIAL_CODES,
    {
      VALIDATION_FAILED: 1,
      NOT_FOUND: 1,
      FORBIDDEN: 1,
      PLAN_NOT_ELIGIBLE: 1,
      QUOTA_EXCEEDED: 1,
      ORG_INCOMPATIBLE: 1,
      TRANSITION_DENIED: 1,
      CONFLICT: 1,
    } satisfies Record<ManagementDenialCode, 1>,
  ],
  AUTHORIZATION_DENIAL_CODES: [
    AUTHORIZATION_DENIAL_CODES,
    { INVALID_REQUEST: 1, UNKNOWN_SCOPE: 1, NO_MATCHING_GRANT: 1, SCOPE_NOT_GRANTED: 1 } satisfies Record<
      AuthorizationDenialCode,
      1
    >,
  ],
  MANAGE_TOKENS_DENIAL_CODES: [
    MANAGE_TOKENS_DENIAL_CODES,
    { NOT_A_MANAGER: 1 } satisfies Record<ManageTokensDenialCode, 1>,
  ],
  INCOMPATIBILITY_CODES: [
    INCOMPATIBILITY_CODES,
    { IMAGE_ACCESS_MANAGEMENT: 1, REGISTRY_ACCESS_MANAGEMENT: 1, DOCKER_DESKTOP: 1 } satisfies Record<
      IncompatibilityCode,
      1
    >,
  ],
  OWNERSHIP_DENIAL_CODES: [
    OWNERSHIP_DENIAL_CODES,
    { ORGANIZATION_UNKNOWN: 1, ORG_MISMATCH: 1 } satisfies Record<OwnershipDenialCode, 1>,
  ],
  LOGIN_DENIAL_CODES: [
    LOGIN_DENIAL_CODES,
    {
      ORG_MISMATCH: 1,
      ORGANIZATION_UNKNOWN: 1,
      DELETED: 1,
      EXPIRED: 1,
      INACTIVE: 1,
      ORG_INCOMPATIBLE: 1,
      PLAN_NOT_ELIGIBLE: 1,
      LIFETIME_EXCEEDED: 1,
      NETWORK_NOT_ALLOWED: 1,
    } satisfies Record<LoginDenialCode, 1>,
  ],
  AUTHENTICATION_DENIAL_CODES: [
    AUTHENTICATION_DENIAL_CODES,
    {
      MALFORMED: 1,
      NOT_FOUND: 1,
      ORG_MISMATCH: 1,
      ORGANIZATION_UNKNOWN: 1,
      DELETED: 1,
      EXPIRED: 1,
      INACTIVE: 1,
      ORG_INCOMPATIBLE: 1,
      PLAN_NOT_ELIGIBLE: 1,
      LIFETIME_EXCEEDED: 1,
      NETWORK_NOT_ALLOWED: 1,
      RECORD_INVALID: 1,
      RATE_LIMITED: 1,
      ROTATED: 1,
    } satisfies Record<AuthenticationDenialCode, 1>,
  ],
  TRANSITION_DENIAL_CODES: [
    TRANSITION_DENIAL_CODES,
    {
      TOKEN_NOT_FOUND: 1,
      TOKEN_ALREADY_EXISTS: 1,
      ALREADY_ACTIVE: 1,
      ALREADY_INACTIVE: 1,
      INACTIVE_IS_DELETE_ONLY: 1,
      EXPIRED_IS_DELETE_ONLY: 1,
      DELETED_IS_FINAL: 1,
      DEACTIVATE_BEFORE_DELETE: 1,
    } satisfies Record<TransitionDenialCode, 1>,
  ],
  INSERT_DENIAL_CODES: [INSERT_DENIAL_CODES, { QUOTA_EXCEEDED: 1, DUPLICATE: 1 } satisfies Record<InsertDenialCode, 1>],
  REPLACE_DENIAL_CODES: [REPLACE_DENIAL_CODES, { CONFLICT: 1, NOT_FOUND: 1 } satisfies Record<ReplaceDenialCode, 1>],
  SCOPE_REJECTION_CODES: [SCOPE_REJECTION_CODES, { MALFORMED: 1, TOO_MANY: 1 } satisfies Record<ScopeRejectionCode, 1>],
  PARSE_FAILURE_CODES: [PARSE_FAILURE_CODES, { VALIDATION_FAILED: 1 } satisfies Record<ParseFailureCode, 1>],
  TOKEN_FORMAT_CODES: [
    TOKEN_FORMAT_CODES,
    { NOT_A_STRING: 1, LENGTH: 1, PREFIX: 1, ALPHABET: 1, CHECKSUM: 1 } satisfies Record<TokenFormatCode, 1>,
  ],
  ROTATION_DENIAL_CODES: [ROTATION_DENIAL_CODES, { ROTATED: 1 } satisfies Record<RotationDenialCode, 1>],
  ROTATABLE_DENIAL_CODES: [
    ROTATABLE_DENIAL_CODES,
    { DELETED: 1, EXPIRED: 1, INACTIVE: 1 } satisfies Record<RotatableDenialCode, 1>,
  ],
  BODY_READ_CODES: [BODY_READ_CODES, { BODY_TOO_LARGE: 1 } satisfies Record<(typeof BODY_READ_CODES)[number], 1>],
} as const;

const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

describe('code lists', () => {
  it.each(Object.entries(TABLES))(
    '%s holds exactly the codes of its union, UPPER_SNAKE, once each, frozen',
    (_name, [list, table]) => {
      expect([...list].sort()).toEqual(Object.keys(table).sort());
      expect(new Set(list).size).toBe(list.length);
      for (const code of list) expect(code).toMatch(UPPER_SNAKE);
      expect(Object.isFrozen(list)).toBe(true);
    },
  );

  it('HUB_ERROR_CODES is every library code plus the HTTP ones, UPPER_SNAKE', () => {
    for (const code of OAT_ERROR_CODES) expect(HUB_ERROR_CODES).toContain(code);
    for (const code of HUB_ERROR_CODES) expect(code).toMatch(UPPER_SNAKE);
  });

  it('MANAGEMENT_DENIAL_CODES are the OatError codes that are not faults', () => {
    expect(
      OAT_ERROR_CODES.filter((code) => !(MANAGEMENT_DENIAL_CODES as ReadonlyArray<string>).includes(code)),
    ).toEqual(['MISCONFIGURED', 'STORE_FAILURE', 'DIRECTORY_FAILURE']);
    expect(MANAGEMENT_DENIAL_CODES.map(statusOfRefusal).every((status) => status < 500)).toBe(true);
  });

  it('refused validations and format checks are results: a listed code and a message', () => {
    const format = createTokenFormat();
    for (const value of [42, 'oat_nope', `pat_${'A'.repeat(36)}`, `oat_${'-'.repeat(36)}`, `oat_${'A'.repeat(36)}`]) {
      const checked = format.check(value);
      expect(checked.ok).toBe(false);
      if (checked.ok) continue;
      expect(TOKEN_FORMAT_CODES).toContain(checked.code);
      expect(checked.message.length).toBeGreaterThan(0);
    }
    const rules = { organization: 'acme', catalog: DEFAULT_SCOPE_CATALOG, maxRepositoryGrants: 1 };
    const refused = [
      validateResources([{ type: 'repository', path: 'globex/app', scopes: ['pull'] }], rules),
      checkCeiling('acme', [{ type: 'repository', path: 'acme/app', scopes: ['nope'] }], DEFAULT_SCOPE_CATALOG),
    ];
    for (const result of refused) {
      expect(result).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
      if (result.ok) continue;
      expect(result.fields.map((field) => field.path)).toEqual([expect.stringMatching(/^0\./)]);
      expect(result.message).toContain(result.fields[0]?.message);
      expect(Object.isFrozen(result)).toBe(true);
    }
  });

  it('the denials the pure core returns carry codes of their lists, and no reason', () => {
    const profile = fc.record({
      id: fc.constantFrom('org-1', 'org-2'),
      name: fc.constantFrom('acme', 'globex'),
      plan: fc.constantFrom('team', 'business', 'free', 'TEAM'),
      owners: fc.constant([]),
      imageAccessManagement: fc.boolean(),
      registryAccessManagement: fc.boolean(),
    });
    fc.assert(
      fc.property(
        profile,
        fc.option(profile, { nil: null }),
        fc.constantFrom('cli', 'docker-desktop', 'other' as const),
        (org, named, kind) => {
          const decisions = [
            [checkCompatibility(org, { kind }), INCOMPATIBILITY_CODES],
            [
              checkOwnership(
                { organizationId: org.id as OrganizationId, organization: org.name as OrganizationName },
                'acme',
                named,
              ),
              OWNERSHIP_DENIAL_CODES,
            ],
          ] as const;
          for (const [decision, codes] of decisions) {
            expect('reason' in decision).toBe(false);
            if (!decision.allowed) expect(codes as ReadonlyArray<string>).toContain(decision.code);
          }
        },
      ),
    );
  });
});
