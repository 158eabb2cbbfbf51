import { describe, expect, it } from 'vitest';
import { createHubApi, MAX_HUB_BODY_BYTES } from '../../src/hub-api/index.js';
import { createMemoryTokenStore, createTokenService, OatError } from '../../src/index.js';
import { conforming, HUB } from '../support/openapi-contract.js';
import { createToken, REPO_PULL, startHub, type Reply } from './harness.js';

const BASE = '/v2/orgs/acme/access-tokens';
const SOME_ID = '00000000-0000-4000-8000-000000000000';

function expectError(reply: Reply, status: number, code: string): void {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toBe('application/json');
  expect(reply.body).toMatchObject({ detail: expect.any(String), message: expect.any(String), code });
}

function expectFields(reply: Reply, fields: ReadonlyArray<string>): void {
  expect(reply.status).toBe(400);
  expect(reply.headers.get('content-type')).toBe('application/json');
  expect(typeof reply.body.text).toBe('string');
  expect(Object.keys(reply.body.fields).sort()).toEqual([...fields].sort());
  for (const messages of Object.values(reply.body.fields)) {
    expect(Array.isArray(messages) && messages.length > 0 && messages.every((m) => typeof m === 'string')).toBe(true);
  }
}

describe('Hub API: validation errors are 400 {fields, text} naming each field', () => {
  it('names a missing label, a bad resource path, an unknown scope and an unknown field on create', async () => {
    const hub = await startHub();
    expectFields(await hub.call('POST', BASE, { as: 'alice', json: { resources: [REPO_PULL] } }), ['label']);
    expectFields(
      await hub.call('POST', BASE, {
        as: 'alice',
        json: {
          label: 'ci',
          resources: [{ type: 'TYPE_REPO', path: 'other/app', scopes: ['scope-image-pull', 'scope-nope'] }],
        },
      }),
      ['resources.0.path', 'resources.0.scopes.1'],
    );
    expectFields(
      await hub.call('POST', BASE, { as: 'alice', json: { label: 'ci', resources: [REPO_PULL], colour: 'red' } }),
      ['colour'],
    );
    expectFields(await hub.call('POST', BASE, { as: 'alice', json: { label: 'ci', resources: [] } }), ['resources']);
    expectFields(
      await hub.call('POST', BASE, {
        as: 'alice',
        json: { label: 'ci', resources: [REPO_PULL], expires_at: '2000-01-01T00:00:00Z' },
      }),
      ['expires_at'],
    );
    expectFields(await hub.call('POST', BASE, { as: 'alice', json: [1, 2] }), ['body']);
    expect((await hub.call('GET', BASE, { as: 'alice' })).body.total).toBe(0);
  });

  it('names the field on update, and files an empty update under body', async () => {
    const hub = await startHub();
    const token = await createToken(hub);
    const path = `${BASE}/${token.id}`;
    expectFields(await hub.call('PATCH', path, { as: 'alice', json: { label: '' } }), ['label']);
    expectFields(await hub.call('PATCH', path, { as: 'alice', json: { expires_at: null } }), ['expires_at']);
    expectFields(await hub.call('PATCH', path, { as: 'alice', json: { is_active: 'no' } }), ['is_active']);
    expectFields(await hub.call('PATCH', path, { as: 'alice', json: {} }), ['body']);
  });

  it('answers a malformed JSON body with 400 under body', async () => {
    const hub = await startHub();
    const token = await createToken(hub);
    for (const raw of ['{"label":', '', 'not json', '\u00ff']) {
      const headers = { 'content-type': 'application/json' };
      const reply = await hub.call('POST', BASE, { as: 'alice', raw, headers });
      expectFields(reply, ['body']);
      expect(reply.body.text).toBe('Malformed JSON body');
      expectFields(await hub.call('PATCH', `${BASE}/${token.id}`, { as: 'alice', raw, headers }), ['body']);
    }
  });

  it('answers page and page_size out of range with 400 naming the parameter', async () => {
    const hub = await startHub();
    expectFields(await hub.call('GET', `${BASE}?page=0`, { as: 'alice' }), ['page']);
    expectFields(await hub.call('GET', `${BASE}?page=abc`, { as: 'alice' }), ['page']);
    expectFields(await hub.call('GET', `${BASE}?page_size=101`, { as: 'alice' }), ['page_size']);
    expectFields(await hub.call('GET', `${BASE}?page_size=1.5`, { as: 'alice' }), ['page_size']);
  });
});

describe('Hub API: who may call', () => {
  it('answers 401 on every route when the host finds no caller', async () => {
    const hub = await startHub();
    const token = await createToken(hub);
    expectError(
      await hub.call('POST', BASE, { json: { label: 'ci', resources: [REPO_PULL] } }),
      401,
      'UNAUTHENTICATED',
    );
    expectError(await hub.call('GET', BASE), 401, 'UNAUTHENTICATED');
    expectError(await hub.call('GET', `${BASE}/${token.id}`), 401, 'UNAUTHENTICATED');
    expectError(await hub.call('PATCH', `${BASE}/${token.id}`, { json: { label: 'x' } }), 401, 'UNAUTHENTICATED');
    expectError(await hub.call('DELETE', `${BASE}/${token.id}`), 401, 'UNAUTHENTICATED');
    expect((await hub.call('GET', `${BASE}/${token.id}`, { as: 'alice' })).body.label).toBe('ci');
  });

  it('answers 403 to someone who does not manage the organization, on every route', async () => {
    const hub = await startHub();
    const token = await createToken(hub);
    expectError(
      await hub.call('POST', BASE, { as: 'bob', json: { label: 'ci', resources: [REPO_PULL] } }),
      403,
      'FORBIDDEN',
    );
    expectError(await hub.call('GET', BASE, { as: 'bob' }), 403, 'FORBIDDEN');
    expectError(await hub.call('GET', `${BASE}/${token.id}`, { as: 'bob' }), 403, 'FORBIDDEN');
    expectError(
      await hub.call('PATCH', `${BASE}/${token.id}`, { as: 'bob', json: { is_active: false } }),
      403,
      'FORBIDDEN',
    );
    expectError(await hub.call('DELETE', `${BASE}/${token.id}`, { as: 'bob' }), 403, 'FORBIDDEN');
    expect((await hub.call('GET', `${BASE}/${token.id}`, { as: 'alice' })).body.is_active).toBe(true);
  });

  it(
    'answers 500 without details when the host authenticator throws or returns a non-actor, and ' + 'reports it',
    async () => {
      const seen: unknown[] = [];
      const requests: unknown[] = [];
      const hub = await startHub({
        authenticateCaller: (request) => {
          if (request.headers.get('x-mode') === 'throw') throw new Error('session store password hunter2');
          return { username: 42 };
        },
        onError: (error, request) => {
          seen.push(error);
          requests.push(request);
        },
      });
      const thrown = await hub.call('GET', BASE, {
        headers: { 'x-mode': 'throw', authorization: 'Bearer session-secret' },
      });
      // The hook gets method, URL and client address only: never the headers that carry credentials.
      expect(requests[0]).toEqual({ method: 'GET', url: `${hub.url}${BASE}`, clientAddress: '127.0.0.1' });
      expect(JSON.stringify(requests)).not.toContain('session-secret');
      expectError(thrown, 500, 'INTERNAL');
      expect(thrown.text).not.toContain('hunter2');
      expectError(await hub.call('GET', BASE), 500, 'INTERNAL');
      expect(seen).toHaveLength(2);
      expect((seen[1] as OatError).code).toBe('MISCONFIGURED');
    },
  );

  it('answers 500 without details when the service fails unexpectedly', async () => {
    const hub = await startHub({
      wrap: (service) => ({
        ...service,
        safeList: () => Promise.reject(new OatError('STORE_FAILURE', 'connection to db.internal:5432 refused')),
        safeGet: () => Promise.reject(new TypeError('cannot read x of undefined')),
      }),
      onError: () => {
        throw new Error('logger down');
      },
    });
    const listed = await hub.call('GET', BASE, { as: 'alice' });
    expectError(listed, 500, 'INTERNAL');
    expect(listed.text).not.toContain('db.internal');
    const got = await hub.call('GET', `${BASE}/${SOME_ID}`, { as: 'alice' });
    expectError(got, 500, 'INTERNAL');
    expect(got.text).not.toContain('undefined');
  });
});

describe('Hub API: what the organization allows', () => {
  it('refuses a token past the plan quota with 409 QUOTA_EXCEEDED, and accepts again after a delete', async () => {
    const hub = await startHub();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await createToken(hub, 'small', { label: `t${i}` })).id);
    const refused = await hub.call('POST', '/v2/orgs/small/access-tokens', {
      as: 'alice',
      json: { label: 'one more', resources: [{ ...REPO_PULL, path: 'small/app' }] },
    });
    expectError(refused, 409, 'QUOTA_EXCEEDED');
    expect((await hub.call('GET', '/v2/orgs/small/access-tokens', { as: 'alice' })).body.total).toBe(10);
    expect((await hub.call('DELETE', `/v2/orgs/small/access-tokens/${ids[0]}`, { as: 'alice' })).status).toBe(204);
    expect((await createToken(hub, 'small')).is_active).toBe(true);
  });

  it('refuses a plan without tokens with 403 PLAN_NOT_ELIGIBLE', async () => {
    const hub = await startHub();
    const reply = await hub.call('POST', '/v2/orgs/free/access-tokens', {
      as: 'alice',
      json: { label: 'ci', resources: [{ ...REPO_PULL, path: 'free/app' }] },
    });
    expectError(reply, 403, 'PLAN_NOT_ELIGIBLE');
  });

  it('refuses an organization under Image Access Management with 403 ORG_INCOMPATIBLE', async () => {
    const hub = await startHub();
    const reply = await hub.call('POST', '/v2/orgs/locked/access-tokens', {
      as: 'alice',
      json: { label: 'ci', resources: [{ ...REPO_PULL, path: 'locked/app' }] },
    });
    expectError(reply, 403, 'ORG_INCOMPATIBLE');
  });
});

describe('Hub API: routes', () => {
  it('answers 404 for an unknown organization, a malformed one, and a token that is not there', async () => {
    const hub = await startHub();
    expectError(await hub.call('GET', '/v2/orgs/nowhere/access-tokens', { as: 'alice' }), 404, 'NOT_FOUND');
    expectError(await hub.call('GET', '/v2/orgs/Not%20An%20Org!/access-tokens', { as: 'alice' }), 404, 'NOT_FOUND');
    expectError(await hub.call('GET', `${BASE}/${SOME_ID}`, { as: 'alice' }), 404, 'NOT_FOUND');
    expectError(await hub.call('PATCH', `${BASE}/not-a-uuid`, { as: 'alice', json: { label: 'x' } }), 404, 'NOT_FOUND');
    expectError(await hub.call('DELETE', `${BASE}/%E0%A4%A`, { as: 'alice' }), 404, 'ROUTE_NOT_FOUND');
  });

  it("does not show one organization's token through another organization's path", async () => {
    const hub = await startHub();
    const token = await createToken(hub, 'small');
    expectError(await hub.call('GET', `${BASE}/${token.id}`, { as: 'alice' }), 404, 'NOT_FOUND');
    expectError(await hub.call('DELETE', `${BASE}/${token.id}`, { as: 'alice' }), 404, 'NOT_FOUND');
    expect((await hub.call('GET', `/v2/orgs/small/access-tokens/${token.id}`, { as: 'alice' })).status).toBe(200);
  });

  it('answers 404 for paths that are not routes, before asking who calls', async () => {
    const hub = await startHub();
    for (const path of [
      '/',
      '/v2/orgs/acme',
      '/v2/orgs/acme/tokens',
      `${BASE}/${SOME_ID}/extra`,
      '/v3/orgs/acme/access-tokens',
      '/v2/orgs//access-tokens',
    ]) {
      expectError(await hub.call('GET', path), 404, 'ROUTE_NOT_FOUND');
    }
  });

  it('answers 405 with Allow for a method a route does not take', async () => {
    const hub = await startHub();
    const put = await hub.call('PUT', BASE, { as: 'alice', json: {} });
    expectError(put, 405, 'METHOD_NOT_ALLOWED');
    expect(put.headers.get('allow')).toBe('GET, POST');
    const post = await hub.call('POST', `${BASE}/${SOME_ID}`, { as: 'alice', json: {} });
    expectError(post, 405, 'METHOD_NOT_ALLOWED');
    expect(post.headers.get('allow')).toBe('GET, PATCH, DELETE');
    expectError(await hub.call('DELETE', BASE), 405, 'METHOD_NOT_ALLOWED');
  });

  it('answers 415 to a body that is not sent as JSON, so a cross-site form cannot create tokens', async () => {
    const hub = await startHub();
    const body = JSON.stringify({ label: 'ci', resources: [REPO_PULL] });
    expectError(
      await hub.call('POST', BASE, { as: 'alice', raw: body, headers: { 'content-type': 'text/plain' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(await hub.call('POST', BASE, { as: 'alice', raw: body }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const vendor = await hub.call('POST', BASE, {
      as: 'alice',
      raw: body,
      headers: { 'content-type': 'application/vnd.docker+json; charset=utf-8' },
    });
    expect(vendor.status).toBe(201);
    expect((await hub.call('GET', BASE, { as: 'alice' })).body.total).toBe(1);
  });
});

describe('Hub API: the handler on its own, without a server', () => {
  const service = createTokenService({
    store: createMemoryTokenStore(),
    organizations: [{ name: 'acme', plan: 'business', owners: ['alice'] }],
  });
  const api = conforming(createHubApi({ service, authenticateCaller: () => ({ username: 'alice' }) }), HUB);

  it('answers a Request built in memory, keeping other query parameters in the paging links', async () => {
    for (let i = 0; i < 3; i++) {
      const created = await api(
        new Request('https://hub.example/v2/orgs/acme/access-tokens/', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ label: `t${i}`, resources: [REPO_PULL] }),
        }),
      );
      expect(created.status).toBe(201);
    }
    const listed = await api(new Request('https://hub.example/v2/orgs/acme/access-tokens?q=x&page_size=1&page=2'));
    expect(await listed.json()).toMatchObject({
      total: 3,
      next: 'https://hub.example/v2/orgs/acme/access-tokens?q=x&page=3&page_size=1',
      previous: 'https://hub.example/v2/orgs/acme/access-tokens?q=x&page=1&page_size=1',
    });
  });

  it('refuses a body over its limit with 413 before parsing it', async () => {
    const reply = await api(
      new Request('https://hub.example/v2/orgs/acme/access-tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: ' '.repeat(MAX_HUB_BODY_BYTES + 1),
      }),
    );
    expect(reply.status).toBe(413);
    expect(await reply.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('refuses to start without the service methods or authenticator it needs, naming them', () => {
    const { safeList: _list, ...partial } = service;
    expect(() => createHubApi({ service: partial as never, authenticateCaller: undefined as never })).toThrow(
      /service\.safeList, authenticateCaller/,
    );
  });
});
