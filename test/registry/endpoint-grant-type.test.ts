import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, REALM, basic, makeEndpointFixture, type EndpointFixture } from './endpoint-fixture.js';

// An OAuth2 client that POSTs another grant reads RFC 6749's error shape (section 5.2), not distribution's `errors`.
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
let fixture: EndpointFixture;

beforeAll(async () => {
  fixture = await makeEndpointFixture(NOW);
});

const post = (form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> =>
  fixture.build()(new Request(REALM, { method: 'POST', body: new URLSearchParams(form), headers }));

describe('the token endpoint refuses grants other than password in the RFC 6749 shape', () => {
  it.each([
    [
      'refresh_token',
      { grant_type: 'refresh_token', refresh_token: 'stored-by-a-client', service: AUDIENCE, client_id: 'docker' },
    ],
    ['client_credentials', { grant_type: 'client_credentials', service: AUDIENCE }],
    ['authorization_code', { grant_type: 'authorization_code', code: 'x', service: AUDIENCE }],
    ['an empty grant_type', { grant_type: '', service: AUDIENCE }],
  ])('answers %s with 400 {"error": "unsupported_grant_type"}, uncached', async (_grant, form) => {
    const response = await post(form);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      error: 'unsupported_grant_type',
      error_description: expect.stringContaining('grant_type=password'),
    });
  });

  it('answers a form without grant_type with 400 {"error": "invalid_request"}', async () => {
    const response = await post({ username: 'acme', password: fixture.secret, service: AUDIENCE });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      error_description: expect.stringContaining('grant_type is required'),
    });
  });

  it('checks credentials in the Authorization header first: a bad one gets 401, a good one the refusal', async () => {
    const form = { grant_type: 'refresh_token', refresh_token: 'x', service: AUDIENCE };
    expect((await post(form, { authorization: basic('acme', `${fixture.secret}x`) })).status).toBe(401);
    const good = await post(form, { authorization: basic('acme', fixture.secret) });
    expect(await good.json()).toEqual({ error: 'unsupported_grant_type', error_description: expect.any(String) });
  });

  it('issues no refresh_token with a password grant, so clients never start the refresh flow', async () => {
    const response = await post({
      grant_type: 'password',
      username: 'acme',
      password: fixture.secret,
      service: AUDIENCE,
      scope: 'repository:acme/app:pull',
    });
    expect(response.status).toBe(200);
    expect(Object.keys((await response.json()) as object).sort()).toEqual([
      'access_token',
      'expires_in',
      'issued_at',
      'token',
    ]);
  });
});
