import { z } from 'zod';
import { componentSchemas, jsonSchemaOf, ref } from '../http/openapi-schema.js';
import type { JsonObject } from '../http/json-types.js';
import { MAX_SCOPES_PER_REQUEST } from './scope.js';
import { oauthErrorBodySchema, registryErrorBodySchema, registryTokenResponseSchema } from './wire.js';

/**
 * The token endpoint's part of the OpenAPI document: its path item and the
 * components it refers to. Internal: `createOpenApiDocument` on the
 * ./hub-api entry assembles it.
 */

/** The methods the endpoint answers, as its 405's `Allow` lists them. */
const ALLOW = 'GET, POST';

// What a POST form may hold. Documentation only: the endpoint reads the form field by field, refusing what it
// cannot use.
const tokenForm = z
  .object({
    grant_type: z
      .literal('password')
      .meta({ description: 'Only `password`; any other grant (`refresh_token`, ...) is refused with 400.' }),
    service: z.string().meta({ description: "The registry's service name; must equal the endpoint's `audience`." }),
    username: z.string().optional().meta({
      description:
        'The organization name; with `password`, or neither (then the `Authorization` header, or anonymous).',
    }),
    password: z.string().optional().meta({ description: 'The organization access token.' }),
    scope: z
      .string()
      .optional()
      .meta({ description: 'Space-separated registry scopes (`repository:acme/app:pull,push`); may repeat.' }),
  })
  .meta({
    description:
      'The OAuth2 password grant. Credentials go in the form or in an `Authorization: Basic` header, never both.',
  });

const JSON_TYPE = 'application/json';

function body(schema: JsonObject): JsonObject {
  return { content: { [JSON_TYPE]: { schema } } };
}

const noStore: JsonObject = { 'Cache-Control': ref('headers', 'CacheControl'), Pragma: ref('headers', 'Pragma') };

function response(description: string, schema: JsonObject, extraHeaders: JsonObject = {}): JsonObject {
  return { description, headers: { ...noStore, ...extraHeaders }, ...body(schema) };
}

/** The components the token endpoint's operations refer to. */
export function tokenEndpointComponents(): {
  readonly schemas: Record<string, JsonObject>;
  readonly headers: Record<string, JsonObject>;
  readonly responses: Record<string, JsonObject>;
} {
  const schemas = componentSchemas(
    {
      RegistryTokenResponse: registryTokenResponseSchema,
      RegistryErrorBody: registryErrorBodySchema,
      OAuthErrorBody: oauthErrorBodySchema,
    },
    'output',
  );
  const error = ref('schemas', 'RegistryErrorBody');
  return {
    schemas,
    headers: {
      Pragma: {
        description: 'For HTTP/1.0 caches: the answer holds a credential.',
        required: true,
        schema: jsonSchemaOf(z.literal('no-cache'), 'output'),
      },
      WWWAuthenticateBasic: {
        description:
          "The challenge of a 401: HTTP Basic with the endpoint's realm (option `realm`, default the `audience`).",
        required: true,
        schema: jsonSchemaOf(z.string().regex(/^Basic realm="[^"\\]*"$/), 'output'),
      },
      RetryAfter: {
        description: 'Whole seconds until the limit that refused the login lets it through again.',
        required: true,
        schema: jsonSchemaOf(z.string().regex(/^[1-9][0-9]*$/), 'output'),
      },
    },
    responses: {
      TokenIssued: response(
        'A registry token granting the requested access the token allows: possibly less, possibly none.',
        ref('schemas', 'RegistryTokenResponse'),
      ),
      TokenUnauthorized: response(
        'Bad credentials of any kind (unknown, inactive, expired or deleted token, ' +
          "another organization's name, a malformed header), or none under `anonymous: 'none'`: " +
          'always the same answer.',
        error,
        { 'WWW-Authenticate': ref('headers', 'WWWAuthenticateBasic') },
      ),
      TokenTooManyRequests: response(
        'A usage limit of the token service (`rateLimits`: failed logins from this address, ' +
          "or the token's logins) is spent: `TOOMANYREQUESTS`.",
        error,
        {
          'Retry-After': ref('headers', 'RetryAfter'),
        },
      ),
      TokenPayloadTooLarge: response('The form is over 16 KiB (declared, or counted while it streams).', error),
      TokenUnsupportedMediaType: response('The form is not `application/x-www-form-urlencoded`.', error),
      TokenInternalError: response(
        'A fault (a visibility lookup that failed, a certificate chain at its end, ...), reported to `onError`; ' +
          'the message is generic.',
        error,
      ),
    },
  };
}

const security = [{ registryBasic: [] }, {}];

/** The path item of the token endpoint: `GET` with query parameters, `POST` with the OAuth2 password form. */
export function tokenEndpointPathItem(): JsonObject {
  const common = {
    '401': ref('responses', 'TokenUnauthorized'),
    '429': ref('responses', 'TokenTooManyRequests'),
    '500': ref('responses', 'TokenInternalError'),
  };
  // No maxItems: scopes past the limit are dropped, not refused.
  const scopes = jsonSchemaOf(z.array(z.string()), 'input');
  return {
    // Written out in place: OpenAPI has no place for other methods, and a linter reports components only an
    // extension uses.
    'x-oat-other-methods': {
      '405': response('Any method but GET and POST.', ref('schemas', 'RegistryErrorBody'), {
        Allow: {
          description: 'The methods the endpoint answers.',
          required: true,
          schema: jsonSchemaOf(z.literal(ALLOW), 'output'),
        },
      }),
    },
    get: {
      operationId: 'getRegistryToken',
      tags: ['Registry token'],
      summary: "Issue a registry token (Docker's token authentication)",
      description:
        'What a registry configured with `auth.token` sends clients to. ' +
        'Credentials come as `Authorization: Basic base64(<org>:<token>)`; without them the request is anonymous ' +
        "(pull on public repositories, unless `anonymous: 'none'`). " +
        'Scopes the token does not cover are left out of the JWT, never refused. ' +
        'Other query parameters clients send (`account`, `client_id`, `offline_token`) are ignored.',
      security,
      parameters: [
        {
          name: 'service',
          in: 'query',
          required: true,
          description: "The registry's service name; must equal the endpoint's `audience`.",
          schema: jsonSchemaOf(z.string(), 'input'),
        },
        {
          name: 'scope',
          in: 'query',
          required: false,
          style: 'form',
          explode: true,
          description:
            'Registry scopes (`repository:acme/app:pull,push`), repeated or space-separated. ' +
            `Malformed ones, and any past the first ${MAX_SCOPES_PER_REQUEST}, are ignored.`,
          schema: scopes,
        },
      ],
      responses: {
        '200': ref('responses', 'TokenIssued'),
        '400': response('`service` missing or not the `audience`.', ref('schemas', 'RegistryErrorBody')),
        ...common,
      },
    },
    post: {
      operationId: 'postRegistryToken',
      tags: ['Registry token'],
      summary: 'Issue a registry token (OAuth2 password grant)',
      description:
        'The same as the GET, for OAuth2 clients. ' +
        'Credentials in the `Authorization` header are checked before the form is read; ' +
        'the form is read at most 16 KiB while it streams.',
      security,
      requestBody: {
        required: true,
        content: { 'application/x-www-form-urlencoded': { schema: jsonSchemaOf(tokenForm, 'input') } },
      },
      responses: {
        '200': ref('responses', 'TokenIssued'),
        '400': response(
          "`service` missing or not the `audience`, credentials in both the header and the form (distribution's " +
            "shape), or a grant other than `password` (OAuth2's shape, RFC 6749 section 5.2).",
          { oneOf: [ref('schemas', 'RegistryErrorBody'), ref('schemas', 'OAuthErrorBody')] },
        ),
        ...common,
        '413': ref('responses', 'TokenPayloadTooLarge'),
        '415': ref('responses', 'TokenUnsupportedMediaType'),
      },
    },
  };
}
