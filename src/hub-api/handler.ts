import type { Actor } from '../core/access.js';
import { toOrganizationName, toTokenId } from '../core/ids.js';
import type { TokenPolicy } from '../core/policy.js';
import { safeParseCreateRequest, safeParseUpdateRequest } from '../core/schemas.js';
import { OatError } from '../errors.js';
import type { TokenService } from '../service/service.js';
import {
  toHubAccessToken,
  toHubAccessTokenSummary,
  type HubAccessTokenPage,
  type HubCreatedAccessToken,
} from './json.js';
import {
  errorResponse,
  noContent,
  responseForDenial,
  responseForError,
  validationResponse,
  BODY_FIELD,
} from './responses.js';
import { ALLOWED_METHODS, matchRoute, normaliseBasePath, type HubRoute } from './routes.js';
import { onTheWire, parseRotateBody } from './rotate.js';
import { readRequestBody } from '../http/body.js';
import { json } from '../http/json-response.js';
import { summarize, type RequestSummary } from '../http/summary.js';
import type { FetchContext } from '../http/context.js';

/**
 * The service methods the API calls: the non-throwing forms, whose refusals
 * it answers with their statuses. A full `TokenService` fits, and so does a
 * wrapper; a method that throws is answered like any fault (an `OatError`
 * with a refusal's code keeps its status, anything else is a 500). `policy`,
 * when there, is what request bodies are checked against before `safeCreate`
 * or `safeUpdate` is called (their shape only; the service checks the rest):
 * give a wrapper the service's policy when it is not the default, so that
 * messages name its bounds and a token of its format is redacted.
 */
export type HubApiService = Pick<TokenService, 'safeCreate' | 'safeGet' | 'safeList' | 'safeUpdate' | 'safeDelete'> & {
  readonly policy?: TokenPolicy;
  /** Needed only with {@link HubApiOptions.rotation}. */
  readonly safeRotate?: TokenService['safeRotate'];
};

/**
 * Says who sent a request, as the host authenticates people (session cookie,
 * bearer token, ...). `null`: nobody, answered with 401. Throwing is a fault
 * of the host, answered with 500. `context` is what the server passed the
 * handler (`clientAddress`), `{}` when nothing.
 */
export type CallerAuthenticator = (request: Request, context: FetchContext) => Actor | null | Promise<Actor | null>;

/** Options for {@link createHubApi}. */
export interface HubApiOptions {
  readonly service: HubApiService;
  readonly authenticateCaller: CallerAuthenticator;
  /**
   * Realm named in the `WWW-Authenticate: Bearer realm="..."` header of every
   * 401, as RFC 7235 requires of a 401. Printable ASCII without `"` or `\`,
   * else `createHubApi` throws `MISCONFIGURED` naming `realm`. Default
   * {@link DEFAULT_HUB_API_REALM}.
   */
  readonly realm?: string;
  /** Path the API is mounted under, for example `/api`; routes are `{basePath}/v2/orgs/...`. Default `''`. */
  readonly basePath?: string;
  /**
   * Receives every error answered with 500, for the host's logs, with the
   * request's method, URL and client address only: never its headers, which
   * carry the caller's credentials. The client only ever sees a generic message. An
   * `onError` that throws is ignored.
   */
  readonly onError?: (error: unknown, request: RequestSummary) => void;
  /**
   * Serves `POST {basePath}/v2/orgs/{org}/access-tokens/{id}/rotate`, this
   * library's extension of Docker Hub's API (see docs/rotation.md); it then
   * needs `service.safeRotate`, from a service built with its `rotation`
   * option. Default `false`: the path is a 404 like any unknown one.
   */
  readonly rotation?: boolean;
}

/**
 * A Fetch API handler: one `Request` in, one `Response` out. Never rejects.
 * `context.clientAddress`, when the server passes it, reaches
 * `authenticateCaller` and `onError`.
 */
export type HubApiHandler = (request: Request, context?: FetchContext) => Promise<Response>;

/**
 * Largest request body read, in bytes; larger ones get 413. No Hub request
 * comes close. Enforced while the body streams in: a declared
 * `Content-Length` over it is refused unread, and an undeclared or lying one
 * is cut off once this many bytes have arrived.
 */
export const MAX_HUB_BODY_BYTES = 1024 * 1024;
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;
const MAX_PAGE = 1_000_000;
/** The list response header that says how many tokens of the page could not be read from the store. */
export const UNREADABLE_HEADER = 'x-oat-unreadable-tokens';

/** The realm a 401 of the Hub API names when `realm` is not given. */
export const DEFAULT_HUB_API_REALM = 'org-access-tokens Hub API';

const SERVICE_METHODS = ['safeCreate', 'safeGet', 'safeList', 'safeUpdate', 'safeDelete'] as const;

/** How a 405 names each resource. */
const RESOURCE_NAME: Readonly<Record<HubRoute['kind'], string>> = {
  collection: 'The token list',
  token: 'A token',
  rotate: 'Rotation',
};

/** A request we refuse before it reaches the service; carries its response. */
class Refusal extends Error {
  constructor(readonly response: Response) {
    super('refused');
  }
}

function checkActor(actor: unknown): Actor {
  const value = actor as { username?: unknown } | null;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.username !== 'string' ||
    value.username.length === 0
  ) {
    throw new OatError('MISCONFIGURED', 'authenticateCaller returned something that is not an Actor', {
      context: { field: 'authenticateCaller' },
    });
  }
  // A host still returning permissions expects them to grant something: fail loudly (500, reported to onError), never
  // silently.
  if (Object.hasOwn(value, 'permissions')) {
    throw new OatError(
      'MISCONFIGURED',
      'authenticateCaller returned permissions; list token managers per organization in ' +
        'OrganizationProfile.tokenManagers',
      {
        context: { field: 'authenticateCaller' },
      },
    );
  }
  return value as Actor;
}

function isJsonMediaType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const media = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

/**
 * Reads a JSON body. Demands a JSON content type: a cross-site form can post
 * `text/plain` without a CORS preflight, so a host that authenticates by
 * cookie would otherwise let any page create tokens in its users' names.
 */
async function readJson(request: Request): Promise<unknown> {
  if (!isJsonMediaType(request.headers.get('content-type'))) {
    throw new Refusal(errorResponse(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json'));
  }
  const read = await readRequestBody(request, MAX_HUB_BODY_BYTES);
  if (!read.ok) throw new Refusal(errorResponse(413, 'PAYLOAD_TOO_LARGE', 'The body is too large'));
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(read.value)) as unknown;
  } catch {
    throw new Refusal(validationResponse([{ path: BODY_FIELD, message: 'must be valid JSON' }], 'Malformed JSON body'));
  }
}

/** Parses a positive integer query parameter, Hub's `page` or `page_size`. */
function intParam(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  const value = /^[0-9]{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= max)) {
    throw new Refusal(
      validationResponse(
        [{ path: name, message: `must be an integer from 1 to ${max}` }],
        `Invalid query: ${name}: must be an integer from 1 to ${max}`,
      ),
    );
  }
  return value;
}

function pageLink(url: URL, page: number, pageSize: number): string {
  const link = new URL(url.href);
  // Other query parameters stay as they came; paging ones go last, in a fixed order.
  link.searchParams.delete('page');
  link.searchParams.delete('page_size');
  link.searchParams.append('page', String(page));
  link.searchParams.append('page_size', String(pageSize));
  return link.href;
}

/**
 * Creates Docker Hub's REST surface for organization access tokens as a Fetch
 * API handler, over a {@link TokenService}:
 *
 * - `POST   {base}/v2/orgs/{org}/access-tokens` -> 201, token, resources and the secret `token` (only here)
 * - `GET    {base}/v2/orgs/{org}/access-tokens?page=&page_size=` -> 200 `{total, next, previous, results}`;
 *   header `x-oat-unreadable-tokens`: tokens of the page whose stored rows could not be read (left out of `results`)
 * - `GET    {base}/v2/orgs/{org}/access-tokens/{id}` -> 200, token and resources
 * - `PATCH  {base}/v2/orgs/{org}/access-tokens/{id}` -> 200, token and resources
 * - `DELETE {base}/v2/orgs/{org}/access-tokens/{id}` -> 204
 *
 * The service decides who may manage what and which transitions are allowed;
 * this layer only translates HTTP to calls of its `safe*` operations, and
 * their results to statuses (refusals are values, not exceptions). Stateless:
 * safe for any number of concurrent requests.
 *
 * @example
 * ```ts
 * const api = createHubApi({
 *   service,
 *   authenticateCaller: async (request) => sessions.actorOf(request.headers.get('cookie')),
 * });
 * const server = await serveNode(api);
 * ```
 */
export function createHubApi(options: HubApiOptions): HubApiHandler {
  const { service, authenticateCaller } = options;
  const missing = [
    ...SERVICE_METHODS.filter(
      (m) => typeof (service as unknown as Record<string, unknown> | undefined)?.[m] !== 'function',
    ).map((m) => `service.${m}`),
    ...(typeof authenticateCaller === 'function' ? [] : ['authenticateCaller']),
    ...(options.rotation === true && typeof service?.safeRotate !== 'function' ? ['service.safeRotate'] : []),
  ];
  if (missing.length > 0)
    throw new OatError('MISCONFIGURED', `createHubApi lacks ${missing.join(', ')}`, { context: { missing } });
  const basePath = normaliseBasePath(options.basePath);
  const realm = options.realm ?? DEFAULT_HUB_API_REALM;
  // Refused rather than escaped: a quote or line break would make the header unparseable or not a header at all.
  if (typeof realm !== 'string' || /[^\x20-\x7e]|["\\]/.test(realm)) {
    throw new OatError(
      'MISCONFIGURED',
      'createHubApi: realm must be a string of printable ASCII without quotes or backslashes',
      { context: { field: 'realm' } },
    );
  }
  const challenge = { 'www-authenticate': `Bearer realm="${realm}"` };

  async function serve(request: Request, context: FetchContext, url: URL, route: HubRoute): Promise<Response> {
    const actor = await authenticateCaller(request, context);
    if (actor === null || actor === undefined)
      return errorResponse(401, 'UNAUTHENTICATED', 'Authentication required', challenge);
    const caller = checkActor(actor);
    const org = toOrganizationName(route.organization);
    if (org === null) return errorResponse(404, 'NOT_FOUND', 'Organization not found');

    if (route.kind === 'collection') {
      if (request.method === 'POST') {
        const parsed = safeParseCreateRequest(await readJson(request), service.policy);
        if (!parsed.ok) return validationResponse(parsed.fields, parsed.message);
        const created = await service.safeCreate(caller, org, parsed.value);
        if (!created.ok) return responseForDenial(created);
        const { token, secret } = created.value;
        const body: HubCreatedAccessToken = { ...toHubAccessToken(token), token: secret.reveal() };
        return json(201, body, { location: new URL(`${url.pathname.replace(/\/$/, '')}/${token.id}`, url).href });
      }
      const page = intParam(url.searchParams, 'page', 1, MAX_PAGE);
      const pageSize = intParam(url.searchParams, 'page_size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
      const result = await service.safeList(caller, org, { page, pageSize });
      if (!result.ok) return responseForDenial(result);
      const listed = result.value;
      const body: HubAccessTokenPage = {
        total: listed.total,
        next: page * pageSize < listed.total ? pageLink(url, page + 1, pageSize) : null,
        previous: page > 1 ? pageLink(url, page - 1, pageSize) : null,
        results: listed.items.map(toHubAccessTokenSummary),
      };
      // Docker Hub's body keeps its shape; how many rows could not be read rides in a header of our own.
      return json(200, body, { [UNREADABLE_HEADER]: String(listed.unreadable) });
    }

    const id = toTokenId(route.tokenId);
    if (id === null) return errorResponse(404, 'NOT_FOUND', `Token not found in "${org}"`);
    if (route.kind === 'rotate' && service.safeRotate !== undefined) {
      const parsed = parseRotateBody(await readJson(request));
      if (!parsed.ok) return validationResponse(parsed.fields, 'Invalid rotate request');
      const rotated = await service.safeRotate(caller, org, id, parsed.value);
      if (!rotated.ok) return responseForDenial(onTheWire(rotated));
      const body: HubCreatedAccessToken = {
        ...toHubAccessToken(rotated.value.token),
        token: rotated.value.secret.reveal(),
      };
      return json(200, body);
    }
    switch (request.method) {
      case 'GET': {
        const got = await service.safeGet(caller, org, id);
        return got.ok ? json(200, toHubAccessToken(got.value)) : responseForDenial(got);
      }
      case 'PATCH': {
        const parsed = safeParseUpdateRequest(await readJson(request), service.policy);
        if (!parsed.ok) return validationResponse(parsed.fields, parsed.message);
        const updated = await service.safeUpdate(caller, org, id, parsed.value);
        return updated.ok ? json(200, toHubAccessToken(updated.value)) : responseForDenial(updated);
      }
      default: {
        const deleted = await service.safeDelete(caller, org, id);
        return deleted.ok ? noContent() : responseForDenial(deleted);
      }
    }
  }

  return async function hubApi(request: Request, context: FetchContext = {}): Promise<Response> {
    try {
      const url = new URL(request.url);
      const route = matchRoute(url.pathname, basePath);
      if (route === null || (route.kind === 'rotate' && options.rotation !== true))
        return errorResponse(404, 'ROUTE_NOT_FOUND', 'No such endpoint');
      const allowed = ALLOWED_METHODS[route.kind];
      if (!allowed.includes(request.method)) {
        return errorResponse(405, 'METHOD_NOT_ALLOWED', `${RESOURCE_NAME[route.kind]} accepts ${allowed.join(', ')}`, {
          allow: allowed.join(', '),
        });
      }
      return await serve(request, context, url, route);
    } catch (error) {
      if (error instanceof Refusal) return error.response;
      const { response, unexpected } = responseForError(error);
      if (unexpected && options.onError !== undefined) {
        try {
          options.onError(error, summarize(request, context));
        } catch {
          // The host's logger failing must not change the answer.
        }
      }
      return response;
    }
  };
}
