import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  isOatError,
  platformRandom,
  type TokenService,
  type TokenStore,
} from '../../src/index.js';
import { crc32, encodeChecksum, TOKEN_BODY_LENGTH } from '../../src/core/format.js';

const organizations = [{ name: 'acme', plan: 'team', owners: ['alice'] }];
const alice = { username: 'alice' };
const WELL_FORMED = (() => {
  const body = 'A1'.repeat(TOKEN_BODY_LENGTH / 2);
  return `oat_${body}${encodeChecksum(crc32(`oat_${body}`))}`;
})();

async function snapshot(store: TokenStore): Promise<string> {
  const page = await store.list({
    organizationId: 'acme' as never,
    now: 0,
    offset: 0,
    limit: 1000,
    statuses: ['active', 'inactive', 'expired', 'deleted'],
  });
  return JSON.stringify(page);
}

async function seeded(): Promise<{ service: TokenService; store: TokenStore; id: string; secret: string }> {
  const store = createMemoryTokenStore();
  const service = createTokenService({ store, organizations });
  const { token, secret } = await service.create(alice, 'acme', {
    label: 'seed',
    resources: [{ type: 'repository', path: 'acme/app', scopes: ['push'] }],
  });
  return { service, store, id: token.id, secret: secret.reveal() };
}

const anything = () =>
  fc.anything({
    withNullPrototype: true,
    withBoxedValues: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withSparseArray: true,
    withDate: true,
  });

/**
 * Runs an operation on garbage: it may succeed or throw an OatError, nothing else, and must leave the store as it was
 * unless it succeeded.
 */
async function onlyTypedErrors(op: () => Promise<unknown>): Promise<'ok' | 'typed-error'> {
  try {
    await op();
    return 'ok';
  } catch (error) {
    expect(isOatError(error), `threw ${String(error)}`).toBe(true);
    return 'typed-error';
  }
}

describe('every public operation fed arbitrary values', () => {
  it('management operations throw only OatError and leave the store unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        anything(),
        anything(),
        anything(),
        fc.constantFrom('create', 'get', 'list', 'update', 'deactivate', 'reactivate', 'delete'),
        async (a, b, c, op) => {
          const { service, store, id } = await seeded();
          const before = await snapshot(store);
          const calls: Record<string, () => Promise<unknown>> = {
            create: () => service.create(a as never, 'acme', b as never),
            get: () => service.get(alice, a as never, b as never),
            list: () => service.list(alice, 'acme', a as never),
            update: () => service.update(alice, 'acme', id, a as never),
            deactivate: () => service.deactivate(a as never, b as never, c as never),
            reactivate: () => service.reactivate(alice, 'acme', a as never),
            delete: () => service.delete(a as never, 'acme', id),
          };
          const outcome = await onlyTypedErrors(calls[op] as () => Promise<unknown>);
          if (outcome === 'typed-error') expect(await snapshot(store)).toBe(before);
        },
      ),
      { numRuns: 400 },
    );
  });

  it(
    'create with a valid actor and organization rejects any malformed request with VALIDATION_FAILED ' +
      'naming fields',
    async () => {
      await fc.assert(
        fc.asyncProperty(anything(), async (input) => {
          const { service, store } = await seeded();
          const before = await snapshot(store);
          try {
            // Anything a JavaScript caller could pass: the request type is bypassed on purpose.
            await service.create(alice, 'acme', input as never);
          } catch (error) {
            expect(isOatError(error) && error.code === 'VALIDATION_FAILED' && error.fields.length > 0).toBe(true);
            expect(await snapshot(store)).toBe(before);
          }
        }),
        { numRuns: 300 },
      );
    },
  );

  it('authenticate returns a denial value for garbage and never throws, also past the format check', async () => {
    const codes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        anything(),
        fc.oneof(anything(), fc.constant('well-formed'), fc.constant('real')),
        anything(),
        async (username, which, client) => {
          const { service, store, secret } = await seeded();
          // Garbage, a well-formed token nobody holds, or the real secret with a garbage username.
          const presented =
            which === 'well-formed'
              ? service.policy.format.generate(platformRandom)
              : which === 'real'
                ? secret
                : which;
          const before = await snapshot(store);
          const result = await service.authenticate(username, presented, client as never);
          if (!result.ok) codes.add(result.code);
          expect(result.ok).toBe(false);
          expect(await snapshot(store)).toBe(before);
        },
      ),
      { numRuns: 300 },
    );
    expect([...codes].sort()).toEqual(['MALFORMED', 'NOT_FOUND', 'ORG_MISMATCH']);
  });

  it('authorize denies malformed requests as values and rejects a forged principal with OatError', async () => {
    const { service, secret } = await seeded();
    const login = await service.authenticate('acme', secret);
    if (!login.ok) throw new Error('login failed');
    fc.assert(
      fc.property(anything(), anything(), (request, action) => {
        const decision = service.authorize(login.principal, request as never, action as never);
        expect(typeof decision.allowed).toBe('boolean');
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(anything(), (principal) => {
        expect(() => service.authorize(principal as never, { repository: 'acme/app' }, 'pull')).toThrow(
          expect.objectContaining({ code: 'VALIDATION_FAILED' }),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('a clock that does not return epoch milliseconds', () => {
  it(
    'is refused with MISCONFIGURED naming clock, at construction or at the first read, and nothing ' + 'is stored',
    async () => {
      expect(() => createTokenService({ store: createMemoryTokenStore(), organizations, clock: {} as never })).toThrow(
        expect.objectContaining({ code: 'MISCONFIGURED', context: { field: 'clock' } }),
      );
      for (const now of [() => new Date(), () => 1.5, () => Number.NaN, () => '2026-01-01T00:00:00Z']) {
        const store = createMemoryTokenStore();
        const service = createTokenService({ store, organizations, clock: { now } as never });
        const before = await snapshot(store);
        await expect(
          service.create(alice, 'acme', {
            label: 'ci',
            resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
          }),
        ).rejects.toMatchObject({
          code: 'MISCONFIGURED',
          context: { field: 'clock' },
        });
        // A well-formed token: the clock is read only after the format check, so a malformed one would be refused
        // first.
        await expect(service.authenticate('acme', WELL_FORMED)).rejects.toMatchObject({ code: 'MISCONFIGURED' });
        expect(await snapshot(store)).toBe(before);
      }
    },
  );
});
