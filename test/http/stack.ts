import { decodeJwt } from 'jose';
import { expect } from 'vitest';
import type { FetchContext } from '../../src/http/index.js';
import { createHubApi, type HubApiHandler, type HubCreatedAccessToken } from '../../src/hub-api/index.js';
import { createMemoryTokenStore, createTokenService } from '../../src/index.js';
import { createTokenEndpoint, type TokenEndpointHandler } from '../../src/registry/index.js';
import { countingStream } from '../support/counting-stream.js';
import { makeSelfSigned } from '../registry/keys.js';

/** The registry's service name the endpoint issues tokens for. */
export const AUDIENCE = 'registry.test';
/** Where the Hub API's token collection of `acme` is, mounted at the root. */
export const COLLECTION = '/v2/orgs/acme/access-tokens';

/**
 * The two handlers a host mounts, over one in-memory service, and what each
 * was told about the client: every context `authenticateCaller` (Hub API) and
 * `identifyClient` (token endpoint) received, in order.
 */
export interface Stack {
  readonly hubApi: HubApiHandler;
  readonly tokenEndpoint: TokenEndpointHandler;
  readonly hubContexts: FetchContext[];
  readonly endpointContexts: FetchContext[];
}

/**
 * Builds a fresh {@link Stack}: a Business organization `acme` owned by `alice`
 * (`Authorization: Bearer alice`), and a new P-256 key.
 */
export function makeStack(): Stack {
  const service = createTokenService({
    store: createMemoryTokenStore(),
    organizations: [{ name: 'acme', plan: 'business', owners: ['alice'] }],
  });
  const keys = makeSelfSigned('p256');
  const hubContexts: FetchContext[] = [];
  const endpointContexts: FetchContext[] = [];
  const hubApi = createHubApi({
    service,
    authenticateCaller: (request, context) => {
      hubContexts.push(context);
      return request.headers.get('authorization') === 'Bearer alice' ? { username: 'alice' } : null;
    },
  });
  const tokenEndpoint = createTokenEndpoint({
    tokenService: service,
    audience: AUDIENCE,
    issuer: 'oat-test',
    signingKey: keys.keyPem,
    certificateChain: keys.chainPem,
    identifyClient: (_request, context) => {
      endpointContexts.push(context);
      return {};
    },
  });
  return { hubApi, tokenEndpoint, hubContexts, endpointContexts };
}

const basic = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/**
 * Drives a mounted stack over HTTP as a user would: creates a token through
 * the Hub API at `{base}/v2/...`, then gets a registry JWT for it from
 * `{base}/token`. Returns the token's secret.
 */
export async function createTokenAndLogin(base: string, headers: Record<string, string> = {}): Promise<string> {
  const created = await fetch(`${base}${COLLECTION}`, {
    method: 'POST',
    headers: { ...headers, authorization: 'Bearer alice', 'content-type': 'application/json' },
    body: JSON.stringify({
      label: 'ci',
      resources: [{ type: 'TYPE_REPO', path: 'acme/app', scopes: ['scope-image-pull'] }],
    }),
  });
  expect(created.status).toBe(201);
  const { token } = (await created.json()) as HubCreatedAccessToken;
  const issued = await fetch(`${base}/token?service=${AUDIENCE}&scope=repository:acme/app:pull`, {
    headers: { ...headers, authorization: basic('acme', token) },
  });
  expect(issued.status).toBe(200);
  const { token: jwt } = (await issued.json()) as { token: string };
  expect(decodeJwt(jwt)).toMatchObject({
    sub: 'acme',
    aud: AUDIENCE,
    access: [{ type: 'repository', name: 'acme/app', actions: ['pull'] }],
  });
  return token;
}

/** POSTs a 4 MiB body, sent chunked (no `Content-Length`), to `url`; resolves to the status. */
export async function postChunked(url: string, contentType: string): Promise<number> {
  const body = countingStream(64 * 1024, 64, 0x61);
  const reply = await fetch(url, {
    method: 'POST',
    headers: { authorization: 'Bearer alice', 'content-type': contentType },
    body: body.stream,
    duplex: 'half',
  } as RequestInit);
  await reply.body?.cancel();
  return reply.status;
}

/** POSTs a token-request form of 20 KiB (over the endpoint's 16 KiB) to `url`; resolves to the status and body. */
export async function postLargeForm(url: string): Promise<{ readonly status: number; readonly body: unknown }> {
  const form = new URLSearchParams({
    grant_type: 'password',
    service: AUDIENCE,
    scope: `repository:acme/${'a'.repeat(20 * 1024)}:pull`,
  });
  const reply = await fetch(url, { method: 'POST', body: form });
  return { status: reply.status, body: await reply.json() };
}
