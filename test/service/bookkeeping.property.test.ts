import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  isOatError,
  platformRandom,
  type AuthenticationResult,
  type TokenService,
  type TokenStore,
} from '../../src/index.js';
import { createFakeClock, type FakeClock } from '../../src/testing/fake-clock.js';

const organizations = [
  { name: 'acme', plan: 'team', owners: ['alice'] },
  { name: 'globex', plan: 'team', owners: ['alice'] },
];
const alice = { username: 'alice' };
const DAY = 24 * 3600 * 1000;
const TOKENS = 3;

/** What a touchLastUsed call does in the faulty store. */
type Fault = 'ok' | 'reject' | 'throw' | 'hang' | 'late';
type Step =
  | { readonly kind: 'login'; readonly token: number; readonly as: 'owner' | 'other' | 'unknown' }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'deactivate' | 'delete'; readonly token: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('login' as const),
      token: fc.nat(TOKENS - 1),
      as: fc.constantFrom('owner' as const, 'other' as const, 'unknown' as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 90_000 }), fc.integer({ min: 0, max: 40 * DAY })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('deactivate' as const, 'delete' as const),
      token: fc.nat(TOKENS - 1),
    }),
  },
);

/** A memory store whose touchLastUsed follows `faults` in turn, cycling. */
function faultyStore(faults: ReadonlyArray<Fault>): TokenStore {
  const inner = createMemoryTokenStore();
  let call = 0;
  return {
    ...inner,
    findBySecretHash: inner.findBySecretHash,
    touchLastUsed(id, at, ifOlderThan) {
      const fault = faults[call++ % faults.length] as Fault;
      if (fault === 'throw') throw new Error('touch threw');
      if (fault === 'reject') return Promise.reject(new Error('touch rejected'));
      if (fault === 'hang') return new Promise<boolean>(() => undefined);
      if (fault === 'late')
        return new Promise<void>((resolve) => setTimeout(resolve, 1)).then(() =>
          inner.touchLastUsed(id, at, ifOlderThan),
        );
      return inner.touchLastUsed(id, at, ifOlderThan);
    },
  };
}

/** A login outcome with the token named by its index, so two services with different ids and secrets compare. */
function outcomeOf(result: AuthenticationResult, ids: ReadonlyArray<string>): string {
  return result.ok ? `ok:${ids.indexOf(result.principal.tokenId)}` : result.code;
}

/**
 * Settles `promise`, or fails after `ms`: a login stuck behind a hung write must fail the property, not the test run.
 */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`login still pending after ${ms} ms`)), ms).unref(),
    ),
  ]);
}

interface World {
  readonly service: TokenService;
  readonly store: TokenStore;
  readonly clock: FakeClock;
  readonly ids: string[];
  readonly secrets: string[];
}

async function world(
  store: TokenStore,
  expiries: ReadonlyArray<number | null>,
  onError?: (error: unknown) => void,
): Promise<World> {
  const clock = createFakeClock();
  const service = createTokenService({
    store,
    clock,
    organizations,
    lastUsedTimeoutMs: 5,
    ...(onError === undefined ? {} : { onError }),
  });
  const ids: string[] = [];
  const secrets: string[] = [];
  for (const days of expiries) {
    const created = await service.create(alice, 'acme', {
      label: 'ci',
      resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
      ...(days === null ? {} : { expiry: clock.now() + days * DAY }),
    });
    ids.push(created.token.id);
    secrets.push(created.secret.reveal());
  }
  return { service, store, clock, ids, secrets };
}

async function play(w: World, step: Step, unknownSecret: string): Promise<string> {
  if (step.kind === 'advance') {
    w.clock.advance(step.ms);
    return 'advanced';
  }
  if (step.kind === 'login') {
    const secret = step.as === 'unknown' ? unknownSecret : (w.secrets[step.token] as string);
    const result = await within(1_000, w.service.authenticate(step.as === 'other' ? 'globex' : 'acme', secret));
    return outcomeOf(result, w.ids);
  }
  try {
    await w.service[step.kind](alice, 'acme', w.ids[step.token] as string);
    return `${step.kind}:ok`;
  } catch (error) {
    return isOatError(error) ? `${step.kind}:${error.code}` : 'unexpected';
  }
}

describe('a failing or hanging last-used write changes no login', () => {
  it(
    'with touchLastUsed failing, throwing or hanging at random, every outcome is what a healthy store gives; ' +
      'lastUsedAt never moves backwards',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom<Fault>('ok', 'reject', 'throw', 'hang', 'late'), { minLength: 1, maxLength: 8 }),
          fc.array(fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }), { minLength: TOKENS, maxLength: TOKENS }),
          fc.array(stepArb, { minLength: 1, maxLength: 30 }),
          async (faults, expiries, steps) => {
            const reports: unknown[] = [];
            const healthy = await world(createMemoryTokenStore(), expiries);
            const faulty = await world(faultyStore(faults), expiries, (error) => reports.push(error));
            const unknownSecret = healthy.service.policy.format.generate(platformRandom);
            const seen = new Map<string, number | null>();
            for (const step of steps) {
              expect(await play(faulty, step, unknownSecret)).toBe(await play(healthy, step, unknownSecret));
              for (const id of faulty.ids) {
                const used = (await faulty.store.findById(id as never))?.lastUsedAt ?? null;
                const before = seen.get(id) ?? null;
                if (before !== null) expect(used).not.toBeNull();
                if (before !== null && used !== null) expect(used).toBeGreaterThanOrEqual(before);
                seen.set(id, used);
              }
            }
            await within(1_000, faulty.service.flush());
            expect(reports.every(isOatError)).toBe(true);
          },
        ),
        { numRuns: 150 },
      );
    },
  );
});
