import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { isOatError, type OatError } from '../../src/errors.js';
import { createRegistryTokenSigner, type RegistryTokenSignerOptions } from '../../src/registry/jwt.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { makeCaSigned, makeSelfSigned, type TestKeyPair } from './keys.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const at = (ms: number): Date => new Date(ms);
const window = (from: number, to: number): { notBefore: Date; notAfter: Date } => ({
  notBefore: at(from),
  notAfter: at(to),
});
const iso = (ms: number): string => at(ms).toISOString().replace('.000Z', 'Z');

/** Valid from a day before NOW to 10 minutes after it. */
let endsSoon: TestKeyPair;
let expired: TestKeyPair;
let notYetValid: TestKeyPair;
/** A valid leaf under a root that expired yesterday. */
let expiredRoot: TestKeyPair;
const ENDS = NOW + 10 * MINUTE;

beforeAll(() => {
  endsSoon = makeSelfSigned('p256', 'oat-token-issuer', window(NOW - DAY, ENDS));
  expired = makeSelfSigned('p256', 'old-issuer', window(NOW - 30 * DAY, NOW - DAY));
  notYetValid = makeSelfSigned('p256', 'future-issuer', window(NOW + DAY, NOW + 30 * DAY));
  expiredRoot = makeCaSigned({ leaf: window(NOW - DAY, NOW + 30 * DAY), root: window(NOW - 30 * DAY, NOW - DAY) });
});

function options(
  keys: TestKeyPair,
  now: number,
  extra: Partial<RegistryTokenSignerOptions> = {},
): RegistryTokenSignerOptions {
  return {
    issuer: 'oat-issuer',
    audience: 'registry.local',
    signingKey: keys.keyPem,
    certificateChain: keys.chainPem,
    clock: createFakeClock(now),
    ...extra,
  };
}

function thrownBy(run: () => unknown): OatError {
  try {
    run();
  } catch (error) {
    if (isOatError(error)) return error;
    throw error;
  }
  throw new Error('expected an OatError');
}

describe('createRegistryTokenSigner: certificate validity at construction', () => {
  it('refuses an expired certificate, naming it, its place in the chain and its validity window', () => {
    const error = thrownBy(() => createRegistryTokenSigner(options(expired, NOW)));
    expect(error.code).toBe('MISCONFIGURED');
    expect(error.context).toEqual({
      field: 'certificateChain',
      index: 0,
      subject: 'CN=old-issuer',
      validFrom: iso(NOW - 30 * DAY),
      validTo: iso(NOW - DAY),
      at: iso(NOW),
    });
    expect(error.message).toBe(
      `certificate 0 of certificateChain (CN=old-issuer) has expired ` +
        `(valid from ${iso(NOW - 30 * DAY)} to ${iso(NOW - DAY)}) at ${iso(NOW)}; renew it`,
    );
  });

  it('refuses a certificate that is not valid yet', () => {
    const error = thrownBy(() => createRegistryTokenSigner(options(notYetValid, NOW)));
    expect(error).toMatchObject({
      code: 'MISCONFIGURED',
      context: { index: 0, subject: 'CN=future-issuer', validFrom: iso(NOW + DAY) },
    });
    expect(error.message).toContain('is not valid yet');
  });

  it('checks every certificate of the chain, not only the leaf', () => {
    const error = thrownBy(() => createRegistryTokenSigner(options(expiredRoot, NOW)));
    expect(error).toMatchObject({
      code: 'MISCONFIGURED',
      context: { field: 'certificateChain', index: 1, subject: 'CN=oat-test-root', validTo: iso(NOW - DAY) },
    });
  });

  it('refuses a chain with less than 60 s left, and accepts one with exactly 60 s left', () => {
    expect(thrownBy(() => createRegistryTokenSigner(options(endsSoon, ENDS - 59_999)))).toMatchObject({
      code: 'MISCONFIGURED',
      context: { index: 0 },
    });
    expect(createRegistryTokenSigner(options(endsSoon, ENDS - MINUTE)).lifetimeSeconds).toBe(300);
  });

  it('uses the system clock when given none', () => {
    // The real clock is past NOW - DAY: a certificate that ended then is expired for it too.
    expect(
      thrownBy(() => createRegistryTokenSigner({ ...options(expired, NOW), clock: undefined as never })),
    ).toMatchObject({ code: 'MISCONFIGURED', context: { index: 0 } });
  });
});

describe('RegistryTokenSigner.issue: tokens never outlive the certificate chain', () => {
  it('caps exp at the notAfter of the leaf', async () => {
    const signer = createRegistryTokenSigner(options(endsSoon, NOW));
    const issued = await signer.issue({ subject: 'acme', access: [] }, ENDS - 2 * MINUTE);
    expect(issued.expiresIn).toBe(120);
    expect(decodeJwt(issued.token).exp).toBe(ENDS / 1000);
  });

  it('throws MISCONFIGURED once the chain has expired or has less than 60 s left, naming the certificate', async () => {
    const signer = createRegistryTokenSigner(options(endsSoon, NOW));
    await expect(signer.issue({ subject: 'acme', access: [] }, ENDS + 1000)).rejects.toMatchObject({
      code: 'MISCONFIGURED',
      context: { index: 0, subject: 'CN=oat-token-issuer' },
    });
    await expect(signer.issue({ subject: 'acme', access: [] }, ENDS - 30_000)).rejects.toMatchObject({
      code: 'MISCONFIGURED',
      message: expect.stringContaining('less than 60 s'),
    });
  });

  it('property: at any instant a token is refused, or lives 60 s or more and ends by the chain notAfter', async () => {
    const signer = createRegistryTokenSigner(options(endsSoon, NOW, { lifetimeSeconds: 300 }));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: NOW - DAY, max: ENDS + MINUTE }),
          fc.integer({ min: ENDS - 6 * MINUTE, max: ENDS + MINUTE }),
        ),
        async (now) => {
          const left = ENDS - now;
          if (left < MINUTE) {
            await expect(signer.issue({ subject: 'acme', access: [] }, now)).rejects.toMatchObject({
              code: 'MISCONFIGURED',
            });
            return;
          }
          const issued = await signer.issue({ subject: 'acme', access: [] }, now);
          const { exp, iat } = decodeJwt(issued.token) as { exp: number; iat: number };
          expect(exp * 1000).toBeLessThanOrEqual(ENDS);
          expect(exp - iat).toBe(issued.expiresIn);
          expect(issued.expiresIn).toBeGreaterThanOrEqual(60);
          expect(issued.expiresIn).toBe(Math.min(300, Math.floor(ENDS / 1000) - iat));
        },
      ),
      { numRuns: 60 },
    );
  });
});
