import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  LifecycleOperation,
  LifecyclePolicy,
  TokenState,
  TransitionDecision,
  TransitionDenialCode,
  TransitionSource,
} from '../../src/index.js';
import {
  LIFECYCLE_OPERATIONS,
  LIFECYCLE_PRESETS,
  TRANSITION_DENIAL_CODES,
  createPolicy,
  decideTransition,
  isOatError,
  statusOf,
} from '../../src/index.js';
import {
  DEACTIVATE_BEFORE_DELETE_LIFECYCLE,
  DOCKER_HUB_CURRENT_LIFECYCLE,
  SEED_LIFECYCLE,
} from '../../src/core/lifecycle.js';

const T0 = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;
const PRESETS = Object.values(LIFECYCLE_PRESETS);
const SOURCES: ReadonlyArray<TransitionSource> = ['none', 'active', 'inactive', 'expired', 'deleted'];

interface Token {
  readonly state: TokenState;
  readonly expiresAt: number | null;
}

/** One step of a run: an operation, how much time passed before it, and the expiry a create would set. */
const step = fc.record({
  operation: fc.constantFrom(...LIFECYCLE_OPERATIONS),
  elapsed: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 * DAY })),
  expiresIn: fc.option(fc.integer({ min: -DAY, max: 120 * DAY }), { nil: null }),
});

type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

interface Observed {
  readonly before: Token | null;
  readonly now: number;
  readonly operation: LifecycleOperation;
  readonly decision: TransitionDecision;
}

/** Runs random operations against one token under a policy, applying what is allowed. */
function run(policy: LifecyclePolicy, steps: ReadonlyArray<Step>, start: number): Observed[] {
  let token: Token | null = null;
  let clock = start;
  const seen: Observed[] = [];
  for (const { operation, elapsed, expiresIn } of steps) {
    clock += elapsed;
    const now = clock;
    const decision: TransitionDecision = decideTransition(policy, token, operation, now);
    seen.push({ before: token, now, operation, decision });
    if (decision.allowed) {
      const expiresAt: number | null =
        token === null ? (expiresIn === null ? null : clock + expiresIn) : token.expiresAt;
      token = { state: decision.to, expiresAt };
    }
  }
  return seen;
}

const runs = fc.record({
  policy: fc.constantFrom(...PRESETS),
  steps: fc.array(step, { minLength: 1, maxLength: 30 }),
  start: fc.integer({ min: T0 - 400 * DAY, max: T0 + 400 * DAY }),
});

const cell = (policy: LifecyclePolicy, from: TransitionSource, operation: LifecycleOperation) =>
  policy.table[from][operation];

describe('lifecycle transitions over random operation sequences', () => {
  it('never leaves deleted', () => {
    fc.assert(
      fc.property(runs, ({ policy, steps, start }) => {
        let deleted = false;
        for (const { before, decision } of run(policy, steps, start)) {
          if (deleted) {
            expect(before?.state).toBe('deleted');
            expect(decision.allowed).toBe(false);
          }
          if (decision.allowed && decision.to === 'deleted') deleted = true;
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('names a built-in code in every denial, and decides from the derived status', () => {
    fc.assert(
      fc.property(runs, ({ policy, steps, start }) => {
        for (const { before, now, operation, decision } of run(policy, steps, start)) {
          expect(decision.from).toBe(before === null ? 'none' : statusOf(before, now));
          if (!decision.allowed) {
            expect(decision.operation).toBe(operation);
            expect(TRANSITION_DENIAL_CODES).toContain(decision.code);
          }
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('under the default seed lifecycle, moves inactive only to deleted', () => {
    expect(createPolicy().lifecycle).toBe(SEED_LIFECYCLE);
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: T0 - 400 * DAY, max: T0 + 400 * DAY }),
        (steps, start) => {
          for (const { decision } of run(SEED_LIFECYCLE, steps, start)) {
            if (decision.from === 'inactive' && decision.allowed) expect(decision.to).toBe('deleted');
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('treats expired as delete-only in every preset', () => {
    fc.assert(
      fc.property(runs, ({ policy, steps, start }) => {
        for (const { operation, decision } of run(policy, steps, start)) {
          if (decision.from !== 'expired') continue;
          if (operation === 'delete') expect(decision).toMatchObject({ allowed: true, to: 'deleted' });
          else
            expect(decision).toMatchObject({
              allowed: false,
              code: operation === 'create' ? 'TOKEN_ALREADY_EXISTS' : 'EXPIRED_IS_DELETE_ONLY',
            });
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('each preset on a single token at a random time', () => {
  const token = fc.record({
    state: fc.constantFrom<TokenState>('active', 'inactive', 'deleted'),
    expiresAt: fc.option(fc.integer({ min: T0 - 400 * DAY, max: T0 + 400 * DAY }), { nil: null }),
  });
  const now = fc.integer({ min: T0 - 400 * DAY, max: T0 + 400 * DAY });

  it('docker-hub-current reactivates and edits an inactive token that has not expired', () => {
    fc.assert(
      fc.property(token, now, (t, at) => {
        const inactive = { ...t, state: 'inactive' as const };
        const expired = statusOf(inactive, at) === 'expired';
        const reactivate = decideTransition(DOCKER_HUB_CURRENT_LIFECYCLE, inactive, 'reactivate', at);
        const update = decideTransition(DOCKER_HUB_CURRENT_LIFECYCLE, inactive, 'update', at);
        if (expired) {
          expect(reactivate).toMatchObject({ allowed: false, code: 'EXPIRED_IS_DELETE_ONLY' });
          expect(update).toMatchObject({ allowed: false, code: 'EXPIRED_IS_DELETE_ONLY' });
        } else {
          expect(reactivate).toEqual({ allowed: true, from: 'inactive', to: 'active' });
          expect(update).toEqual({ allowed: true, from: 'inactive', to: 'inactive' });
        }
      }),
    );
  });

  it('deactivate-before-delete denies delete from active but allows it from inactive and expired', () => {
    fc.assert(
      fc.property(token, now, (t, at) => {
        const decision = decideTransition(DEACTIVATE_BEFORE_DELETE_LIFECYCLE, t, 'delete', at);
        const from = statusOf(t, at);
        if (from === 'active')
          expect(decision).toEqual({ allowed: false, from, operation: 'delete', code: 'DEACTIVATE_BEFORE_DELETE' });
        else if (from === 'deleted') expect(decision).toMatchObject({ allowed: false, code: 'DELETED_IS_FINAL' });
        else expect(decision).toEqual({ allowed: true, from, to: 'deleted' });
      }),
    );
  });

  it('seed denies everything but delete on an inactive token, naming INACTIVE_IS_DELETE_ONLY', () => {
    fc.assert(
      fc.property(
        token,
        now,
        fc.constantFrom<LifecycleOperation>('update', 'deactivate', 'reactivate'),
        (t, at, operation) => {
          const inactive = { ...t, state: 'inactive' as const };
          const code = statusOf(inactive, at) === 'expired' ? 'EXPIRED_IS_DELETE_ONLY' : 'INACTIVE_IS_DELETE_ONLY';
          expect(decideTransition(SEED_LIFECYCLE, inactive, operation, at)).toMatchObject({ allowed: false, code });
        },
      ),
    );
  });
});

// The full tables, pinned: docs/lifecycle.md shows exactly these.
const ALLOW = (state: TokenState) => ({ to: state });
const DENY = (code: string) => ({ deny: code });
const NONE = [
  ALLOW('active'),
  DENY('TOKEN_NOT_FOUND'),
  DENY('TOKEN_NOT_FOUND'),
  DENY('TOKEN_NOT_FOUND'),
  DENY('TOKEN_NOT_FOUND'),
];
const EXPIRED = [
  DENY('TOKEN_ALREADY_EXISTS'),
  ...Array.from({ length: 3 }, () => DENY('EXPIRED_IS_DELETE_ONLY')),
  ALLOW('deleted'),
];
const DELETED = [DENY('TOKEN_ALREADY_EXISTS'), ...Array.from({ length: 4 }, () => DENY('DELETED_IS_FINAL'))];
const ACTIVE = [
  DENY('TOKEN_ALREADY_EXISTS'),
  ALLOW('active'),
  ALLOW('inactive'),
  DENY('ALREADY_ACTIVE'),
  ALLOW('deleted'),
];
const INACTIVE_DELETE_ONLY = [
  DENY('TOKEN_ALREADY_EXISTS'),
  ...Array.from({ length: 3 }, () => DENY('INACTIVE_IS_DELETE_ONLY')),
  ALLOW('deleted'),
];

const EXPECTED: Record<string, Record<TransitionSource, ReadonlyArray<object>>> = {
  seed: { none: NONE, active: ACTIVE, inactive: INACTIVE_DELETE_ONLY, expired: EXPIRED, deleted: DELETED },
  'docker-hub-current': {
    none: NONE,
    active: ACTIVE,
    inactive: [
      DENY('TOKEN_ALREADY_EXISTS'),
      ALLOW('inactive'),
      DENY('ALREADY_INACTIVE'),
      ALLOW('active'),
      ALLOW('deleted'),
    ],
    expired: EXPIRED,
    deleted: DELETED,
  },
  'deactivate-before-delete': {
    none: NONE,
    active: [...ACTIVE.slice(0, 4), DENY('DEACTIVATE_BEFORE_DELETE')],
    inactive: INACTIVE_DELETE_ONLY,
    expired: EXPIRED,
    deleted: DELETED,
  },
};

describe('the preset tables', () => {
  it.each(PRESETS.map((p) => [p.name, p] as const))('%s is complete, frozen and as documented', (name, policy) => {
    expect(Object.keys(LIFECYCLE_PRESETS)).toContain(name);
    expect(Object.isFrozen(policy.table)).toBe(true);
    for (const from of SOURCES) {
      expect(Object.isFrozen(policy.table[from])).toBe(true);
      expect(LIFECYCLE_OPERATIONS.map((op) => cell(policy, from, op))).toEqual(EXPECTED[name]?.[from]);
    }
  });

  it('accepts a custom table through createPolicy and decides with it', () => {
    const strict: LifecyclePolicy<TransitionDenialCode | 'NO_EDITS'> = {
      name: 'no-edits',
      table: { ...SEED_LIFECYCLE.table, active: { ...SEED_LIFECYCLE.table.active, update: { deny: 'NO_EDITS' } } },
    };
    const policy = createPolicy({ lifecycle: strict });
    expect(decideTransition(policy.lifecycle, { state: 'active', expiresAt: null }, 'update', T0)).toEqual({
      allowed: false,
      from: 'active',
      operation: 'update',
      code: 'NO_EDITS',
    });
  });

  it('refuses a custom table with a missing or malformed cell, or one that leaves deleted, as MISCONFIGURED', () => {
    const broken: ReadonlyArray<unknown> = [
      { ...SEED_LIFECYCLE.table, expired: undefined },
      { ...SEED_LIFECYCLE.table, active: { ...SEED_LIFECYCLE.table.active, delete: undefined } },
      { ...SEED_LIFECYCLE.table, active: { ...SEED_LIFECYCLE.table.active, delete: { to: 'gone' } } },
      { ...SEED_LIFECYCLE.table, active: { ...SEED_LIFECYCLE.table.active, update: { deny: '' } } },
      // Codes are UPPER_SNAKE like every other code of the library: a kebab-case rule of 0.x is refused, not passed on.
      { ...SEED_LIFECYCLE.table, active: { ...SEED_LIFECYCLE.table.active, update: { deny: 'no-edits' } } },
      { ...SEED_LIFECYCLE.table, active: { ...SEED_LIFECYCLE.table.active, update: { deny: 'NO__EDITS' } } },
      { ...SEED_LIFECYCLE.table, active: { ...SEED_LIFECYCLE.table.active, update: { deny: 'NO_EDITS_' } } },
      { ...SEED_LIFECYCLE.table, deleted: { ...SEED_LIFECYCLE.table.deleted, reactivate: { to: 'active' } } },
    ];
    for (const table of broken) {
      let thrown: unknown;
      try {
        createPolicy({ lifecycle: { name: 'broken', table: table as LifecyclePolicy<string>['table'] } });
      } catch (error) {
        thrown = error;
      }
      expect(isOatError(thrown) && thrown.code).toBe('MISCONFIGURED');
    }
    for (const name of ['nope', 'toString', '__proto__']) {
      expect(() => createPolicy({ lifecycle: name as 'seed' })).toThrow(
        expect.objectContaining({ code: 'MISCONFIGURED' }),
      );
    }
  });
});
