import { describe, expect, it } from 'vitest';
import { createHubApi, DEFAULT_HUB_API_REALM } from '../../src/hub-api/index.js';
import { createMemoryTokenStore, createTokenService } from '../../src/index.js';
import { conforming, HUB } from '../support/openapi-contract.js';
import { createToken, REPO_PULL, startHub } from './harness.js';

const BASE = '/v2/orgs/acme/access-tokens';
const service = createTokenService({
  store: createMemoryTokenStore(),
  organizations: [{ name: 'acme', plan: 'business', owners: ['alice'] }],
});

describe('Hub API 401 responses say how to authenticate', () => {
  it('carry WWW-Authenticate: Bearer with the default realm on every route, over HTTP', async () => {
    const hub = await startHub();
    const token = await createToken(hub);
    const replies = [
      await hub.call('POST', BASE, { json: { label: 'ci', resources: [REPO_PULL] } }),
      await hub.call('GET', BASE),
      await hub.call('GET', `${BASE}/${token.id}`),
      await hub.call('PATCH', `${BASE}/${token.id}`, { json: { label: 'x' } }),
      await hub.call('DELETE', `${BASE}/${token.id}`),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toBe(`Bearer realm="${DEFAULT_HUB_API_REALM}"`);
    }
  });

  it('name the realm the host gives', async () => {
    const api = conforming(createHubApi({ service, authenticateCaller: () => null, realm: 'Acme Hub' }), HUB);
    const response = await api(new Request(`http://hub.test${BASE}`));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="Acme Hub"');
  });

  it('are the only responses that carry the header', async () => {
    const api = conforming(createHubApi({ service, authenticateCaller: () => ({ username: 'alice' }) }), HUB);
    const response = await api(new Request(`http://hub.test${BASE}`));
    expect(response.status).toBe(200);
    expect(response.headers.has('www-authenticate')).toBe(false);
  });

  it.each([
    ['a quote', 'a"b'],
    ['a backslash', 'a\\b'],
    ['a line break', 'a\r\nx-evil: 1'],
    ['not a string', 7],
    ['non-ASCII', 'héllo'],
  ])('refuses a realm with %s as MISCONFIGURED naming realm', (_what, realm) => {
    expect(() => createHubApi({ service, authenticateCaller: () => null, realm: realm as string })).toThrow(
      expect.objectContaining({ name: 'OatError', code: 'MISCONFIGURED', context: { field: 'realm' } }),
    );
  });
});
