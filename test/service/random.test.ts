import type { CreateTokenRequest, OrganizationId } from '../../src/index.js';
import fc from 'fast-check';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_POLICY,
  createMemoryTokenStore,
  createTokenService,
  isOatError,
  isTokenId,
  platformRandom,
  type RandomSource,
} from '../../src/index.js';
import { randomTokenId } from '../../src/service/random.js';

const organizations = [{ name: 'acme', plan: 'team', owners: ['alice'] }];
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
};

/** A source that hands out the bytes 0, 1, 2, ... in turn (mod 256), and counts what it handed out. */
function counting(): RandomSource & { drawn: number } {
  const source = Object.assign(
    (bytes: Uint8Array): void => {
      for (let i = 0; i < bytes.length; i++) bytes[i] = source.drawn++ & 0xff;
    },
    { drawn: 0 },
  );
  return source;
}

const misconfigured = (make: () => unknown): unknown => {
  try {
    make();
  } catch (error) {
    return isOatError(error) ? { code: error.code, field: error.context['field'] } : error;
  }
  return 'no error';
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the random option: where secrets and token ids come from', () => {
  it('draws every secret and id from the given source, so the same bytes give the same tokens', async () => {
    const tokens = [];
    for (const _ of [1, 2]) {
      const random = counting();
      const service = createTokenService({ store: createMemoryTokenStore(), organizations, random });
      const { token, secret } = await service.create({ username: 'alice' }, 'acme', input);
      expect(random.drawn).toBeGreaterThan(0);
      tokens.push({ id: token.id, secret: secret.reveal() });
    }
    expect(tokens[0]).toEqual(tokens[1]);
    // The body is bytes 0..29 mapped to base62; nothing else in the secret is random.
    expect(tokens[0]?.secret).toBe(DEFAULT_POLICY.format.generate(counting()));
    expect(isTokenId(tokens[0]?.id)).toBe(true);
  });

  it('defaults to the platform crypto.getRandomValues', async () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    try {
      const service = createTokenService({ store: createMemoryTokenStore(), organizations });
      await service.create({ username: 'alice' }, 'acme', input);
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it(
    'refuses a random option that is not a function, and a platform without crypto.getRandomValues when none ' +
      'is given, with MISCONFIGURED naming random',
    () => {
      const store = createMemoryTokenStore();
      expect(misconfigured(() => createTokenService({ store, organizations, random: 'dice' as never }))).toEqual({
        code: 'MISCONFIGURED',
        field: 'random',
      });
      vi.stubGlobal('crypto', undefined);
      expect(misconfigured(() => createTokenService({ store, organizations }))).toEqual({
        code: 'MISCONFIGURED',
        field: 'random',
      });
      expect(misconfigured(() => platformRandom(new Uint8Array(4)))).toEqual({
        code: 'MISCONFIGURED',
        field: 'random',
      });
      // With its own source the service needs nothing from the platform.
      expect(() => createTokenService({ store, organizations, random: counting() })).not.toThrow();
    },
  );

  it('makes a lower-case version 4 UUID of any 16 bytes, the ones the source gave', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }).filter((bytes) => new Set(bytes).size > 1),
        (bytes) => {
          const id = randomTokenId((out) => out.set(bytes));
          expect(isTokenId(id)).toBe(true);
          expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
          const hex = id.replaceAll('-', '');
          for (const i of [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 13, 14, 15])
            expect(hex.slice(2 * i, 2 * i + 2)).toBe((bytes[i] as number).toString(16).padStart(2, '0'));
        },
      ),
    );
  });

  it(
    'refuses a source that never writes (every byte the same) with MISCONFIGURED naming random, and ' +
      'stores nothing',
    async () => {
      const store = createMemoryTokenStore();
      const silent = createTokenService({ store, organizations, random: () => undefined });
      const error = await silent.create({ username: 'alice' }, 'acme', input).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isOatError(error) && { code: error.code, field: error.context['field'] }).toEqual({
        code: 'MISCONFIGURED',
        field: 'random',
      });
      expect(await store.countLive('acme' as OrganizationId)).toBe(0);
      expect(() => randomTokenId((out) => out.fill(9))).toThrow(expect.objectContaining({ code: 'MISCONFIGURED' }));
    },
  );

  it('keeps the secret out of util.inspect without importing node:util', async () => {
    const service = createTokenService({ store: createMemoryTokenStore(), organizations, random: counting() });
    const { secret } = await service.create({ username: 'alice' }, 'acme', input);
    expect(inspect(secret)).toBe(`TokenSecret(${secret.displayPrefix}…)`);
    expect(inspect({ secret }, { depth: 5 })).not.toContain(secret.reveal());
  });
});
