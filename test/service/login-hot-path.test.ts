import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  DEFAULT_POLICY,
  sha256Hasher,
  type Principal,
} from '../../src/index.js';
import { createAuthenticator, type AuthenticationResult } from '../../src/service/authenticator.js';
import { createStaticOrganizationDirectory } from '../../src/service/directory.js';
import { createFakeClock } from '../../src/testing/index.js';

const organizations = [{ name: 'acme', plan: 'team' as const, owners: ['alice'] }];

describe('the login hot path', () => {
  it('refuses a malformed token without reading the clock when nobody listens for events', async () => {
    const fake = createFakeClock();
    let reads = 0;
    const clock = { now: () => (reads++, fake.now()) };
    const service = createTokenService({ store: createMemoryTokenStore(), organizations, clock });
    for (const garbage of ['', 'oat_short', 'x'.repeat(40), 42, null]) {
      await expect(service.authenticate('acme', garbage)).resolves.toEqual({ ok: false, code: 'MALFORMED' });
    }
    expect(reads).toBe(0);
  });

  it(
    'answers every malformed token nobody listens for with one settled promise, allocating nothing ' + 'per refusal',
    async () => {
      const service = createTokenService({ store: createMemoryTokenStore(), organizations });
      const first = service.authenticate('acme', 'garbage');
      expect(service.authenticate('someone', 42)).toBe(first);
      await expect(first).resolves.toEqual({ ok: false, code: 'MALFORMED' });
    },
  );

  it('still stamps a refused malformed token with the time when an event is emitted', async () => {
    const clock = createFakeClock();
    const events: { at: number }[] = [];
    const service = createTokenService({
      store: createMemoryTokenStore(),
      organizations,
      clock,
      events: { emit: (event) => events.push(event) },
    });
    await service.authenticate('acme', 'garbage');
    expect(events).toEqual([expect.objectContaining({ at: clock.now(), code: 'MALFORMED', outcome: 'failure' })]);
  });

  it("keeps a token's compiled grants across a last-used write, after the id-keyed cache has evicted it", async () => {
    const clock = createFakeClock();
    const store = createMemoryTokenStore();
    const service = createTokenService({ store, organizations, clock });
    const secrets: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { secret } = await service.create({ username: 'alice' }, 'acme', {
        label: `ci-${i}`,
        resources: [{ type: 'repository', path: `acme/app-${i}`, scopes: ['scope-image-pull'] }],
      });
      secrets.push(secret.reveal());
    }
    const writes: Promise<unknown>[] = [];
    // A generation of one entry: every other token's login pushes the first out of the id-keyed cache.
    const authenticate = createAuthenticator({
      store,
      hasher: sha256Hasher(),
      clock,
      organizations: createStaticOrganizationDirectory(organizations),
      policy: DEFAULT_POLICY,
      lastUsedIntervalMs: 60_000,
      touchLastUsed: (id, at, ifOlderThan) => void writes.push(store.touchLastUsed(id, at, ifOlderThan)),
      emit: null,
      reportFault: () => undefined,
      principalCacheSize: 1,
    });
    const principal = (result: AuthenticationResult): Principal => {
      if (!result.ok) throw new Error(`login refused: ${result.code}`);
      return result.principal;
    };
    const loginAll = async (): Promise<Principal[]> => {
      const out: Principal[] = [];
      for (const secret of secrets) out.push(principal(await authenticate('acme', secret)));
      await Promise.all(writes);
      return out;
    };
    const first = await loginAll();
    const recordsBefore = await Promise.all(first.map((p) => store.findById(p.tokenId)));
    clock.advance(61_000);
    const afterWrite = await loginAll();
    const recordsAfter = await Promise.all(first.map((p) => store.findById(p.tokenId)));
    // The write did replace each record object, and last-used moved.
    recordsAfter.forEach((record, i) => {
      expect(record).not.toBe(recordsBefore[i]);
      expect(record?.lastUsedAt).toBe(clock.now());
    });
    const again = await loginAll();
    again.forEach((p, i) => {
      expect(p.grants).toBe(first[i]?.grants);
      expect(afterWrite[i]?.grants).toBe(first[i]?.grants);
    });
  });

  it('compiles again when an edit gives the token new grants', async () => {
    const clock = createFakeClock();
    const service = createTokenService({ store: createMemoryTokenStore(), organizations, clock });
    const { secret, token } = await service.create({ username: 'alice' }, 'acme', {
      label: 'ci',
      resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }],
    });
    const login = async (): Promise<Principal> => {
      const result = await service.authenticate('acme', secret.reveal());
      if (!result.ok) throw new Error(`login refused: ${result.code}`);
      return result.principal;
    };
    const before = await login();
    await service.update({ username: 'alice' }, 'acme', token.id, {
      resources: [{ type: 'repository', path: 'acme/other', scopes: ['scope-image-pull'] }],
    });
    const after = await login();
    expect(after.grants).not.toBe(before.grants);
    expect(service.authorize(after, { repository: 'acme/other' }, 'pull')).toEqual({ allowed: true });
    expect(service.authorize(after, { repository: 'acme/app' }, 'pull')).toEqual(
      expect.objectContaining({ allowed: false }),
    );
  });
});
