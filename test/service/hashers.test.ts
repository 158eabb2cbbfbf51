import type { CreateTokenRequest } from '../../src/index.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  hmacSha256Hasher,
  isOatError,
  sha256Hasher,
  type SecretHasher,
} from '../../src/index.js';

const organizations = [{ name: 'acme', plan: 'team', owners: ['alice'] }];
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
};
const PEPPER = 'a pepper of at least thirty-two bytes, kept out of the database';

const codeAndField = (make: () => unknown): unknown => {
  try {
    make();
  } catch (error) {
    return isOatError(error) ? { code: error.code, field: error.context['field'] } : error;
  }
  return 'no error';
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the default hashers take node:crypto at run time, not through an import', () => {
  it(
    'on a runtime without node:crypto, refuse to build with MISCONFIGURED naming hasher, and the service ' +
      'asks for one',
    () => {
      vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined as never);
      expect(codeAndField(() => sha256Hasher())).toEqual({ code: 'MISCONFIGURED', field: 'hasher' });
      expect(codeAndField(() => hmacSha256Hasher(PEPPER))).toEqual({ code: 'MISCONFIGURED', field: 'hasher' });
      expect(codeAndField(() => createTokenService({ store: createMemoryTokenStore(), organizations }))).toEqual({
        code: 'MISCONFIGURED',
        field: 'hasher',
      });
    },
  );

  it('a service given its own synchronous hasher needs nothing from node:crypto', async () => {
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined as never);
    const reversed: SecretHasher = { algorithm: 'test-reverse', hash: (secret) => [...secret].reverse().join('') };
    const service = createTokenService({ store: createMemoryTokenStore(), organizations, hasher: reversed });
    const { token, secret } = await service.create({ username: 'alice' }, 'acme', input);
    expect(token.secretHash).toBe(reversed.hash(secret.reveal()));
    await expect(service.authenticate('acme', secret.reveal())).resolves.toMatchObject({ ok: true });
  });

  it(
    'hmacSha256Hasher keys with the UTF-8 bytes of a string pepper, copies an array pepper, and refuses ' +
      'anything else naming pepper',
    () => {
      const bytes = new TextEncoder().encode(PEPPER);
      const fromBytes = hmacSha256Hasher(bytes);
      expect(fromBytes.hash('oat_x')).toBe(hmacSha256Hasher(PEPPER).hash('oat_x'));
      bytes.fill(0);
      expect(fromBytes.hash('oat_x')).toBe(hmacSha256Hasher(PEPPER).hash('oat_x'));
      for (const bad of [64, null, { length: 40 }])
        expect(codeAndField(() => hmacSha256Hasher(bad as never))).toEqual({ code: 'MISCONFIGURED', field: 'pepper' });
    },
  );
});
