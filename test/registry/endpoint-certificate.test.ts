import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { isOatError } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { AUDIENCE, REALM, basic, makeEndpointFixture, type EndpointFixture } from './endpoint-fixture.js';
import { makeSelfSigned, type TestKeyPair } from './keys.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A certificate valid from a day before NOW to an hour after it. */
let endsSoon: TestKeyPair;
const ENDS = NOW + 60 * MINUTE;
let build: EndpointFixture['build'];
let secret: string;

const get = (authorization?: string): Request =>
  new Request(`${REALM}?service=${AUDIENCE}`, { headers: authorization === undefined ? {} : { authorization } });

beforeAll(async () => {
  ({ build, secret } = await makeEndpointFixture(NOW));
  endsSoon = makeSelfSigned('p256', 'oat-token-issuer', { notBefore: new Date(NOW - DAY), notAfter: new Date(ENDS) });
});

describe('the token endpoint and the validity of its certificate chain', () => {
  it('refuses at construction a chain that is not valid at the clock, naming the certificate', () => {
    const later = createFakeClock(ENDS + MINUTE);
    expect(() => build({ signingKey: endsSoon.keyPem, certificateChain: endsSoon.chainPem, clock: later })).toThrow(
      expect.objectContaining({
        name: 'OatError',
        code: 'MISCONFIGURED',
        context: expect.objectContaining({ field: 'certificateChain', index: 0, subject: 'CN=oat-token-issuer' }),
      }),
    );
  });

  it('never issues a token outliving the leaf; answers 500 and tells onError once under 60 s are left', async () => {
    const own = createFakeClock(NOW);
    const faults: unknown[] = [];
    const endpoint = build({
      signingKey: endsSoon.keyPem,
      certificateChain: endsSoon.chainPem,
      clock: own,
      onError: (error) => void faults.push(error),
    });

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
        expect(await response.json()).toEqual({
          errors: [{ code: 'UNKNOWN', message: 'The token service failed; try again' }],
        });
      }
    }
    expect(faults).toHaveLength(4);
    for (const fault of faults) {
      expect(isOatError(fault)).toBe(true);
      expect(fault).toMatchObject({
        code: 'MISCONFIGURED',
        context: { field: 'certificateChain', index: 0, subject: 'CN=oat-token-issuer' },
      });
    }
  });

  it('still answers bad credentials with 401 while the chain is unusable: that refusal is the caller’s', async () => {
    const own = createFakeClock(NOW);
    const endpoint = build({ signingKey: endsSoon.keyPem, certificateChain: endsSoon.chainPem, clock: own });
    own.set(ENDS + DAY);
    expect((await endpoint(get(basic('acme', `${secret}x`)))).status).toBe(401);
  });
});
