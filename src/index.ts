/**
 * org-access-tokens: organization access tokens as a storage-agnostic policy
 * engine. The pure core (types, scopes, lifecycle, quota, token format) and the
 * service that applies it through ports.
 *
 * @packageDocumentation
 */
export { OatError, isOatError } from './errors.js';
export type { FieldIssue, OatErrorCode, OatErrorOptions } from './errors.js';

export { isTokenId, toOrganizationId, toOrganizationName, toTokenId } from './core/ids.js';
export type { Brand, OrganizationId, OrganizationName, TokenId } from './core/ids.js';

export { PUBLIC_REPOSITORIES_PATH, TOKEN_STATES, freezeRecord, isExpired, statusOf } from './core/token.js';
export type { AccessTokenRecord, EpochMillis, OrganizationResource, RepositoryResource, Resource, TokenState, TokenStatus } from './core/token.js';

export { DEFAULT_SCOPE_CATALOG, DOCKER_HUB_SCOPES, PULL_SCOPE, createScopeCatalog } from './core/scopes.js';
export type { ResourceKind, ScopeCatalog, ScopeDefinition } from './core/scopes.js';

export { authorize, authorizeOrganization, checkStoredResources, compileGrants, validateResources } from './core/grants.js';
export type { AuthorizationDecision, AuthorizationDenial, CompiledGrants, GrantPolicy, RawResource, RepositoryRequest, ResourceRules } from './core/grants.js';

export {
  planUpdate,
  DEACTIVATE_BEFORE_DELETE_LIFECYCLE,
  DOCKER_HUB_CURRENT_LIFECYCLE,
  LIFECYCLE_OPERATIONS,
  LIFECYCLE_PRESETS,
  SEED_LIFECYCLE,
  decideTransition,
} from './core/lifecycle.js';
export type {
  LifecycleOperation,
  LifecyclePolicy,
  LifecyclePresetName,
  TransitionDecision,
  TransitionRule,
  TransitionSource,
  TransitionTable,
  UpdatePlan,
} from './core/lifecycle.js';

export { DOCKER_HUB_PLANS, countTowardQuota, evaluateQuota, isPlanEligible, tokenLimit } from './core/quota.js';
export type { PlanLimits, PlanTable, QuotaDecision } from './core/quota.js';

export { MANAGE_TOKENS_PERMISSION, canManageTokens, checkCompatibility } from './core/access.js';
export { UNLIMITED_CEILING, ceilingExcess, checkCeiling, defaultManagerCeiling } from './core/ceiling.js';
export type { CeilingExcess, GrantCeiling } from './core/ceiling.js';
export { MAX_TOKEN_LIFETIME_DAYS, MIN_TOKEN_LIFETIME_DAYS, isLifetimeExceeded, isTokenLifetimeDays, tokenLifetimeCap } from './core/lifetime.js';
export type { Actor, ClientContext, CompatibilityDecision, IncompatibilityCode, ManagementDecision, ManagerRole, OrganizationProfile, TokenManager } from './core/access.js';

export {
  BASE62_ALPHABET,
  DEFAULT_TOKEN_PREFIX,
  DISPLAY_BODY_CHARS,
  TOKEN_BODY_LENGTH,
  TOKEN_CHECKSUM_LENGTH,
  crc32,
  createTokenFormat,
  encodeChecksum,
} from './core/format.js';
export type { TokenFormat, TokenFormatCheck, TokenFormatProblem } from './core/format.js';
export { TOKEN_PATTERN, tokenPatternFor } from './core/format.js';

export { parseStoredRecord, parseStoredRows } from './core/record-schema.js';

export { checkOwnership, presentRecord, rebaseResources } from './core/identity.js';
export type { OwnershipDecision, OwnershipDenialCode } from './core/identity.js';

export { DEFAULT_POLICY, createPolicy } from './core/policy.js';
export type { PolicyOptions, TokenPolicy } from './core/policy.js';

export { parseCreateInput, parseUpdateInput, safeParseCreateInput, safeParseUpdateInput } from './core/schemas.js';
export type { CreateTokenInput, ExpiryPreset, InputContext, ParseResult, UpdateTokenInput } from './core/schemas.js';

export { PURGE_ACTOR, createTokenService } from './service/service.js';
export type { CreatedToken, ListOptions, OrganizationPurge, TokenListPage, TokenService, TokenServiceOptions } from './service/service.js';
export type { AuthenticationDenialCode, AuthenticationResult, Principal } from './service/authenticator.js';
export type { BackgroundErrorHandler, BackgroundFaultContext, BackgroundOperation } from './service/bookkeeping.js';
export { LEAK_ACTIONS, LEAK_ACTOR, LEAK_LABELS, LEAK_MODES, LEAK_REPORT_DENIAL_CODES, MAX_LEAK_URL_LENGTH } from './service/leak-report.js';
export type { LeakAction, LeakedEvent, LeakLabel, LeakMode, LeakReport, LeakReportDenialCode, LeakReportRequest, LeakReportResult } from './service/leak-report.js';
export { createMemoryTokenStore } from './service/memory-store.js';
export { createStaticOrganizationDirectory } from './service/directory.js';
export type { StaticOrganizationProfile } from './service/directory.js';
export { systemClock } from './service/clock.js';
export { fingerprintOf, hmacSha256Hasher, sha256Hasher } from './service/hashers.js';
export { TokenSecret } from './service/secret.js';
export type {
  Clock,
  EventSink,
  InsertOutcome,
  ListQuery,
  ManagementAction,
  OrganizationDirectory,
  ReplaceOutcome,
  SecretHasher,
  TokenEvent,
  TokenPage,
  TokenStore,
} from './service/ports.js';
