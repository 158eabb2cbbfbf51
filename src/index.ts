/**
 * org-access-tokens: organization access tokens as a storage-agnostic policy
 * engine. The pure core (types, scopes, lifecycle, quota, token format) and the
 * service that applies it through ports.
 *
 * @packageDocumentation
 * @module org-access-tokens
 */
export { OAT_ERROR_CODES, OatError, isOatError } from './errors.js';
export type { FieldIssue, OatErrorCode, OatErrorOptions } from './errors.js';

export { isTokenId, toOrganizationId, toOrganizationName, toTokenId } from './core/ids.js';
export type { Brand, OrganizationId, OrganizationName, TokenId } from './core/ids.js';

export { PUBLIC_REPOSITORIES_PATH, TOKEN_STATES, freezeRecord, isExpired, statusOf } from './core/token.js';
export type {
  AccessTokenRecord,
  EpochMillis,
  OrganizationResource,
  RepositoryResource,
  Resource,
  TokenState,
  TokenStatus,
} from './core/token.js';

export { DEFAULT_SCOPE_CATALOG, DOCKER_HUB_SCOPES, PULL_SCOPE, createScopeCatalog } from './core/scopes.js';
export type { ResourceKind, ScopeCatalog, ScopeDefinition } from './core/scopes.js';

export {
  authorize,
  authorizeOrganization,
  checkStoredResources,
  compileGrants,
  validateResources,
} from './core/grants.js';
export { AUTHORIZATION_DENIAL_CODES } from './core/grants.js';
export type {
  AuthorizationDecision,
  AuthorizationDenialCode,
  CompiledGrants,
  GrantPolicy,
  RawResource,
  RepositoryRequest,
  ResourceRules,
} from './core/grants.js';

export {
  planUpdate,
  LIFECYCLE_OPERATIONS,
  LIFECYCLE_PRESETS,
  TRANSITION_DENIAL_CODES,
  decideTransition,
} from './core/lifecycle.js';
export type {
  LifecycleOperation,
  LifecyclePolicy,
  LifecyclePresetName,
  TransitionDecision,
  TransitionDenialCode,
  TransitionRule,
  TransitionSource,
  TransitionTable,
  UpdatePlan,
} from './core/lifecycle.js';

export { DOCKER_HUB_PLANS, isPlanEligible, tokenLimit } from './core/quota.js';
export type { PlanLimits, PlanTable } from './core/quota.js';

export {
  INCOMPATIBILITY_CODES,
  MANAGE_TOKENS_DENIAL_CODES,
  MANAGE_TOKENS_PERMISSION,
  canManageTokens,
  checkCompatibility,
} from './core/access.js';
export { UNLIMITED_CEILING, ceilingExcess, checkCeiling, defaultManagerCeiling } from './core/ceiling.js';
export type { CeilingExcess, GrantCeiling } from './core/ceiling.js';
export {
  MAX_TOKEN_LIFETIME_DAYS,
  MIN_TOKEN_LIFETIME_DAYS,
  isLifetimeExceeded,
  isTokenLifetimeDays,
  tokenLifetimeCap,
} from './core/lifetime.js';
export type {
  Actor,
  ClientContext,
  CompatibilityDecision,
  IncompatibilityCode,
  ManageTokensDenialCode,
  ManagementDecision,
  ManagerRole,
  OrganizationProfile,
  TokenManager,
} from './core/access.js';

export { DEFAULT_TOKEN_PREFIX, createTokenFormat } from './core/format.js';
export type { RandomSource, TokenFormat, TokenFormatCheck, TokenFormatCode } from './core/format.js';
export { TOKEN_FORMAT_CODES, TOKEN_PATTERN, tokenPatternFor } from './core/format.js';

export { parseStoredRecord, parseStoredRows } from './core/record-schema.js';

export { AUTHENTICATION_DENIAL_CODES, LOGIN_DENIAL_CODES, decideLogin, loginExpiry } from './core/login.js';
export type {
  AuthenticationDenialCode,
  LastUsedTouch,
  LoginDecision,
  LoginDenialCode,
  LoginRules,
  LoginToken,
} from './core/login.js';
export { MAX_ALLOWED_NETWORKS, isAddressAllowed, normalizeNetwork } from './core/networks.js';

export {
  DEFAULT_ROTATION_POLICY,
  MAX_GRACE_SECONDS,
  ROTATABLE_DENIAL_CODES,
  ROTATION_DENIAL_CODES,
  checkRotatable,
  createRotationPolicy,
  decideRotatedSecret,
  parseGraceSeconds,
  planRotation,
  retireSecret,
} from './core/rotation.js';
export type {
  RotatableDenialCode,
  RotatedSecret,
  RotatedSecretDecision,
  RotationDenialCode,
  RotationPlan,
  RotationPolicy,
  RotationPolicyOptions,
} from './core/rotation.js';

export { OWNERSHIP_DENIAL_CODES, checkOwnership, presentRecord, rebaseResources } from './core/identity.js';
export type { OwnershipDecision, OwnershipDenialCode } from './core/identity.js';

export { DEFAULT_POLICY, createPolicy } from './core/policy.js';
export type { PolicyOptions, TokenPolicy } from './core/policy.js';
export type { CalendarDuration } from './core/instant.js';

export {
  parseCreateInput,
  parseCreateRequest,
  parseUpdateInput,
  parseUpdateRequest,
  safeParseCreateInput,
  safeParseCreateRequest,
  safeParseUpdateInput,
  safeParseUpdateRequest,
} from './core/schemas.js';
export type { InputContext } from './core/schemas.js';
export { PARSE_FAILURE_CODES } from './core/parse-result.js';
export type { ParseFailure, ParseFailureCode, ParseResult } from './core/parse-result.js';
export type {
  CreateTokenInput,
  CreateTokenRequest,
  ExpiryPreset,
  UpdateTokenInput,
  UpdateTokenRequest,
} from './core/requests.js';

export { PURGE_ACTOR, REUSE_DETECTION_ACTOR, createTokenService } from './service/service.js';
export type {
  CreatedToken,
  ListOptions,
  OrganizationPurge,
  RotateTokenRequest,
  TokenListPage,
  TokenService,
  TokenServiceOptions,
} from './service/service.js';
export { MANAGEMENT_DENIAL_CODES } from './service/outcomes.js';
export type { ManagementDenial, ManagementDenialCode, ManagementResult } from './service/outcomes.js';
export type { AuthenticationResult, Principal } from './service/authenticator.js';
export type { BackgroundErrorHandler, BackgroundFaultContext, BackgroundOperation } from './service/bookkeeping.js';
export {
  LEAK_ACTIONS,
  LEAK_ACTOR,
  LEAK_LABELS,
  LEAK_MODES,
  LEAK_REPORT_DENIAL_CODES,
  MAX_LEAK_URL_LENGTH,
} from './service/leak-report.js';
export type {
  LeakAction,
  LeakedEvent,
  LeakLabel,
  LeakMode,
  LeakReport,
  LeakReportDenialCode,
  LeakReportRequest,
  LeakReportResult,
} from './service/leak-report.js';
export { createMemoryTokenStore } from './service/memory-store.js';
export { createMemoryRateLimiter, fromRateLimiterFlexible } from './service/rate-limits.js';
export type {
  FlexibleLimiter,
  RateLimitBudget,
  RateLimitDecision,
  RateLimiter,
  RateLimits,
} from './service/rate-limits.js';
export { INSERT_DENIAL_CODES, REPLACE_DENIAL_CODES } from './service/ports.js';
export { createStaticOrganizationDirectory } from './service/directory.js';
export type { StaticOrganizationProfile } from './service/directory.js';
export { systemClock } from './service/clock.js';
export { platformRandom } from './service/random.js';
export { fingerprintOf, hmacSha256Hasher, sha256Hasher } from './service/hashers.js';
export { TokenSecret } from './service/secret.js';
export type {
  Clock,
  EventSink,
  InsertDenialCode,
  InsertOutcome,
  ListQuery,
  ManagementAction,
  OrganizationDirectory,
  ReplaceDenialCode,
  ReplaceOutcome,
  SecretHasher,
  TokenEvent,
  TokenPage,
  TokenRotationStore,
  TokenStore,
} from './service/ports.js';
