import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryTokenStore, createTokenService, isOatError, type TokenService } from '../../src/index.js';
import { createTokenEndpoint, type TokenEndpointHandler, type TokenEndpointOptions } from '../../src/registry/index.js';
import { createFakeClock, type FakeClock } from '../../src/testing/fake-clock.js';
import { makeSelfSigned, type TestKeyPair } from './keys.js';

const AUDIENCE = 'registry.test';
const REALM = 'http://token.test/token';
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let keys: TestKeyPair;
/** A certificate valid from a day before NOW to an hour after it. */
let endsSoon: TestKeyPair;
const ENDS = NOW + 60 * MINUTE;
let clock: FakeClock;
let service: TokenService;
let secret: string;

function build(extra: Partial<TokenEndpointOptions> = {}): TokenEndpointHandler {
  return createTokenEndpoint({ tokenService: service, audience: AUDIENCE, issuer: 'oat-test', signingKey: keys.keyPem, certificateChain: keys.chainPem, clock, ...extra });
}

const basic = (username: string, password: string): string => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
const get = (authorization?: string): Request => new Request(`${REALM}?service=${AUDIENCE}`, { headers: authorization === undefined ? {} : { authorization } });

beforeAll(async () => {
  keys = makeSelfSigned('p256');
  endsSoon = makeSelfSigned('p256', 'oat-token-issuer', { notBefore: new Date(NOW - DAY), notAfter: new Date(ENDS) });
  clock = createFakeClock(NOW);
  service = createTokenService({ store: createMemoryTokenStore(), clock, organizations: [{ name: 'acme', plan: 'business', owners: ['alice'] }] });
  const created = await service.create({ username: 'alice' }, 'acme', { label: 'ci', resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }] });
  secret = created.secret.reveal();
});

describe('the token endpoint and the validity of its certificate chain', () => {
  it('refuses at construction a chain that is not valid at the clock, naming the certificate', () => {
    const later = createFakeClock(ENDS + MINUTE);
    expect(() => build({ signingKey: endsSoon.keyPem, certificateChain: endsSoon.chainPem, clock: later })).toThrow(
      expect.objectContaining({ name: 'OatError', code: 'MISCONFIGURED', context: expect.objectContaining({ field: 'certificateChain', index: 0, subject: 'CN=oat-token-issuer' }) }),
    );
  });

  it('never issues a token that outlives the leaf, then answers 500 and tells onError once it has less than 60 s left', async () => {
    const own = createFakeClock(NOW);
    const faults: unknown[] = [];
    const endpoint = build({ signingKey: endsSoon.keyPem, certificateChain: endsSoon.chainPem, clock: own, onError: (error) => void faults.push(error) });

    own.set(ENDS - 2 * MINUTE);
    const capped = await endpoint(get(basic('acme', secret)));
    expect(capped.status).toBe(200);
    const body = (await capped.json()) as { token: string; expires_in: number };
    expect(body.expires_in).toBe(120);
    expect(decodeJwt(body.token).exp).toBe(ENDS / 1000);

    for (const instant of [ENDS - 30_000, ENDS + DAY]) {
      own.set(instant);
      for (const request of [get(basic('acme', secret)), get()]) {
        const response = await endpoint(request);
        expect(response.status).toBe(500);
        expect(response.headers.get('www-authenticate')).toBeNull();
        expect(await response.json()).toEqual({ errors: [{ code: 'UNKNOWN', message: 'The token service failed; try again' }] });
      }
    }
    expect(faults).toHaveLength(4);
    for (const fault of faults) {
      expect(isOatError(fault)).toBe(true);
      expect(fault).toMatchObject({ code: 'MISCONFIGURED', context: { field: 'certificateChain', index: 0, subject: 'CN=oat-token-issuer' } });
    }
  });

  it('still answers bad credentials with 401 while the chain is unusable: that refusal is the caller’s', async () => {
    const own = createFakeClock(NOW);
    const endpoint = build({ signingKey: endsSoon.keyPem, certificateChain: endsSoon.chainPem, clock: own });
    own.set(ENDS + DAY);
    expect((await endpoint(get(basic('acme', `${secret}x`)))).status).toBe(401);
  });
});
