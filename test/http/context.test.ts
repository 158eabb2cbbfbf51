import { describe, expect, it } from 'vitest';
import type { RequestSummary } from '../../src/http/summary.js';
import { createHubApi } from '../../src/hub-api/index.js';
import { createMemoryTokenStore, createTokenService } from '../../src/index.js';
import { AUDIENCE, REALM, basic, makeEndpointFixture } from '../registry/endpoint-fixture.js';

// The second argument of the Fetch handlers, called directly as Deno, Bun or Hono would.

describe('the client address reaches the hooks that report a request', () => {
  it('Hub API: onError gets method, URL and clientAddress, and no clientAddress key without a context', async () => {
    const service = createTokenService({
      store: createMemoryTokenStore(),
      organizations: [{ name: 'acme', plan: 'business', owners: ['alice'] }],
    });
    const reports: RequestSummary[] = [];
    const api = createHubApi({
      service,
      authenticateCaller: () => {
        throw new Error('session store down');
      },
      onError: (_error, request) => void reports.push(request),
    });
    const url = 'http://hub.test/v2/orgs/acme/access-tokens';
    expect((await api(new Request(url), { clientAddress: '203.0.113.7' })).status).toBe(500);
    expect((await api(new Request(url))).status).toBe(500);
    expect(reports).toEqual([
      { method: 'GET', url, clientAddress: '203.0.113.7' },
      { method: 'GET', url },
    ]);
    expect(Object.keys(reports[1] as object)).toEqual(['method', 'url']);
  });

  it('token endpoint: identifyClient gets the context ({} without one), and onError the clientAddress', async () => {
    const { build } = await makeEndpointFixture(Date.UTC(2026, 0, 1));
    const seen: unknown[] = [];
    const reports: RequestSummary[] = [];
    const endpoint = build({
      identifyClient: (_request, context) => {
        seen.push(context);
        return {};
      },
      tokenService: {
        authenticate: async () => {
          throw new Error('store down');
        },
      },
      onError: (_error, request) => void reports.push(request),
    });
    const url = `${REALM}?service=${AUDIENCE}&scope=repository:acme/app:pull`;
    const headers = { authorization: basic('acme', 'any-secret') };
    expect((await endpoint(new Request(url, { headers }), { clientAddress: '2001:db8::7' })).status).toBe(500);
    expect((await endpoint(new Request(url, { headers }))).status).toBe(500);
    expect(seen).toEqual([{ clientAddress: '2001:db8::7' }, {}]);
    expect(reports).toEqual([
      { method: 'GET', url, clientAddress: '2001:db8::7' },
      { method: 'GET', url },
    ]);
  });
});
