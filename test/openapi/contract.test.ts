import { describe, expect, it } from 'vitest';
import {
  createContract,
  conforming,
  assertNoViolations,
  HUB,
  takeViolations,
  TOKEN_ENDPOINT,
  validatedCounts,
  type Observed,
} from '../support/openapi-contract.js';
import { createToken, REPO_PULL, startHub } from '../hub-api/harness.js';
import { AUDIENCE, basic, makeEndpointFixture, REALM } from '../registry/endpoint-fixture.js';

const contract = createContract();
const ID = '5e0c8f1e-6d2a-4f6b-9a51-3c2f0b0d7a11';
const TOKEN_URL = `http://hub.test/v2/orgs/acme/access-tokens/${ID}`;

const TOKEN = {
  id: ID,
  label: 'ci',
  description: '',
  created_by: 'alice',
  is_active: true,
  created_at: '2025-01-01T00:00:00.000Z',
  expires_at: null,
  last_used_at: null,
  resources: [{ type: 'TYPE_REPO', path: 'acme/app', scopes: ['scope-image-pull'] }],
  allowed_networks: ['10.0.0.0/8'],
  last_client_addresses: ['10.1.2.3'],
};

function observed(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  method = 'GET',
  url = TOKEN_URL,
): Observed {
  const base =
    body === undefined
      ? { 'cache-control': 'no-store' }
      : { 'content-type': 'application/json', 'cache-control': 'no-store' };
  return {
    method,
    url,
    status,
    headers: new Headers({ ...base, ...headers }),
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

const violationsOf = (response: Observed, surface = HUB): ReadonlyArray<string> =>
  contract.check(surface, response).violations;

describe('the OpenAPI contract check', () => {
  it('accepts a response as the document describes it', () => {
    expect(contract.check(HUB, observed(200, TOKEN))).toEqual({ operation: 'getAccessToken', violations: [] });
  });

  it('refuses a body with a missing field, naming it', () => {
    const { label: _, ...withoutLabel } = TOKEN;
    expect(violationsOf(observed(200, withoutLabel)).join()).toMatch(/must have required property 'label'/);
  });

  it('refuses a body with a field the document does not have (a secret hash, say)', () => {
    expect(violationsOf(observed(200, { ...TOKEN, secret_hash: 'abc' })).join()).toMatch(
      /must NOT have additional properties/,
    );
  });

  it('refuses a status the operation does not document', () => {
    expect(violationsOf(observed(418, { detail: "I'm a teapot", message: 'no', code: 'INTERNAL' }))).toEqual([
      expect.stringMatching(/status 418 is not documented for getAccessToken/),
    ]);
  });

  it('refuses a 401 without WWW-Authenticate, or with a challenge of another scheme', () => {
    const body = { detail: 'Unauthorized', message: 'Authentication required', code: 'UNAUTHENTICATED' };
    expect(violationsOf(observed(401, body))).toEqual([
      expect.stringMatching(/header WWW-Authenticate is required but missing/),
    ]);
    expect(violationsOf(observed(401, body, { 'www-authenticate': 'Basic realm="x"' }))).toEqual([
      expect.stringMatching(/header WWW-Authenticate/),
    ]);
    expect(violationsOf(observed(401, body, { 'www-authenticate': 'Bearer realm="x"' }))).toEqual([]);
  });

  it('refuses an error code the status is not answered with, and a body on a 204', () => {
    expect(violationsOf(observed(403, { detail: 'Forbidden', message: 'no', code: 'NOT_FOUND' })).join()).toMatch(
      /code must be equal to one of the allowed values/,
    );
    expect(violationsOf(observed(204, { ok: true }, {}, 'DELETE'))).toEqual([
      expect.stringMatching(/documented without a body/),
    ]);
    expect(violationsOf(observed(204, undefined, {}, 'DELETE'))).toEqual([]);
  });

  it('refuses a list without x-oat-unreadable-tokens, and one whose value is not a count', () => {
    const page = { total: 0, next: null, previous: null, results: [] };
    const url = 'http://hub.test/v2/orgs/acme/access-tokens';
    expect(violationsOf(observed(200, page, {}, 'GET', url))).toEqual([
      expect.stringMatching(/x-oat-unreadable-tokens is required/),
    ]);
    expect(violationsOf(observed(200, page, { 'x-oat-unreadable-tokens': 'some' }, 'GET', url))).toHaveLength(1);
    expect(violationsOf(observed(200, page, { 'x-oat-unreadable-tokens': '0' }, 'GET', url))).toEqual([]);
  });

  it('refuses a body of an undocumented content type', () => {
    expect(violationsOf(observed(200, TOKEN, { 'content-type': 'text/plain' }))).toEqual([
      expect.stringMatching(/content type "text\/plain" is not documented/),
    ]);
  });

  it(
    'holds the token endpoint to its shapes: no access_token is a violation; an OAuth2 error is a POST 400, ' +
      'not a GET 400',
    () => {
      const ok = { token: 'a.b.c', access_token: 'a.b.c', expires_in: 300, issued_at: '2026-03-01T12:00:00Z' };
      const headers = { pragma: 'no-cache' };
      expect(violationsOf(observed(200, ok, headers, 'GET', REALM), TOKEN_ENDPOINT)).toEqual([]);
      const { access_token: _, ...partial } = ok;
      expect(violationsOf(observed(200, partial, headers, 'GET', REALM), TOKEN_ENDPOINT).join()).toMatch(
        /access_token/,
      );
      const oauth = { error: 'unsupported_grant_type' };
      expect(violationsOf(observed(400, oauth, headers, 'POST', REALM), TOKEN_ENDPOINT)).toEqual([]);
      expect(violationsOf(observed(400, oauth, headers, 'GET', REALM), TOKEN_ENDPOINT)).toHaveLength(1);
    },
  );

  it(
    'as a wrapper, passes the response on untouched, records what is wrong, and fails the test ' + 'at its end',
    async () => {
      const wrong = conforming(
        async () =>
          new Response(JSON.stringify({ id: ID }), { status: 200, headers: { 'content-type': 'application/json' } }),
        HUB,
      );
      const response = await wrong(new Request(TOKEN_URL));
      expect(await response.json()).toEqual({ id: ID });
      expect(() => assertNoViolations()).toThrow(
        new RegExp(
          'GET http://hub\\.test/v2/orgs/acme/access-tokens/.* -> 200 \\(getAccessToken\\): ' +
            'header Cache-Control is required but missing',
        ),
      );
      expect(takeViolations()).toEqual([]);
    },
  );
});

describe('the responses of the test suite', () => {
  it('are validated for every operation of the document, through the harness and the endpoint fixture', async () => {
    const hub = await startHub({ rotation: true });
    const created = await createToken(hub);
    const collection = '/v2/orgs/acme/access-tokens';
    await hub.call('POST', `${collection}/${created.id}/rotate`, { as: 'alice', json: { grace_seconds: 60 } });
    await hub.call('PUT', `${collection}/${created.id}/rotate`, { as: 'alice' });
    await hub.call('GET', collection, { as: 'alice' });
    await hub.call('GET', `${collection}/${created.id}`, { as: 'alice' });
    await hub.call('PATCH', `${collection}/${created.id}`, { as: 'alice', json: { label: 'renamed' } });
    await hub.call('DELETE', `${collection}/${created.id}`, { as: 'alice' });
    await hub.call('PUT', collection, { as: 'alice' });
    await hub.call('PUT', `${collection}/${created.id}`, { as: 'alice' });
    await hub.call('GET', '/v2/nowhere', { as: 'alice' });
    await hub.call('POST', collection, { json: { label: 'ci', resources: [REPO_PULL] } });

    const fixture = await makeEndpointFixture(Date.now());
    const endpoint = fixture.build();
    await endpoint(
      new Request(`${REALM}?service=${AUDIENCE}&scope=repository:acme/app:pull`, {
        headers: { authorization: basic('acme', fixture.secret) },
      }),
    );
    await endpoint(
      new Request(REALM, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=password&service=${AUDIENCE}&username=acme&password=${fixture.secret}`,
      }),
    );
    await endpoint(new Request(REALM, { method: 'DELETE' }));

    const document = contract.document as { paths: Record<string, Record<string, { operationId?: string }>> };
    const expected = [
      ...Object.values(document.paths).flatMap((item) =>
        ['get', 'post', 'patch', 'delete'].flatMap((method) =>
          item[method]?.operationId === undefined ? [] : [item[method].operationId],
        ),
      ),
      '/v2/orgs/{org}/access-tokens x-oat-other-methods',
      '/v2/orgs/{org}/access-tokens/{id} x-oat-other-methods',
      '/v2/orgs/{org}/access-tokens/{id}/rotate x-oat-other-methods',
      'x-oat-other-paths',
      'token endpoint x-oat-other-methods',
    ];
    expect(expected).toHaveLength(13);
    const counts = validatedCounts();
    expect(expected.filter((operation) => !((counts.get(operation) ?? 0) > 0))).toEqual([]);
  });
});
