import { z } from 'zod';
import { createShape, updateShape } from '../core/input-shapes.js';
import { MAX_GRACE_SECONDS } from '../core/rotation.js';
import type { OatErrorCode } from '../errors.js';
import { OatError } from '../errors.js';
import { componentSchemas, jsonSchemaOf, ref } from '../http/openapi-schema.js';
import type { JsonObject } from '../http/json-types.js';
import { tokenEndpointComponents, tokenEndpointPathItem } from '../registry/openapi.js';
import { DEFAULT_HUB_API_REALM, UNREADABLE_HEADER } from './handler.js';
import { REASON, STATUS_OF_CODE, type HubErrorCode } from './responses.js';
import { ALLOWED_METHODS, normaliseBasePath } from './routes.js';
import {
  hubAccessTokenPageSchema,
  hubAccessTokenSchema,
  hubAccessTokenSummarySchema,
  hubCreatedAccessTokenSchema,
  hubErrorBodyFor,
  hubResourceSchema,
  hubValidationErrorBodySchema,
} from './wire.js';

export type { JsonObject, JsonValue } from '../http/json-types.js';

/** Options of {@link createOpenApiDocument}: where the host mounts each surface. */
export interface OpenApiDocumentOptions {
  /** The Hub API's `basePath`, as given to `createHubApi`; routes are `{basePath}/v2/orgs/...`. Default `''`. */
  readonly basePath?: string;
  /** The path the token endpoint is mounted at (the realm's path); `null` leaves the endpoint out. Default `/token`. */
  readonly tokenPath?: string | null;
  /** The document's `servers`; default `[{ url: '/' }]`: paths are relative to wherever the document is served from. */
  readonly servers?: ReadonlyArray<{ readonly url: string; readonly description?: string }>;
}

/** An OpenAPI 3.1 document: plain JSON, ready for `JSON.stringify`. */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: {
    readonly title: string;
    readonly version: string;
    readonly description: string;
    readonly license: JsonObject;
  };
  readonly servers: ReadonlyArray<JsonObject>;
  readonly tags: ReadonlyArray<JsonObject>;
  readonly paths: { readonly [path: string]: JsonObject };
  readonly components: { readonly [section: string]: { readonly [name: string]: JsonObject } };
  /** The answer to a path under the Hub API's base that no route matches (OpenAPI has no place for it). */
  readonly 'x-oat-other-paths': JsonObject;
}

/** The library's version, which the document's `info.version` carries; a test holds it equal to package.json's. */
const DOCUMENT_VERSION = '0.1.0';

const JSON_TYPE = 'application/json';
const noStore: JsonObject = { 'Cache-Control': ref('headers', 'CacheControl') };

function response(description: string, schema: JsonObject, extraHeaders: JsonObject = {}): JsonObject {
  return { description, headers: { ...noStore, ...extraHeaders }, content: { [JSON_TYPE]: { schema } } };
}

/**
 * The library codes answered with `status`, in STATUS_OF_CODE's order; every 500 says `INTERNAL`, whatever the cause.
 */
function codesOf(status: number): ReadonlyArray<HubErrorCode> {
  return (Object.keys(STATUS_OF_CODE) as OatErrorCode[]).filter((code) => STATUS_OF_CODE[code] === status);
}

function errorResponse(
  status: number,
  description: string,
  codes: ReadonlyArray<HubErrorCode>,
  extraHeaders: JsonObject = {},
): JsonObject {
  return response(description, jsonSchemaOf(hubErrorBodyFor(REASON[status] ?? 'Error', codes), 'output'), extraHeaders);
}

function hubComponents(): {
  readonly schemas: Record<string, JsonObject>;
  readonly headers: Record<string, JsonObject>;
  readonly responses: Record<string, JsonObject>;
} {
  const requests = componentSchemas(
    {
      CreateAccessTokenRequest: createShape,
      UpdateAccessTokenRequest: updateShape,
      // The host's policy may bound the grace lower; the wire allows what any policy could.
      RotateAccessTokenRequest: z.strictObject({ grace_seconds: z.int().min(0).max(MAX_GRACE_SECONDS).optional() }),
    },
    'input',
  );
  const schemas = {
    ...componentSchemas(
      {
        HubResource: hubResourceSchema,
        HubAccessTokenSummary: hubAccessTokenSummarySchema,
        HubAccessToken: hubAccessTokenSchema,
        HubCreatedAccessToken: hubCreatedAccessTokenSchema,
        HubAccessTokenPage: hubAccessTokenPageSchema,
        HubValidationErrorBody: hubValidationErrorBodySchema,
      },
      'output',
    ),
    CreateAccessTokenRequest: requests.CreateAccessTokenRequest as JsonObject,
    // The update's "change at least one field" is a zod refinement, which JSON Schema cannot carry; in JSON it is this.
    UpdateAccessTokenRequest: { ...requests.UpdateAccessTokenRequest, minProperties: 1 },
    RotateAccessTokenRequest: requests.RotateAccessTokenRequest as JsonObject,
  };
  return {
    schemas,
    headers: {
      CacheControl: {
        description: 'Every answer is private to the caller and may hold a secret: never cached.',
        required: true,
        schema: jsonSchemaOf(z.literal('no-store'), 'output'),
      },
      WWWAuthenticateBearer: {
        description:
          `The challenge of a 401 (RFC 7235, RFC 6750), with createHubApi's \`realm\` (default ` +
          `\`${DEFAULT_HUB_API_REALM}\`).`,
        required: true,
        schema: jsonSchemaOf(z.string().regex(/^Bearer realm="[\x20-\x21\x23-\x5b\x5d-\x7e]*"$/), 'output'),
      },
      Location: {
        description: 'The absolute URL of the new token.',
        required: true,
        schema: jsonSchemaOf(z.url(), 'output'),
      },
      UnreadableTokens: {
        description:
          'How many tokens of the page could not be read from the store and were left out of `results` ' +
          '(`total` still counts them; each can still be deleted by id).',
        required: true,
        schema: jsonSchemaOf(z.int().nonnegative(), 'output'),
      },
    },
    responses: {
      HubValidationFailed: response(
        'The body, a query parameter or an expiry is invalid: every offending field with its messages.',
        ref('schemas', 'HubValidationErrorBody'),
      ),
      HubUnauthorized: errorResponse(401, '`authenticateCaller` knows nobody for the request.', ['UNAUTHENTICATED'], {
        'WWW-Authenticate': ref('headers', 'WWWAuthenticateBearer'),
      }),
      HubForbidden: errorResponse(
        403,
        "The caller does not manage the organization's tokens or asks beyond its ceiling, the plan has no " +
          'tokens, or access management is enforced.',
        codesOf(403),
      ),
      // A path parameter that is not valid percent-encoding never reaches a route: ROUTE_NOT_FOUND, on a path that
      // matches the template.
      HubNotFound: errorResponse(
        404,
        'Unknown or malformed organization, or unknown, deleted or malformed token id (`NOT_FOUND`); a path ' +
          'parameter that is not valid percent-encoding (`ROUTE_NOT_FOUND`).',
        [...codesOf(404), 'ROUTE_NOT_FOUND'],
      ),
      HubConflict: errorResponse(
        409,
        'Quota reached, a transition the lifecycle forbids, or a token that kept changing under concurrent writers.',
        codesOf(409),
      ),
      HubPayloadTooLarge: errorResponse(413, 'The body is over 1 MiB (declared, or counted while it streams).', [
        'PAYLOAD_TOO_LARGE',
      ]),
      HubUnsupportedMediaType: errorResponse(
        415,
        'The body is not sent as `application/json` (or `application/*+json`).',
        ['UNSUPPORTED_MEDIA_TYPE'],
      ),
      HubInternalError: errorResponse(
        500,
        'Anything unexpected, reported to `onError`; the message is always generic.',
        ['INTERNAL'],
      ),
    },
  };
}

/**
 * The 405 of a path, for the `x-oat-other-methods` extension: OpenAPI has no
 * place for methods a path does not take, and a linter reports components
 * only an extension refers to, so it is written out in place.
 */
function methodNotAllowed(kind: keyof typeof ALLOWED_METHODS, description: string): JsonObject {
  const allow = {
    description: 'The methods this path answers.',
    required: true,
    schema: jsonSchemaOf(z.literal(ALLOWED_METHODS[kind].join(', ')), 'output'),
  };
  return { '405': errorResponse(405, description, ['METHOD_NOT_ALLOWED'], { Allow: allow }) };
}

const hubSecurity = [{ hubBearer: [] }];
const errors = (...statuses: ReadonlyArray<'400' | '403' | '409' | '413' | '415'>): JsonObject => {
  const named: Record<string, string> = {
    '400': 'HubValidationFailed',
    '403': 'HubForbidden',
    '409': 'HubConflict',
    '413': 'HubPayloadTooLarge',
    '415': 'HubUnsupportedMediaType',
  };
  return Object.fromEntries([
    ...statuses.map((status) => [status, ref('responses', named[status] as string)]),
    ['401', ref('responses', 'HubUnauthorized')],
    ['404', ref('responses', 'HubNotFound')],
    ['500', ref('responses', 'HubInternalError')],
  ]);
};

function operation(operationId: string, summary: string, responses: JsonObject, extra: JsonObject = {}): JsonObject {
  return { operationId, tags: ['Hub API'], summary, security: hubSecurity, ...extra, responses };
}

function jsonBody(schema: string): JsonObject {
  return { required: true, content: { [JSON_TYPE]: { schema: ref('schemas', schema) } } };
}

function hubPaths(basePath: string): Record<string, JsonObject> {
  const org = {
    name: 'org',
    in: 'path',
    required: true,
    description: "The organization's name, in any case.",
    schema: jsonSchemaOf(z.string(), 'input'),
  };
  const id = {
    name: 'id',
    in: 'path',
    required: true,
    description: "The token's id, a UUID.",
    schema: jsonSchemaOf(z.string(), 'input'),
  };
  const paging = (name: string, max: number, fallback: number, description: string): JsonObject => ({
    name,
    in: 'query',
    required: false,
    description,
    schema: jsonSchemaOf(z.int().min(1).max(max).default(fallback), 'input'),
  });
  const collection = `${basePath}/v2/orgs/{org}/access-tokens`;
  return {
    [collection]: {
      parameters: [org],
      'x-oat-other-methods': methodNotAllowed('collection', 'The token list takes GET and POST only.'),
      get: operation(
        'listAccessTokens',
        "List the organization's tokens, a page at a time",
        {
          '200': response(
            'A page of tokens, without their grants; deleted tokens are not listed.',
            ref('schemas', 'HubAccessTokenPage'),
            { [UNREADABLE_HEADER]: ref('headers', 'UnreadableTokens') },
          ),
          ...errors('400', '403'),
        },
        {
          parameters: [
            paging('page', 1_000_000, 1, '1-based page number.'),
            paging('page_size', 100, 10, 'Tokens per page.'),
          ],
        },
      ),
      post: operation(
        'createAccessToken',
        'Create a token; the 201 carries its secret, this once',
        {
          '201': response(
            'The new token with its grants and its plaintext `token`.',
            ref('schemas', 'HubCreatedAccessToken'),
            { Location: ref('headers', 'Location') },
          ),
          ...errors('400', '403', '409', '413', '415'),
        },
        { requestBody: jsonBody('CreateAccessTokenRequest') },
      ),
    },
    [`${collection}/{id}`]: {
      parameters: [org, id],
      'x-oat-other-methods': methodNotAllowed('token', 'A token takes GET, PATCH and DELETE only.'),
      get: operation('getAccessToken', 'Read one token with its grants', {
        '200': response('The token with its grants.', ref('schemas', 'HubAccessToken')),
        ...errors('403'),
      }),
      patch: operation(
        'updateAccessToken',
        "Change a token's label, description, grants or `is_active`",
        {
          '200': response(
            'The token as it now is (unchanged when the request asked for what already held).',
            ref('schemas', 'HubAccessToken'),
          ),
          ...errors('400', '403', '409', '413', '415'),
        },
        { requestBody: jsonBody('UpdateAccessTokenRequest') },
      ),
      delete: operation('deleteAccessToken', 'Delete a token for good, freeing its quota', {
        '204': { description: 'Deleted; no body.', headers: noStore },
        ...errors('403'),
      }),
    },
    [`${collection}/{id}/rotate`]: {
      parameters: [org, id],
      'x-oat-other-methods': methodNotAllowed('rotate', 'Rotation takes POST only.'),
      post: operation(
        'rotateAccessToken',
        "Extension (not Docker Hub's): give a token a new secret; the old one works for `grace_seconds` more",
        {
          '200': response('The token, same id and grants, with its new plaintext `token`, this once.', {
            ...ref('schemas', 'HubCreatedAccessToken'),
          }),
          ...errors('400', '403', '409', '413', '415'),
        },
        { requestBody: jsonBody('RotateAccessTokenRequest'), 'x-oat-extension': true },
      ),
    },
  };
}

function checkPath(value: unknown, field: string): string {
  // A brace would read as a path template, and a query or fragment is no path.
  if (typeof value !== 'string' || !value.startsWith('/') || /[{}?#\s]/.test(value)) {
    throw new OatError(
      'MISCONFIGURED',
      `createOpenApiDocument: ${field} must be a path starting with / without braces, ? or #`,
      { context: { field } },
    );
  }
  return value;
}

/**
 * Builds the OpenAPI 3.1 document of the Hub API's routes and, unless
 * `tokenPath` is `null`, the registry token endpoint, from the same zod
 * schemas that type their responses. `docs/openapi.json` is this function's
 * output with the defaults; a host serves its own with its own paths.
 *
 * A fresh plain-JSON object on each call (nothing shared, so a caller may
 * change it); pure and synchronous. Throws `MISCONFIGURED` naming `basePath`
 * or `tokenPath` for one that is not a path.
 *
 * @example
 * ```ts
 * const document = createOpenApiDocument({ basePath: '/api', tokenPath: '/auth/token' });
 * const serveDocument = () => Response.json(document);
 * ```
 */
export function createOpenApiDocument(options: OpenApiDocumentOptions = {}): OpenApiDocument {
  // Normalised as createHubApi does, so the same option gives the same routes in both.
  const basePath =
    typeof options.basePath === 'string'
      ? normaliseBasePath(options.basePath)
      : options.basePath === undefined
        ? ''
        : checkPath(options.basePath, 'basePath');
  if (basePath !== '') checkPath(basePath, 'basePath');
  const tokenPath = options.tokenPath === null ? null : checkPath(options.tokenPath ?? '/token', 'tokenPath');
  const hub = hubComponents();
  const token = tokenPath === null ? null : tokenEndpointComponents();
  const tags: JsonObject[] = [
    { name: 'Hub API', description: "Docker Hub's organization access token endpoints (`createHubApi`)." },
  ];
  if (tokenPath !== null)
    tags.push({
      name: 'Registry token',
      description: 'The token endpoint a registry sends clients to (`createTokenEndpoint`).',
    });
  return {
    openapi: '3.1.0',
    info: {
      title: 'org-access-tokens',
      version: DOCUMENT_VERSION,
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'Organization access tokens as Docker Hub has them: the Hub API that manages them and the registry ' +
        'token endpoint that turns them into registry JWTs. Generated from the zod schemas of org-access-tokens ' +
        'by `createOpenApiDocument`.',
    },
    servers: (options.servers ?? [{ url: '/' }]).map((server) => ({ ...server })),
    tags,
    paths: { ...hubPaths(basePath), ...(tokenPath === null ? {} : { [tokenPath]: tokenEndpointPathItem() }) },
    components: {
      securitySchemes: {
        hubBearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            "Whatever the host's `authenticateCaller` accepts (a bearer token, a session cookie, ...); a " +
            'request it does not know gets 401 with `WWW-Authenticate: Bearer`.',
        },
        ...(token === null
          ? {}
          : {
              registryBasic: {
                type: 'http',
                scheme: 'basic',
                description: '`<organization>:<organization access token>`, as `docker login` sends it.',
              },
            }),
      },
      schemas: { ...hub.schemas, ...token?.schemas },
      headers: { ...hub.headers, ...token?.headers },
      responses: { ...hub.responses, ...token?.responses },
    },
    'x-oat-other-paths': {
      '404': errorResponse(
        404,
        `Not one of the Hub API's routes (any path under \`${basePath || '/'}\` but those above).`,
        ['ROUTE_NOT_FOUND'],
      ),
    },
  };
}
