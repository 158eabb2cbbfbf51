import { createPrivateKey, X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { isOatError } from '../../src/errors.js';
import { createRegistryTokenSigner, type RegistryTokenSignerOptions } from '../../src/registry/jwt.js';
import { makeCaSigned, makeSelfSigned, type TestKeyPair } from './keys.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0, 500);
const IAT = Math.floor(NOW / 1000);
const ACCESS = [{ type: 'repository' as const, name: 'acme/app', actions: ['pull' as const, 'push' as const] }];

let p256: TestKeyPair;
let other: TestKeyPair;

beforeAll(() => {
  p256 = makeSelfSigned('p256');
  other = makeSelfSigned('p256');
});

const base = (keys: TestKeyPair, extra: Partial<RegistryTokenSignerOptions> = {}): RegistryTokenSignerOptions => ({
  issuer: 'oat-issuer',
  audience: 'registry.local',
  signingKey: keys.keyPem,
  certificateChain: keys.chainPem,
  ...extra,
});

function expectMisconfigured(build: () => unknown, field: string): void {
  let thrown: unknown;
  try {
    build();
  } catch (error) {
    thrown = error;
  }
  expect(isOatError(thrown)).toBe(true);
  expect(thrown).toMatchObject({ code: 'MISCONFIGURED', context: { field } });
}

const derOf = (pem: string): string => new X509Certificate(pem).raw.toString('base64');

describe('createRegistryTokenSigner', () => {
  it('signs ES256 with the certificate in x5c and the claims distribution checks', async () => {
    const signer = createRegistryTokenSigner(base(p256));
    expect(signer.algorithm).toBe('ES256');
    const issued = await signer.issue({ subject: 'acme', access: ACCESS }, NOW);
    expect(issued.issuedAt).toBe(IAT * 1000);
    expect(issued.expiresIn).toBe(300);

    const header = decodeProtectedHeader(issued.token);
    expect(header).toEqual({ alg: 'ES256', typ: 'JWT', x5c: [derOf(p256.chainPem)] });
    expect(header.x5c?.[0]).toMatch(/^[A-Za-z0-9+/]+=*$/); // standard base64, not base64url

    const key = await importX509(p256.chainPem, 'ES256');
    const { payload } = await jwtVerify(issued.token, key, {
      issuer: 'oat-issuer',
      audience: 'registry.local',
      currentDate: new Date(NOW),
    });
    expect(payload).toEqual({
      iss: 'oat-issuer',
      sub: 'acme',
      aud: 'registry.local',
      iat: IAT,
      nbf: IAT,
      exp: IAT + 300,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      access: ACCESS,
    });
    expect(typeof payload.aud).toBe('string');
  });

  it('gives every token its own jti', async () => {
    const signer = createRegistryTokenSigner(base(p256));
    const key = await importX509(p256.chainPem, 'ES256');
    const ids = new Set<unknown>();
    for (let i = 0; i < 5; i++) {
      const { payload } = await jwtVerify((await signer.issue({ subject: '', access: [] }, NOW)).token, key, {
        currentDate: new Date(NOW),
      });
      ids.add(payload.jti);
    }
    expect(ids.size).toBe(5);
  });

  it('signs RS256 with an RSA key and ES384 with a P-384 key', async () => {
    for (const [kind, alg] of [
      ['rsa2048', 'RS256'],
      ['p384', 'ES384'],
    ] as const) {
      const keys = makeSelfSigned(kind);
      const signer = createRegistryTokenSigner(base(keys));
      expect(signer.algorithm).toBe(alg);
      const { token } = await signer.issue({ subject: 'acme', access: [] }, NOW);
      const { payload, protectedHeader } = await jwtVerify(token, await importX509(keys.chainPem, alg), {
        currentDate: new Date(NOW),
      });
      expect(protectedHeader.alg).toBe(alg);
      expect(payload.access).toEqual([]);
    }
  });

  it('signs without waiting on the event loop: ready within microtasks, never via the thread pool', async () => {
    const signer = createRegistryTokenSigner(base(p256));
    let token: string | undefined;
    void signer.issue({ subject: 'acme', access: ACCESS }, NOW).then((issued) => {
      token = issued.token;
    });
    // A handful of microtask turns and no macrotask: crypto.subtle (what jose 6 signs with) could not have
    // answered yet.
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(token).toBeDefined();
    const { payload } = await jwtVerify(token as string, await importX509(p256.chainPem, 'ES256'), {
      currentDate: new Date(NOW),
    });
    expect(payload.access).toEqual(ACCESS);
  });

  it('accepts a KeyObject and a chain to a CA, writing x5c leaf first', async () => {
    const keys = makeCaSigned();
    const signer = createRegistryTokenSigner(base(keys, { signingKey: createPrivateKey(keys.keyPem) }));
    const { token } = await signer.issue({ subject: 'acme', access: ACCESS }, NOW);
    const blocks = keys.chainPem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    expect(decodeProtectedHeader(token).x5c).toEqual(blocks.map(derOf));
    await expect(
      jwtVerify(token, await importX509(blocks[0] as string, 'ES256'), { currentDate: new Date(NOW) }),
    ).resolves.toBeDefined();
  });

  it('honours a custom lifetime', async () => {
    const signer = createRegistryTokenSigner(base(p256, { lifetimeSeconds: 60 }));
    const { token, expiresIn } = await signer.issue({ subject: 'acme', access: [] }, NOW);
    const { payload } = await jwtVerify(token, await importX509(p256.chainPem, 'ES256'), {
      currentDate: new Date(NOW),
    });
    expect(expiresIn).toBe(60);
    expect(payload.exp).toBe(IAT + 60);
  });

  it.each([59, 0, -1, 60.5, Number.NaN, 86_401])('refuses a lifetime of %s seconds', (lifetimeSeconds) => {
    expectMisconfigured(() => createRegistryTokenSigner(base(p256, { lifetimeSeconds })), 'lifetimeSeconds');
  });

  it('refuses Ed25519 keys (distribution 2.8 cannot verify them) and short RSA keys', () => {
    expectMisconfigured(() => createRegistryTokenSigner(base(makeSelfSigned('ed25519'))), 'signingKey');
    expectMisconfigured(() => createRegistryTokenSigner(base(makeSelfSigned('rsa1024'))), 'signingKey');
  });

  it('refuses a key that is not a private key', () => {
    expectMisconfigured(() => createRegistryTokenSigner(base(p256, { signingKey: 'not a key' })), 'signingKey');
    expectMisconfigured(() => createRegistryTokenSigner(base(p256, { signingKey: p256.chainPem })), 'signingKey');
  });

  it('refuses a chain whose leaf does not hold the signing key, a chain listed root first, and no chain', () => {
    expectMisconfigured(
      () => createRegistryTokenSigner(base(p256, { certificateChain: other.chainPem })),
      'certificateChain',
    );
    const ca = makeCaSigned();
    const [leaf, root] = ca.chainPem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    expectMisconfigured(
      () => createRegistryTokenSigner(base(ca, { certificateChain: `${root}\n${leaf}` })),
      'certificateChain',
    );
    expectMisconfigured(() => createRegistryTokenSigner(base(p256, { certificateChain: '' })), 'certificateChain');
    expectMisconfigured(
      () =>
        createRegistryTokenSigner(
          base(p256, { certificateChain: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }),
        ),
      'certificateChain',
    );
  });

  it('refuses an empty issuer or audience', () => {
    expectMisconfigured(() => createRegistryTokenSigner(base(p256, { issuer: '' })), 'issuer');
    expectMisconfigured(() => createRegistryTokenSigner(base(p256, { audience: '' })), 'audience');
  });

  it('never puts key material in its errors', () => {
    let thrown: unknown;
    try {
      createRegistryTokenSigner(base(p256, { certificateChain: other.chainPem }));
    } catch (error) {
      thrown = error;
    }
    const body = p256.keyPem.split('\n')[1] as string;
    expect(isOatError(thrown)).toBe(true);
    expect(JSON.stringify(thrown)).not.toContain(body);
    expect(String(thrown)).not.toContain(body);
  });
});
