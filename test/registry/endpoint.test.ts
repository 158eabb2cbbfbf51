import { importX509, jwtVerify, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveNode, type NodeServerHandle } from '../../src/http/node.js';
import {
  createMemoryTokenStore,
  createTokenService,
  platformRandom,
  type TokenEvent,
  type TokenService,
} from '../../src/index.js';
import { createTokenEndpoint, type TokenEndpointHandler, type TokenEndpointOptions } from '../../src/registry/index.js';
import { createFakeClock, type FakeClock } from '../../src/testing/fake-clock.js';
import { conforming, TOKEN_ENDPOINT } from '../support/openapi-contract.js';
import { makeSelfSigned, type TestKeyPair } from './keys.js';

const AUDIENCE = 'registry.test';
const ISSUER = 'oat-test-issuer';
const REALM = 'http://token.test/token';
const DAY = 24 * 60 * 60 * 1000;
const alice = { username: 'alice' };

let keys: TestKeyPair;
let clock: FakeClock;
let service: TokenService;
let events: TokenEvent[];
let endpoint: TokenEndpointHandler;
/** Secrets by name: `app` (acme/app push, acme/readonly pull), `publicPull` (`*\/*\/public`), and refused ones. */
const secrets: Record<string, string> = {};
const ids: Record<string, string> = {};

function build(extra: Partial<TokenEndpointOptions> = {}): TokenEndpointHandler {
  return conforming(
    createTokenEndpoint({
      tokenService: service,
      audience: AUDIENCE,
      issuer: ISSUER,
      signingKey: keys.keyPem,
      certificateChain: keys.chainPem,
      clock,
      repositoryVisibility: (name) => (name === 'globex/public' ? 'public' : 'private'),
      ...extra,
    }),
    TOKEN_ENDPOINT,
  );
}

const basic = (username: string, secret: string): string =>
  `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`;

function tokenRequest(query: Record<string, string | string[]>, authorization?: string, base = REALM): Request {
  const url = new URL(base);
  for (const [key, value] of Object.entries(query)) for (const v of [value].flat()) url.searchParams.append(key, v);
  return new Request(url, { headers: authorization === undefined ? {} : { authorization } });
}

async function verified(response: Response): Promise<{ body: Record<string, unknown>; payload: JWTPayload }> {
  expect(response.status).toBe(200);
  const body = (await response.json()) as Record<string, unknown>;
  const { payload, protectedHeader } = await jwtVerify(body.token as string, await importX509(keys.chainPem, 'ES256'), {
    issuer: ISSUER,
    audience: AUDIENCE,
    currentDate: new Date(clock.now()),
  });
  expect(protectedHeader.alg).toBe('ES256');
  expect(protectedHeader.x5c).toHaveLength(1);
  return { body, payload };
}

beforeAll(async () => {
  keys = makeSelfSigned('p256');
  clock = createFakeClock(Date.UTC(2026, 2, 1, 12, 0, 0));
  events = [];
  service = createTokenService({
    store: createMemoryTokenStore(),
    clock,
    events: { emit: (event) => void events.push(event) },
    organizations: [
      { name: 'acme', plan: 'business', owners: ['alice'] },
      { name: 'globex', plan: 'team', owners: ['bob'] },
    ],
  });
  const create = async (
    name: string,
    resources: Array<{ path: string; scopes: string[] }>,
    extra: Record<string, unknown> = {},
  ): Promise<void> => {
    const { token, secret } = await service.create(alice, 'acme', {
      label: name,
      resources: resources.map((r) => ({ type: 'repository', ...r })),
      ...extra,
    });
    secrets[name] = secret.reveal();
    ids[name] = token.id;
  };
  await create('app', [
    { path: 'acme/app', scopes: ['scope-image-push'] },
    { path: 'acme/readonly', scopes: ['scope-image-pull'] },
  ]);
  await create('publicPull', [{ path: '*/*/public', scopes: ['scope-image-pull'] }]);
  await create('inactive', [{ path: 'acme/app', scopes: ['scope-image-pull'] }]);
  await service.deactivate(alice, 'acme', ids.inactive as string);
  await create('deleted', [{ path: 'acme/app', scopes: ['scope-image-pull'] }]);
  await service.delete(alice, 'acme', ids.deleted as string);
  await create('expired', [{ path: 'acme/app', scopes: ['scope-image-pull'] }], {
    expires_at: new Date(clock.now() + DAY).toISOString(),
  });
  clock.advance(2 * DAY);
  secrets.unknown = service.policy.format.generate(platformRandom);
  endpoint = build();
});

describe('the token endpoint, on success', () => {
  it('answers a login (no scope) with a signed token granting nothing, and no refresh token', async () => {
    const response = await endpoint(
      tokenRequest(
        { service: AUDIENCE, account: 'acme', client_id: 'docker', offline_token: 'true' },
        basic('acme', secrets.app as string),
      ),
    );
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { body, payload } = await verified(response);
    const iat = Math.floor(clock.now() / 1000);
    expect(body).toEqual({
      token: body.token,
      access_token: body.token,
      expires_in: 300,
      issued_at: new Date(iat * 1000).toISOString().replace('.000Z', 'Z'),
    });
    expect(body.issued_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(payload).toMatchObject({ sub: 'acme', iat, nbf: iat, exp: iat + 300, access: [] });
  });

  it('grants per scope what the token allows: repeated, space-separated scopes, subsets, unknown types', async () => {
    const response = await endpoint(
      tokenRequest(
        {
          service: AUDIENCE,
          scope: [
            'repository:acme/app:pull,push repository:acme/readonly:pull,push',
            'repository:acme/other:pull',
            'registry:catalog:*',
            'garbage',
          ],
        },
        basic('ACME', secrets.app as string),
      ),
    );
    const { payload } = await verified(response);
    expect(payload.access).toEqual([
      { type: 'repository', name: 'acme/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'acme/readonly', actions: ['pull'] },
    ]);
  });

  it('reaches public repositories of other organizations through */*/public, pull only', async () => {
    const response = await endpoint(
      tokenRequest(
        { service: AUDIENCE, scope: ['repository:globex/public:pull,push', 'repository:globex/app:pull'] },
        basic('acme', secrets.publicPull as string),
      ),
    );
    expect((await verified(response)).payload.access).toEqual([
      { type: 'repository', name: 'globex/public', actions: ['pull'] },
    ]);
  });

  it('touches last-used: authentication goes through the service', async () => {
    await endpoint(tokenRequest({ service: AUDIENCE }, basic('acme', secrets.publicPull as string)));
    expect((await service.get(alice, 'acme', ids.publicPull as string)).lastUsedAt).toEqual(clock.now());
  });

  it('uses the configured lifetime', async () => {
    const response = await build({ lifetimeSeconds: 120 })(
      tokenRequest({ service: AUDIENCE }, basic('acme', secrets.app as string)),
    );
    const { body, payload } = await verified(response);
    expect(body.expires_in).toBe(120);
    expect((payload.exp as number) - (payload.iat as number)).toBe(120);
  });

  it('accepts the OAuth2 password grant as a POST form', async () => {
    const form = new URLSearchParams({
      grant_type: 'password',
      username: 'acme',
      password: secrets.app as string,
      service: AUDIENCE,
      client_id: 'test',
      scope: 'repository:acme/app:pull repository:acme/readonly:push',
    });
    const response = await endpoint(new Request(REALM, { method: 'POST', body: form }));
    expect((await verified(response)).payload.access).toEqual([
      { type: 'repository', name: 'acme/app', actions: ['pull'] },
    ]);
  });
});

describe('the token endpoint, for a token close to its own expiry', () => {
  const shortLived = async (seconds: number): Promise<string> => {
    const { secret } = await service.create(alice, 'acme', {
      label: `expires in ${seconds} s`,
      resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }],
      expires_at: new Date(clock.now() + seconds * 1000).toISOString(),
    });
    return secret.reveal();
  };

  it('never issues a registry token the registry would accept after the organization token expires', async () => {
    // distribution accepts a token until exp + 60 s: exp is kept 60 s before the organization token's expiry.
    const { body, payload } = await verified(
      await endpoint(
        tokenRequest({ service: AUDIENCE, scope: 'repository:acme/app:pull' }, basic('acme', await shortLived(90))),
      ),
    );
    expect(payload.exp).toBe(Math.floor(clock.now() / 1000) + 90 - 60);
    expect(body.expires_in).toBe(30);
  });

  it('refuses a token within the registry leeway of its expiry, as the same 401', async () => {
    const response = await endpoint(
      tokenRequest({ service: AUDIENCE, scope: 'repository:acme/app:pull' }, basic('acme', await shortLived(45))),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Basic realm="${AUDIENCE}"`);
  });
});

describe('the token endpoint, refusing credentials', () => {
  async function refusal(response: Response): Promise<{ status: number; challenge: string | null; body: unknown }> {
    return {
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
      body: await response.json(),
    };
  }
  const REFUSED = {
    status: 401,
    challenge: `Basic realm="${AUDIENCE}"`,
    body: { errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or token' }] },
  };

  it.each([
    ['an unknown token', 'acme', 'unknown', 'NOT_FOUND'],
    ['a garbled token', 'acme', 'garbled', 'MALFORMED'],
    ['an inactive token', 'acme', 'inactive', 'INACTIVE'],
    ['an expired token', 'acme', 'expired', 'EXPIRED'],
    ['a deleted token', 'acme', 'deleted', 'DELETED'],
    ["another organization's name", 'globex', 'app', 'ORG_MISMATCH'],
  ])('answers %s with the same 401, and gives the reason to audit only', async (_what, username, name, code) => {
    const secret = name === 'garbled' ? `${secrets.app as string}x` : (secrets[name] as string);
    const seen = events.length;
    const response = await endpoint(
      tokenRequest({ service: AUDIENCE, scope: 'repository:acme/app:pull' }, basic(username, secret)),
    );
    expect(await refusal(response)).toEqual(REFUSED);
    expect(events.slice(seen)).toMatchObject([{ type: 'access_token.authenticate', outcome: 'failure', code }]);
  });

  it.each([
    ['another scheme', 'Bearer abc'],
    ['Basic without credentials', 'Basic'],
    ['not base64', 'Basic !!!!'],
    ['no colon', `Basic ${Buffer.from('acme').toString('base64')}`],
    ['an empty username', `Basic ${Buffer.from(':secret').toString('base64')}`],
    ['invalid UTF-8', `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`],
    ['an empty header', ''],
  ])('answers a malformed Authorization header (%s) with the same 401, audited as MALFORMED', async (_what, header) => {
    const seen = events.length;
    expect(await refusal(await endpoint(tokenRequest({ service: AUDIENCE }, header)))).toEqual(REFUSED);
    expect(events.slice(seen)).toMatchObject([
      { type: 'access_token.authenticate', outcome: 'failure', code: 'MALFORMED' },
    ]);
  });

  it('never echoes the secret it was given', async () => {
    const response = await endpoint(tokenRequest({ service: AUDIENCE }, basic('globex', secrets.app as string)));
    expect(await response.text()).not.toContain(secrets.app as string);
  });
});

describe('the token endpoint, for anonymous requests', () => {
  it('grants pull on public repositories only, with an empty subject', async () => {
    const response = await endpoint(
      tokenRequest({ service: AUDIENCE, scope: ['repository:globex/public:pull,push', 'repository:acme/app:pull'] }),
    );
    const { payload } = await verified(response);
    expect(payload.sub).toBe('');
    expect(payload.access).toEqual([{ type: 'repository', name: 'globex/public', actions: ['pull'] }]);
  });

  it('answers 401 under anonymous: none', async () => {
    const response = await build({ anonymous: 'none' })(
      tokenRequest({ service: AUDIENCE, scope: 'repository:globex/public:pull' }),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Basic realm="${AUDIENCE}"`);
    expect(await response.json()).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
  });
});

describe('the token endpoint, refusing requests', () => {
  it.each([
    ['another service', { service: 'other.registry' }],
    ['no service', {}],
  ])('answers 400 for %s', async (_what, query) => {
    const response = await endpoint(tokenRequest(query, basic('acme', secrets.app as string)));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ code: 'INVALID_REQUEST', message: expect.stringContaining(`"${AUDIENCE}"`) }],
    });
  });

  it('answers 405 to other methods', async () => {
    const response = await endpoint(new Request(REALM, { method: 'PUT', body: 'x' }));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
  });

  it('refuses POST bodies that are not a password-grant form', async () => {
    const json = await endpoint(
      new Request(REALM, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }),
    );
    expect(json.status).toBe(415);
    const refresh = await endpoint(
      new Request(REALM, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', service: AUDIENCE }),
      }),
    );
    expect(refresh.status).toBe(400);
  });

  it('answers 500, reports the fault, and issues nothing when the visibility lookup fails', async () => {
    const faults: unknown[] = [];
    const failing = build({
      repositoryVisibility: () => Promise.reject(new Error('database down')),
      onError: (error) => {
        faults.push(error);
        throw new Error('the logger fails too');
      },
    });
    const response = await failing(
      tokenRequest(
        { service: AUDIENCE, scope: 'repository:globex/public:pull' },
        basic('acme', secrets.publicPull as string),
      ),
    );
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('database down');
    expect(text).not.toContain('token"');
    expect(faults).toEqual([new Error('database down')]);
  });
});

describe('createTokenEndpoint configuration', () => {
  it.each([
    ['a lifetime under 60 s', { lifetimeSeconds: 30 }],
    ['an unknown anonymous mode', { anonymous: 'everything' as 'none' }],
    ['a service without authenticate', { tokenService: {} as TokenService }],
    ['a visibility lookup that is not a function', { repositoryVisibility: 'public' as unknown as () => 'public' }],
  ])('throws MISCONFIGURED for %s', (_what, extra: Partial<TokenEndpointOptions>) => {
    expect(() => build(extra)).toThrow(expect.objectContaining({ name: 'OatError', code: 'MISCONFIGURED' }));
  });

  it('throws MISCONFIGURED for an Ed25519 key, which distribution cannot verify', () => {
    const ed = makeSelfSigned('ed25519');
    expect(() => build({ signingKey: ed.keyPem, certificateChain: ed.chainPem })).toThrow(
      expect.objectContaining({ code: 'MISCONFIGURED' }),
    );
  });
});

describe('the token endpoint over HTTP', () => {
  let server: NodeServerHandle;
  beforeAll(async () => {
    server = await serveNode(endpoint);
  });
  afterAll(async () => {
    await server.close();
  });

  it('issues a token to a real HTTP GET and refuses bad credentials with a Basic challenge', async () => {
    const ok = await fetch(`${server.url}/token?service=${AUDIENCE}&scope=repository%3Aacme%2Fapp%3Apull%2Cpush`, {
      headers: { authorization: basic('acme', secrets.app as string) },
    });
    expect((await verified(ok)).payload.access).toEqual([
      { type: 'repository', name: 'acme/app', actions: ['pull', 'push'] },
    ]);
    const refused = await fetch(`${server.url}/token?service=${AUDIENCE}`, {
      headers: { authorization: basic('acme', secrets.unknown as string) },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(`Basic realm="${AUDIENCE}"`);
    await refused.body?.cancel();
  });
});
