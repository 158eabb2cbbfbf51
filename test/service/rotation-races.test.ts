import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  type CreateTokenRequest,
  type StaticOrganizationProfile,
  type TokenStore,
} from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';

const organizations: ReadonlyArray<StaticOrganizationProfile> = [
  { id: 'acme', name: 'acme', plan: 'team', owners: ['alice'], tokenManagers: [] },
];
const alice = { username: 'alice' };
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['push'] }],
  expires_at: '2026-07-01T00:00:00Z',
};

/**
 * The memory store, with its first `count` calls of `method` held until all
 * of them have arrived: the racing requests have all read the token by then.
 */
function meetingAt(store: TokenStore, method: string, count: number): TokenStore {
  let arrived = 0;
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (key !== method || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (arrived < count) {
          arrived++;
          if (arrived === count) open();
          await gate;
        }
        return (value as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** The memory store, running `hook` before the first call of `method` goes through. */
function beforeFirst(store: TokenStore, method: string, hook: () => Promise<void>): TokenStore {
  let done = false;
  return new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (key !== method || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (!done) {
          done = true;
          await hook();
        }
        return (value as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function setup(store: TokenStore) {
  const clock = createFakeClock();
  const service = createTokenService({ store, clock, organizations, rotation: { maxGraceSeconds: 3_600 } });
  return { service, clock };
}

describe('service.rotate under concurrency', () => {
  it('of two concurrent rotations exactly one wins, the other is CONFLICT, and the winner logs in', async () => {
    const { service } = setup(meetingAt(createMemoryTokenStore(), 'rotate', 2));
    const created = await service.create(alice, 'acme', input);
    const results = await Promise.all([
      service.safeRotate(alice, 'acme', created.token.id),
      service.safeRotate(alice, 'acme', created.token.id),
    ]);
    const won = results.filter((result) => result.ok);
    const lost = results.filter((result) => !result.ok);
    expect(won).toHaveLength(1);
    expect(lost.map((result) => !result.ok && result.code)).toEqual(['CONFLICT']);
    const winner = won[0];
    if (winner === undefined || !winner.ok) throw new Error('expected a winner');
    expect(winner.value.token.version).toBe(2);
    const login = await service.authenticate('acme', winner.value.secret.reveal());
    expect(login.ok).toBe(true);
    expect((await service.get(alice, 'acme', created.token.id)).secretHash).toBe(winner.value.token.secretHash);
  });

  it('the throwing rotate rejects the loser with CONFLICT', async () => {
    const { service } = setup(meetingAt(createMemoryTokenStore(), 'rotate', 2));
    const created = await service.create(alice, 'acme', input);
    const settled = await Promise.allSettled([
      service.rotate(alice, 'acme', created.token.id),
      service.rotate(alice, 'acme', created.token.id),
    ]);
    expect(settled.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = settled.find((result) => result.status === 'rejected');
    expect(rejected?.status === 'rejected' && (rejected.reason as { code?: unknown }).code).toBe('CONFLICT');
  });

  it('a rotation that loses to an update retries and succeeds: the secret was not swapped', async () => {
    let service: ReturnType<typeof setup>['service'] | null = null;
    let tokenId = '';
    // The update lands between the rotation's read and its write, so the rotation's write meets a new version.
    const store = beforeFirst(createMemoryTokenStore(), 'rotate', async () => {
      await service?.update(alice, 'acme', tokenId, { label: 'ci-2' });
    });
    service = setup(store).service;
    const created = await service.create(alice, 'acme', input);
    tokenId = created.token.id;
    const rotated = await service.rotate(alice, 'acme', tokenId);
    expect(rotated.token).toMatchObject({ label: 'ci-2', version: 3 });
    expect((await service.authenticate('acme', rotated.secret.reveal())).ok).toBe(true);
  });
});
