/**
 * org-access-tokens/registry: a token endpoint in front of a container
 * registry (CNCF distribution's `auth.token`), so that `docker login
 * --username <org>` with an organization access token, and pulls and pushes
 * within its grants, work against a real registry.
 *
 * @packageDocumentation
 * @module org-access-tokens/registry
 */
export { createTokenEndpoint } from './endpoint.js';
export type { TokenEndpointHandler, TokenEndpointOptions } from './endpoint.js';

export {
  MAX_RESOURCE_NAME_LENGTH,
  MAX_SCOPES_PER_REQUEST,
  SCOPE_REJECTION_CODES,
  formatScope,
  parseScope,
  parseScopeParameters,
} from './scope.js';
export type { ParsedScopes, RegistryScope, ScopeParseResult, ScopeRejectionCode } from './scope.js';

export { REGISTRY_ACTIONS, decideActions, grantScopes, requestedActions } from './grant.js';
export type {
  AnonymousAccess,
  GrantOptions,
  GrantedAccess,
  RegistryAction,
  Requester,
  RepositoryVisibility,
  RepositoryVisibilityLookup,
} from './grant.js';

export { REGISTRY_EXPIRY_LEEWAY_SECONDS, createRegistryTokenSigner } from './jwt.js';
export { DEFAULT_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_LIFETIME_SECONDS, MIN_TOKEN_LIFETIME_SECONDS } from './lifetime.js';
export type {
  IssuedRegistryToken,
  RegistrySigningAlgorithm,
  RegistryTokenClaims,
  RegistryTokenSigner,
  RegistryTokenSignerOptions,
} from './jwt.js';

export type { FetchContext } from '../http/context.js';
export type { RequestSummary } from '../http/summary.js';
