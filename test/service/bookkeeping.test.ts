import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  isOatError,
  type BackgroundFaultContext,
  type OatError,
  type TokenStore,
} from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import type { CreateTokenRequest } from '../../src/index.js';

const organizations = [{ name: 'acme', plan: 'team', owners: ['alice'] }];
const alice = { username: 'alice' };
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['push'] }],
};

/**
 * Resolves to what `promise` resolves to, or rejects when it takes longer than `ms`: a hung login fails the test fast.
 */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms).unref()),
  ]);
}

/** A service over a memory store whose touchLastUsed is replaced; reports collected. */
function serviceWith(
  touchLastUsed: TokenStore['touchLastUsed'],
  options: { lastUsedIntervalMs?: number; lastUsedTimeoutMs?: number } = {},
) {
  const inner = createMemoryTokenStore();
  const calls: string[] = [];
  const store: TokenStore = {
    ...inner,
    findBySecretHash: inner.findBySecretHash,
    touchLastUsed: (id, at, ifOlderThan) => {
      calls.push(id);
      return touchLastUsed(id, at, ifOlderThan);
    },
  };
  const reports: Array<{ error: OatError; context: BackgroundFaultContext }> = [];
  const clock = createFakeClock();
  const service = createTokenService({
    store,
    clock,
    organizations,
    onError: (error, context) => reports.push({ error, context }),
    ...options,
  });
  return { service, inner, calls, reports, clock };
}

const never = (): Promise<boolean> => new Promise<boolean>(() => undefined);

describe('last-used bookkeeping never decides or delays a login', () => {
  it(
    'a store whose touchLastUsed never settles still gives an ok login at once; onError hears of the timeout ' +
      'and flush returns',
    async () => {
      const { service, calls, reports } = serviceWith(never, { lastUsedTimeoutMs: 50 });
      const { token, secret } = await service.create(alice, 'acme', input);
      await expect(within(1_000, service.authenticate('acme', secret.reveal()))).resolves.toMatchObject({
        ok: true,
        principal: { tokenId: token.id },
      });
      expect(calls).toEqual([token.id]);
      await within(1_000, service.flush());
      expect(reports).toHaveLength(1);
      expect(reports[0]?.context).toEqual({ operation: 'touchLastUsed', tokenId: token.id });
      expect(reports[0]?.error).toMatchObject({
        name: 'OatError',
        code: 'STORE_FAILURE',
        context: { operation: 'touchLastUsed', tokenId: token.id, timeoutMs: 50 },
      });
    },
  );

  it(
    'a write that times out and then rejects is reported once, and a later login may start ' + 'another write',
    async () => {
      let rejectLate: (error: Error) => void = () => undefined;
      const { service, calls, reports, clock } = serviceWith(
        () =>
          new Promise<boolean>((_, reject) => {
            rejectLate = reject;
          }),
        { lastUsedTimeoutMs: 20, lastUsedIntervalMs: 60_000 },
      );
      const { secret } = await service.create(alice, 'acme', input);
      await service.authenticate('acme', secret.reveal());
      await service.flush();
      rejectLate(new Error('gave up late'));
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(reports.map((r) => r.error.context['timeoutMs'])).toEqual([20]);
      clock.advance(60_000);
      await service.authenticate('acme', secret.reveal());
      expect(calls).toHaveLength(2);
    },
  );

  it('a store whose touchLastUsed rejects gives an ok login; onError gets STORE_FAILURE with the cause', async () => {
    const { service, reports } = serviceWith(() =>
      Promise.reject(new Error('cannot execute UPDATE in a read-only transaction')),
    );
    const { token, secret } = await service.create(alice, 'acme', input);
    await expect(within(1_000, service.authenticate('acme', secret.reveal()))).resolves.toMatchObject({ ok: true });
    await service.flush();
    expect(reports).toHaveLength(1);
    expect(reports[0]?.context).toEqual({ operation: 'touchLastUsed', tokenId: token.id });
    expect(reports[0]?.error).toMatchObject({
      code: 'STORE_FAILURE',
      cause: expect.objectContaining({ message: 'cannot execute UPDATE in a read-only transaction' }),
    });
    expect(isOatError(reports[0]?.error)).toBe(true);
  });

  it('a store whose touchLastUsed throws synchronously gives an ok login; onError gets STORE_FAILURE', async () => {
    const { service, reports } = serviceWith(() => {
      throw new Error('SQLITE_BUSY: database is locked');
    });
    const { token, secret } = await service.create(alice, 'acme', input);
    await expect(within(1_000, service.authenticate('acme', secret.reveal()))).resolves.toMatchObject({ ok: true });
    await service.flush();
    expect(reports.map((r) => [r.error.code, r.context.tokenId])).toEqual([['STORE_FAILURE', token.id]]);
  });

  it('an OatError from the store reaches onError unchanged', async () => {
    const { OatError: ErrorClass } = await import('../../src/index.js');
    const fault = new ErrorClass('STORE_FAILURE', 'PostgreSQL token store: touchLastUsed failed', {
      context: { operation: 'touchLastUsed', sqlstate: '25006' },
    });
    const { service, reports } = serviceWith(() => Promise.reject(fault));
    const { secret } = await service.create(alice, 'acme', input);
    await service.authenticate('acme', secret.reveal());
    await service.flush();
    expect(reports[0]?.error).toBe(fault);
  });

  it('an onError hook that throws is swallowed: the login is ok and nothing rejects', async () => {
    const inner = createMemoryTokenStore();
    const service = createTokenService({
      store: {
        ...inner,
        findBySecretHash: inner.findBySecretHash,
        touchLastUsed: () => Promise.reject(new Error('down')),
      },
      organizations,
      onError: () => {
        throw new Error('the hook itself is broken');
      },
    });
    const { secret } = await service.create(alice, 'acme', input);
    await expect(service.authenticate('acme', secret.reveal())).resolves.toMatchObject({ ok: true });
    await expect(service.flush()).resolves.toBeUndefined();
  });

  it('without onError a failing write is dropped silently and the login is ok', async () => {
    const inner = createMemoryTokenStore();
    const service = createTokenService({
      store: {
        ...inner,
        findBySecretHash: inner.findBySecretHash,
        touchLastUsed: () => Promise.reject(new Error('down')),
      },
      organizations,
    });
    const { secret } = await service.create(alice, 'acme', input);
    await expect(service.authenticate('acme', secret.reveal())).resolves.toMatchObject({ ok: true });
    await expect(service.flush()).resolves.toBeUndefined();
  });

  it('keeps at most one pending write per token, and starts another once the first has settled', async () => {
    let release: (wrote: boolean) => void = () => undefined;
    const { service, calls, inner, clock } = serviceWith(
      (id, at, ifOlderThan) =>
        new Promise<boolean>((resolve) => {
          release = (wrote) => resolve(wrote);
        }).then(() => inner.touchLastUsed(id, at, ifOlderThan)),
      { lastUsedIntervalMs: 0 },
    );
    const { token, secret } = await service.create(alice, 'acme', input);
    for (let i = 0; i < 5; i++) {
      await expect(service.authenticate('acme', secret.reveal())).resolves.toMatchObject({ ok: true });
      clock.advance(1);
    }
    expect(calls).toHaveLength(1);
    let flushed = false;
    const flushing = service.flush().then(() => (flushed = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(flushed).toBe(false);
    release(true);
    await flushing;
    expect((await inner.findById(token.id))?.lastUsedAt).toBe(createFakeClock().now());
    await service.authenticate('acme', secret.reveal());
    expect(calls).toHaveLength(2);
    release(true);
    await service.flush();
    expect((await inner.findById(token.id))?.lastUsedAt).toBe(clock.now());
  });

  it(
    'a failed write is not retried before the next interval: a read-only store costs one failed write per ' +
      'interval, not one per login',
    async () => {
      const { service, calls, reports, clock } = serviceWith(() => Promise.reject(new Error('read-only')), {
        lastUsedIntervalMs: 60_000,
      });
      const { secret } = await service.create(alice, 'acme', input);
      for (let i = 0; i < 3; i++) await service.authenticate('acme', secret.reveal());
      await service.flush();
      expect([calls.length, reports.length]).toEqual([1, 1]);
      clock.advance(60_000);
      await service.authenticate('acme', secret.reveal());
      await service.flush();
      expect([calls.length, reports.length]).toEqual([2, 2]);
    },
  );

  it('the reported error never carries the secret', async () => {
    const { service, reports } = serviceWith(() => Promise.reject(new Error('down')));
    const { secret } = await service.create(alice, 'acme', input);
    await service.authenticate('acme', secret.reveal());
    await service.flush();
    const surfaces = reports
      .map(
        (r) =>
          `${String(r.error)} ${JSON.stringify(r.error)} ${inspect(r.error, { depth: null })} ` +
          `${JSON.stringify(r.context)}`,
      )
      .join('\n');
    expect(surfaces.toLowerCase()).not.toContain(secret.reveal().toLowerCase());
  });

  it(
    'refuses a lastUsedTimeoutMs that is not a positive number and an onError that is not a function, naming ' +
      'the field',
    () => {
      const store = createMemoryTokenStore();
      for (const lastUsedTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => createTokenService({ store, lastUsedTimeoutMs })).toThrow(
          expect.objectContaining({ code: 'MISCONFIGURED', context: { field: 'lastUsedTimeoutMs' } }),
        );
      }
      expect(() => createTokenService({ store, onError: 'log' as never })).toThrow(
        expect.objectContaining({ code: 'MISCONFIGURED', context: { field: 'onError' } }),
      );
    },
  );
});
