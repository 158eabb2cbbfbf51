/**
 * org-access-tokens/hub-api: Docker Hub's REST surface for organization access
 * tokens, as a Fetch API handler over the token service. Run it on Node with
 * `org-access-tokens/node`.
 *
 * @packageDocumentation
 * @module org-access-tokens/hub-api
 */
export { createHubApi, DEFAULT_HUB_API_REALM, MAX_HUB_BODY_BYTES, UNREADABLE_HEADER } from './handler.js';
export type { CallerAuthenticator, HubApiHandler, HubApiOptions, HubApiService } from './handler.js';

export { toHubAccessToken, toHubAccessTokenSummary, toHubResource } from './json.js';
export type {
  HubAccessToken,
  HubAccessTokenPage,
  HubAccessTokenSummary,
  HubCreatedAccessToken,
  HubResource,
} from './json.js';

export { BODY_FIELD, HUB_ERROR_CODES, STATUS_OF_CODE } from './responses.js';
export type { HubErrorBody, HubErrorCode, HubValidationErrorBody } from './responses.js';

export type { FetchContext } from '../http/context.js';

export { createOpenApiDocument } from './openapi.js';
export type { JsonObject, JsonValue, OpenApiDocument, OpenApiDocumentOptions } from './openapi.js';
export type { RequestSummary } from '../http/summary.js';
