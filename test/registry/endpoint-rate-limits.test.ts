import { describe, expect, it } from 'vitest';
import {
  createMemoryRateLimiter,
  createMemoryTokenStore,
  createTokenService,
  type RateLimits,
} from '../../src/index.js';
import { createTokenEndpoint } from '../../src/registry/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { conforming } from '../support/openapi-contract.js';
import { AUDIENCE, REALM, basic } from './endpoint-fixture.js';
import { makeSelfSigned } from './keys.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const keys = makeSelfSigned('p256');

/** The real token endpoint over a service with `rateLimits`, checked against docs/openapi.json. */
async function endpointWith(rateLimits: RateLimits) {
  const clock = createFakeClock(NOW);
  const service = createTokenService({
    store: createMemoryTokenStore(),
    clock,
    organizations: [{ name: 'acme', plan: 'business', owners: ['alice'] }],
    rateLimits,
  });
  const created = await service.create({ username: 'alice' }, 'acme', {
    label: 'ci',
    resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }],
  });
  const endpoint = conforming(
    createTokenEndpoint({
      tokenService: service,
      audience: AUDIENCE,
      issuer: 'oat-test',
      signingKey: keys.keyPem,
      certificateChain: keys.chainPem,
      clock,
    }),
    { kind: 'token' },
  );
  const secret = created.secret.reveal();
  const get = (password: string, clientAddress?: string) =>
    endpoint(
      new Request(`${REALM}?service=${AUDIENCE}&scope=repository:acme/app:pull`, {
        headers: { authorization: basic('acme', password) },
      }),
      clientAddress === undefined ? {} : { clientAddress },
    );
  return { secret, get };
}

describe('the token endpoint under usage limits', () => {
  it('answers a spent address 429, Retry-After, TOOMANYREQUESTS; the same token from elsewhere 200', async () => {
    const { secret, get } = await endpointWith({
      failedLoginsPerAddress: createMemoryRateLimiter({ points: 2, durationSeconds: 30 }),
    });
    for (let i = 0; i < 2; i++) expect((await get('oat_wrong', '203.0.113.66')).status).toBe(401);
    const refused = await get(secret, '203.0.113.66');
    expect(refused.status).toBe(429);
    const seconds = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 30).toBe(true);
    expect(await refused.json()).toEqual({
      errors: [{ code: 'TOOMANYREQUESTS', message: 'Too many requests; try again later' }],
    });
    expect((await get(secret, '198.51.100.9')).status).toBe(200);
  });

  it('answers 429 once the token has spent its own budget', async () => {
    const { secret, get } = await endpointWith({
      perToken: createMemoryRateLimiter({ points: 1, durationSeconds: 10 }),
    });
    expect((await get(secret, '198.51.100.9')).status).toBe(200);
    const refused = await get(secret, '198.51.100.10');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^([1-9]|10)$/);
  });

  it('counts failed logins without an address under the organization name asked for', async () => {
    const { secret, get } = await endpointWith({
      failedLoginsPerAddress: createMemoryRateLimiter({ points: 1, durationSeconds: 30 }),
    });
    expect((await get('oat_wrong')).status).toBe(401);
    expect((await get(secret)).status).toBe(429);
    expect((await get(secret, '198.51.100.9')).status).toBe(200);
  });
});
