import type { KeyObject } from 'node:crypto';
import type { ClientContext } from '../core/access.js';
import { isOatError, OatError, type FieldIssue } from '../errors.js';
import type { Principal } from '../service/authenticator.js';
import { systemClock } from '../service/clock.js';
import type { Clock } from '../service/ports.js';
import type { TokenService } from '../service/service.js';
import { grantScopes, type AnonymousAccess, type RepositoryVisibilityLookup } from './grant.js';
import { clockMs, createRegistryTokenSigner, isoSeconds, REGISTRY_EXPIRY_LEEWAY_SECONDS } from './jwt.js';
import { parseScopeParameters } from './scope.js';
import type { REGISTRY_ERROR_CODES, RegistryErrorBody, RegistryTokenResponse } from './wire.js';
import { declaresMoreThan, readRequestBody } from '../http/body.js';
import { json } from '../http/json-response.js';
import { summarize, type RequestSummary } from '../http/summary.js';
import type { FetchContext } from '../http/context.js';

/** Options of {@link createTokenEndpoint}. */
export interface TokenEndpointOptions {
  /** Checks `<org>:<token>` credentials; its state, expiry, organization and last-used rules all apply. */
  readonly tokenService: Pick<TokenService, 'authenticate'>;
  /** The registry's service name: the `service` parameter clients send and the JWT `aud` (`auth.token.service`). */
  readonly audience: string;
  /** The JWT `iss` (`auth.token.issuer`). */
  readonly issuer: string;
  /** EC (P-256/384/521) or RSA private key, PEM or `KeyObject`. Not Ed25519: distribution cannot verify it. */
  readonly signingKey: string | KeyObject;
  /**
   * PEM certificates, leaf (holding `signingKey`'s public key) first; the
   * registry's `rootcertbundle` must anchor it. Each must be valid at `clock`'s
   * now with at least 60 s left, else construction throws `MISCONFIGURED`.
   */
  readonly certificateChain: string;
  /** Seconds an issued token lives, 60 to 86400. Default 300. */
  readonly lifetimeSeconds?: number;
  /** Which repositories are public. Default: all private. */
  readonly repositoryVisibility?: RepositoryVisibilityLookup;
  /** What requests without credentials get. Default `public-pull`; `none` answers them 401. */
  readonly anonymous?: AnonymousAccess;
  /**
   * Source of `iat`/`exp` and of the time the certificate chain is checked at. Default: the system clock (registries
   * compare `exp` to theirs).
   */
  readonly clock?: Clock;
  /** Realm named in `WWW-Authenticate: Basic realm="..."` on a 401. Default: `audience`. */
  readonly realm?: string;
  /**
   * Tells the service which client asks (for example Docker Desktop, which
   * cannot use organization tokens). `context` is what the server passed the
   * handler (`clientAddress`), `{}` when nothing. Default: its user agent.
   * `context.clientAddress` becomes the context's `address` (failed logins
   * are rate-limited per address) unless this sets one itself.
   */
  readonly identifyClient?: (request: Request, context: FetchContext) => ClientContext;
  /**
   * Receives faults answered with 500 (a visibility lookup that threw, a
   * certificate chain that has expired since construction, ...),
   * with the request's method, URL and client address only: never its
   * headers, which carry credentials. One that throws is ignored.
   */
  readonly onError?: (error: unknown, request: RequestSummary) => void;
}

/**
 * The token endpoint: a Fetch API handler. Never rejects.
 * `context.clientAddress`, when the server passes it, reaches `identifyClient`
 * and `onError`.
 */
export type TokenEndpointHandler = (request: Request, context?: FetchContext) => Promise<Response>;

type Credentials =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'basic'; readonly username: string; readonly secret: string };

/** The inputs of a token request, wherever they came from (GET query or OAuth2 POST form). */
interface TokenRequest {
  readonly service: string | null;
  readonly scopes: ReadonlyArray<string>;
  readonly credentials: Credentials;
}

const ANONYMOUS: Credentials = Object.freeze({ kind: 'anonymous' });
const MALFORMED: Credentials = Object.freeze({ kind: 'malformed' });
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// OAuth 2.0 (RFC 6749, 5.1) asks token responses for Pragma besides Cache-Control, for HTTP/1.0 caches.
const PRAGMA = { pragma: 'no-cache' } as const;
const MAX_FORM_BYTES = 16 * 1024;

/** Reads `Authorization: Basic base64(user:secret)`; anything else present is malformed, never a throw. */
function basicCredentials(header: string | null): Credentials {
  if (header === null) return ANONYMOUS;
  const match = /^basic[ ]+(\S+)[ ]*$/i.exec(header);
  const encoded = match?.[1];
  if (encoded === undefined || encoded.length % 4 !== 0 || !BASE64.test(encoded)) return MALFORMED;
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64'));
  } catch {
    return MALFORMED;
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) return MALFORMED;
  return { kind: 'basic', username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function registryError(
  status: number,
  code: (typeof REGISTRY_ERROR_CODES)[number],
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json(status, { errors: [{ code, message }] } satisfies RegistryErrorBody, { ...PRAGMA, ...headers });
}

/** An RFC 6749 (section 5.2) token error response: always 400 for the codes used here. */
function oauthError(error: 'invalid_request' | 'unsupported_grant_type', description: string): Response {
  return json(400, { error, error_description: description }, PRAGMA);
}

const formTooLarge = (): Response => registryError(413, 'SIZE_INVALID', 'The form is too large');

/** Why a POST cannot be a token request, told before its body is read; `null` when it may be one. */
function refuseFormUnread(request: Request): Response | null {
  const media = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (media !== 'application/x-www-form-urlencoded') {
    return registryError(415, 'UNSUPPORTED', 'POST the token request as application/x-www-form-urlencoded');
  }
  if (declaresMoreThan(request.headers.get('content-length'), MAX_FORM_BYTES)) return formTooLarge();
  return null;
}

/**
 * Reads the OAuth2 password-grant form, at most {@link MAX_FORM_BYTES} while
 * it streams, or answers why it cannot. `credentials` are the form's
 * `username` and `password`; `anonymous` when it carries neither.
 */
async function readForm(request: Request): Promise<TokenRequest | Response> {
  const read = await readRequestBody(request, MAX_FORM_BYTES);
  if (!read.ok) return formTooLarge();
  const form = new URLSearchParams(new TextDecoder().decode(read.value));
  const grantType = form.get('grant_type');
  if (grantType !== 'password') {
    // OAuth2 clients read RFC 6749's error shape here, not distribution's `errors` array.
    return grantType === null
      ? oauthError('invalid_request', 'grant_type is required; this endpoint supports grant_type=password')
      : oauthError(
          'unsupported_grant_type',
          'Only grant_type=password is supported; this endpoint issues no refresh tokens',
        );
  }
  const username = form.get('username');
  const secret = form.get('password');
  const credentials: Credentials =
    username === null && secret === null
      ? ANONYMOUS
      : username !== null && username.length > 0 && secret !== null
        ? { kind: 'basic', username, secret }
        : MALFORMED;
  return { service: form.get('service'), scopes: form.getAll('scope'), credentials };
}

type Signer = ReturnType<typeof createRegistryTokenSigner>;
const SIGNER_FIELDS: ReadonlySet<string> = new Set([
  'audience',
  'issuer',
  'signingKey',
  'certificateChain',
  'lifetimeSeconds',
  'clock',
]);

/**
 * Checks every option and builds the signer, or throws one `MISCONFIGURED`
 * whose `fields` list every missing or invalid option: an operator fixing a
 * config file should not discover its mistakes one restart at a time. The
 * signer's deeper checks (key type, chain against key, validity at `clock`'s
 * now) run once the options it reads are present, and their error's context
 * (certificate index, subject, ...) is kept.
 */
function checkOptions(options: TokenEndpointOptions): Signer {
  if (typeof options !== 'object' || options === null)
    throw new OatError('MISCONFIGURED', 'createTokenEndpoint needs an options object', {
      context: { field: 'options' },
    });
  const issues: FieldIssue[] = [];
  const bad = (path: string, message: string): void => void issues.push({ path, message });
  if (typeof options.tokenService?.authenticate !== 'function')
    bad('tokenService', 'is required: a token service (createTokenService) with authenticate');
  for (const field of ['audience', 'issuer'] as const)
    if (typeof options[field] !== 'string' || options[field].length === 0)
      bad(field, 'is required: a non-empty string');
  const key: unknown = options.signingKey;
  if (typeof key !== 'string' && (typeof key !== 'object' || key === null))
    bad('signingKey', 'is required: an EC or RSA private key, PEM or KeyObject');
  if (typeof options.certificateChain !== 'string')
    bad('certificateChain', 'is required: the PEM certificate chain, leaf first');
  if (options.lifetimeSeconds !== undefined && typeof options.lifetimeSeconds !== 'number')
    bad('lifetimeSeconds', 'must be a number of seconds from 60 to 86400');
  if (options.anonymous !== undefined && options.anonymous !== 'public-pull' && options.anonymous !== 'none')
    bad('anonymous', "must be 'public-pull' or 'none'");
  if (options.repositoryVisibility !== undefined && typeof options.repositoryVisibility !== 'function')
    bad('repositoryVisibility', 'must be a function');
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') bad('clock', 'must have now()');
  if (options.realm !== undefined && typeof options.realm !== 'string') bad('realm', 'must be a string');
  if (options.identifyClient !== undefined && typeof options.identifyClient !== 'function')
    bad('identifyClient', 'must be a function');
  if (options.onError !== undefined && typeof options.onError !== 'function') bad('onError', 'must be a function');
  let signer: Signer | undefined;
  let signerError: OatError | undefined;
  if (!issues.some((issue) => SIGNER_FIELDS.has(issue.path))) {
    try {
      signer = createRegistryTokenSigner(options);
    } catch (error) {
      if (!isOatError(error)) throw error;
      signerError = error;
      const field = error.context.field;
      bad(typeof field === 'string' ? field : 'options', error.message);
    }
  }
  if (issues.length === 0 && signer !== undefined) return signer;
  const paths = issues.map((issue) => issue.path);
  const list = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new OatError('MISCONFIGURED', `createTokenEndpoint: ${list}`, {
    fields: issues,
    context: { ...signerError?.context, field: paths[0], fields: paths },
    ...(signerError === undefined ? {} : { cause: signerError }),
  });
}

/**
 * Creates the token endpoint a registry (CNCF distribution's `auth.token`)
 * sends clients to: `GET <realm>?service=...&scope=...` with
 * `Authorization: Basic base64(<org>:<token>)`, answered with a signed JWT.
 *
 * - `service` must equal `audience`, else 400.
 * - Bad credentials of any kind (unknown, inactive, expired or deleted
 *   token, another organization's name, malformed header) get the same 401
 *   with `WWW-Authenticate: Basic`; the reason reaches only the service's
 *   audit events. A 200 here would make `docker login` succeed.
 * - A login the service refuses `RATE_LIMITED` (see the service's
 *   `rateLimits`) gets 429 with `Retry-After` (seconds) and distribution's
 *   `TOOMANYREQUESTS` error.
 * - Scopes the token does not cover are not errors: the JWT grants the
 *   allowed subset, possibly nothing, and the registry refuses the rest.
 * - No `refresh_token` is issued, so clients keep using this GET.
 * - The OAuth2 POST form (`grant_type=password`) is accepted too, read at
 *   most 16 KiB while it streams (413 past that). Credentials sent in the
 *   `Authorization` header are checked before the form is read at all; the
 *   form may then not carry `username`/`password` too (400). Any other
 *   grant (`refresh_token`, ...) gets RFC 6749's 400
 *   `{"error": "unsupported_grant_type"}`, a form without one
 *   `{"error": "invalid_request"}`.
 * - A token's `exp` never passes the `notAfter` of any certificate in the
 *   chain. Once the chain has less than 60 s left (distribution's minimum
 *   token life), or has expired, every request that would get a token is
 *   answered 500 and reported to `onError` with a `MISCONFIGURED` error
 *   naming the certificate: the fault is the operator's, not the user's.
 *
 * Checks its configuration at once (including the chain's validity at
 * `clock`'s now) and throws one `MISCONFIGURED` whose `fields` name every
 * missing or invalid option (`context.fields` lists their names). Stateless per
 * request: safe under any concurrency. Mount it at the realm's path yourself
 * (it answers every path it is given).
 *
 * @example
 * ```ts
 * const endpoint = createTokenEndpoint({
 *   tokenService: service,
 *   audience: 'registry.example.com',
 *   issuer: 'oat-token-issuer',
 *   signingKey: readFileSync('token.key', 'utf8'),
 *   certificateChain: readFileSync('token.crt', 'utf8'),
 *   repositoryVisibility: async (name) => ((await repos.isPublic(name)) ? 'public' : 'private'),
 * });
 * const server = await serveNode(endpoint, { port: 5001 });
 * ```
 */
export function createTokenEndpoint(options: TokenEndpointOptions): TokenEndpointHandler {
  const signer = checkOptions(options);
  const { tokenService, audience } = options;
  const anonymous = options.anonymous ?? 'public-pull';
  const clock = options.clock ?? systemClock;
  const realm = (options.realm ?? audience).replace(/["\\]/g, '');
  const identifyClient =
    options.identifyClient ??
    ((request: Request): ClientContext => {
      const userAgent = request.headers.get('user-agent');
      return userAgent === null ? {} : { userAgent };
    });
  const grantOptions = {
    anonymous,
    ...(options.repositoryVisibility === undefined ? {} : { repositoryVisibility: options.repositoryVisibility }),
  };
  const unauthorized = (message: string): Response =>
    registryError(401, 'UNAUTHORIZED', message, { 'www-authenticate': `Basic realm="${realm}"` });

  const wrongService = (): Response =>
    registryError(
      400,
      'INVALID_REQUEST',
      `This endpoint issues tokens for service "${audience}" only; pass it as the service parameter`,
    );

  const clientOf = (request: Request, context: FetchContext): ClientContext => {
    const client = identifyClient(request, context);
    const address = context.clientAddress;
    return client.address !== undefined || address === undefined || address.length === 0
      ? client
      : { ...client, address };
  };

  /**
   * Checks credentials through the service: the principal, `null` for an anonymous request let through, or the 401 (429
   * when rate-limited).
   */
  async function authenticate(
    credentials: Credentials,
    request: Request,
    context: FetchContext,
  ): Promise<Principal | null | Response> {
    if (credentials.kind === 'anonymous') return anonymous === 'none' ? unauthorized('authentication required') : null;
    // A malformed header goes through the service all the same, so the refusal shows in the audit events as MALFORMED.
    const login =
      credentials.kind === 'malformed'
        ? await tokenService.authenticate(null, null, clientOf(request, context))
        : await tokenService.authenticate(credentials.username, credentials.secret, clientOf(request, context));
    if (login.ok) return login.principal;
    if (login.code === 'RATE_LIMITED') {
      // Whole seconds, rounded up: a client retrying at the announced time must not be refused again.
      const seconds = String(Math.max(1, Math.ceil(login.retryAfterMs / 1000)));
      return registryError(429, 'TOOMANYREQUESTS', 'Too many requests; try again later', { 'retry-after': seconds });
    }
    return unauthorized('invalid username or token');
  }

  /**
   * The OAuth2 password grant. Credentials in the `Authorization` header are
   * checked before the form is read, so a caller who fails them never gets a
   * byte of body read; credentials in the form can only be checked after
   * reading it, which is capped at {@link MAX_FORM_BYTES} while it streams.
   */
  async function handlePost(
    request: Request,
    context: FetchContext,
  ): Promise<{ readonly input: TokenRequest; readonly principal: Principal | null } | Response> {
    const unread = refuseFormUnread(request);
    if (unread !== null) return unread;
    const header = basicCredentials(request.headers.get('authorization'));
    const fromHeader = header.kind === 'anonymous' ? undefined : await authenticate(header, request, context);
    if (fromHeader instanceof Response) return fromHeader;
    const input = await readForm(request);
    if (input instanceof Response) return input;
    if (input.service !== audience) return wrongService();
    if (fromHeader === undefined) {
      const principal = await authenticate(input.credentials, request, context);
      return principal instanceof Response ? principal : { input, principal };
    }
    if (input.credentials.kind !== 'anonymous') {
      return registryError(
        400,
        'INVALID_REQUEST',
        'Send credentials in the Authorization header or in the form, not both',
      );
    }
    return { input, principal: fromHeader };
  }

  async function handle(request: Request, context: FetchContext): Promise<Response> {
    let input: TokenRequest;
    let principal: Principal | null;
    if (request.method === 'GET') {
      const params = new URL(request.url).searchParams;
      input = {
        service: params.get('service'),
        scopes: params.getAll('scope'),
        credentials: basicCredentials(request.headers.get('authorization')),
      };
      if (input.service !== audience) return wrongService();
      const checked = await authenticate(input.credentials, request, context);
      if (checked instanceof Response) return checked;
      principal = checked;
    } else if (request.method === 'POST') {
      const checked = await handlePost(request, context);
      if (checked instanceof Response) return checked;
      ({ input, principal } = checked);
    } else {
      return registryError(405, 'UNSUPPORTED', 'Use GET (or the OAuth2 POST form)', { allow: 'GET, POST' });
    }

    const { scopes } = parseScopeParameters(input.scopes);
    const access = await grantScopes(principal === null ? null : principal.grants, scopes, grantOptions);
    // Read the time after every await (a POST form may have trickled in): within the registry's leeway of its own
    // expiry a token can no longer get a registry token that ends in time, and that is the token's fault, not a 500.
    const now = clockMs(clock);
    if (
      principal !== null &&
      principal.expiresAt !== null &&
      principal.expiresAt - now < (REGISTRY_EXPIRY_LEEWAY_SECONDS + 1) * 1000
    ) {
      return unauthorized('invalid username or token');
    }
    const issued = await signer.issue(
      { subject: principal === null ? '' : principal.organization, access, notAfter: principal?.expiresAt ?? null },
      now,
    );
    return json(
      200,
      {
        token: issued.token,
        access_token: issued.token,
        expires_in: issued.expiresIn,
        issued_at: isoSeconds(issued.issuedAt),
      } satisfies RegistryTokenResponse,
      PRAGMA,
    );
  }

  return async function tokenEndpoint(request: Request, context: FetchContext = {}): Promise<Response> {
    try {
      return await handle(request, context);
    } catch (error) {
      try {
        options.onError?.(error, summarize(request, context));
      } catch {
        // A failing logger must not change the answer.
      }
      return registryError(500, 'UNKNOWN', 'The token service failed; try again');
    }
  };
}
