import { createMemoryTokenStore, createTokenService, type TokenService } from '../../src/index.js';
import { createTokenEndpoint, type TokenEndpointHandler, type TokenEndpointOptions } from '../../src/registry/index.js';
import { createFakeClock, type FakeClock } from '../../src/testing/fake-clock.js';
import { conforming } from '../support/openapi-contract.js';
import { makeSelfSigned, type TestKeyPair } from './keys.js';

/** The `service` the endpoint tests' registry names, and the audience of the tokens it is given. */
export const AUDIENCE = 'registry.test';
/** Where the endpoint tests send token requests. */
export const REALM = 'http://token.test/token';

/** An `Authorization: Basic` header value, as `docker login` sends it. */
export const basic = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** A token service holding one pull token, and a builder of endpoints over it. */
export interface EndpointFixture {
  /** A P-256 key and its self-signed chain, valid whenever the tests run. */
  readonly keys: TestKeyPair;
  readonly clock: FakeClock;
  /** In memory, with one Business organization, `acme`, owned by `alice`. */
  readonly service: TokenService;
  /** The plaintext of alice's token on acme, which may pull `acme/app` and never expires. */
  readonly secret: string;
  /**
   * An endpoint over {@link service} signing with {@link keys} at {@link clock}; `extra` overrides any of
   * these. Its responses are checked against docs/openapi.json.
   */
  build(extra?: Partial<TokenEndpointOptions>): TokenEndpointHandler;
}

/** Makes a fresh {@link EndpointFixture} whose clock starts at `now`: a new key (openssl) and a new store each call. */
export async function makeEndpointFixture(now: number): Promise<EndpointFixture> {
  const keys = makeSelfSigned('p256');
  const clock = createFakeClock(now);
  const service = createTokenService({
    store: createMemoryTokenStore(),
    clock,
    organizations: [{ name: 'acme', plan: 'business', owners: ['alice'] }],
  });
  const created = await service.create({ username: 'alice' }, 'acme', {
    label: 'ci',
    resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }],
  });
  const build = (extra: Partial<TokenEndpointOptions> = {}): TokenEndpointHandler =>
    conforming(
      createTokenEndpoint({
        tokenService: service,
        audience: AUDIENCE,
        issuer: 'oat-test',
        signingKey: keys.keyPem,
        certificateChain: keys.chainPem,
        clock,
        ...extra,
      }),
      { kind: 'token' },
    );
  return { keys, clock, service, secret: created.secret.reveal(), build };
}
