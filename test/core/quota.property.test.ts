import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlanTable, TokenState } from '../../src/index.js';
import { DOCKER_HUB_PLANS, countTowardQuota, evaluateQuota, statusOf, tokenLimit } from '../../src/index.js';

const NOW = Date.UTC(2025, 2, 1);
const stored = fc.record({
  state: fc.constantFrom<TokenState>('active', 'inactive', 'deleted'),
  expiresAt: fc.option(fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2026, 0, 1) }), { nil: null }),
});
const caseOf = (name: string) => fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((up) => [...name].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));

describe('countTowardQuota', () => {
  it('counts every token not deleted: active, inactive and expired alike', () => {
    fc.assert(
      fc.property(fc.array(stored, { maxLength: 40 }), (tokens) => {
        const statuses = tokens.map((t) => statusOf(t, NOW));
        expect(countTowardQuota(tokens)).toBe(statuses.filter((s) => s === 'active' || s === 'inactive' || s === 'expired').length);
        expect(countTowardQuota(tokens)).toBe(tokens.length - statuses.filter((s) => s === 'deleted').length);
      }),
    );
  });

  it('takes any iterable', () => {
    const states: TokenState[] = ['active', 'deleted', 'inactive'];
    expect(countTowardQuota(new Set(states.map((state) => ({ state }))))).toBe(2);
    expect(countTowardQuota([])).toBe(0);
  });
});

describe("tokenLimit and evaluateQuota under Docker Hub's plans", () => {
  it('gives Team 10 and Business 100, whatever the case of the plan name', () => {
    fc.assert(
      fc.property(caseOf('team'), caseOf('business'), (team, business) => {
        expect(tokenLimit(DOCKER_HUB_PLANS, team)).toBe(10);
        expect(tokenLimit(DOCKER_HUB_PLANS, business)).toBe(100);
      }),
      { numRuns: 50 },
    );
  });

  it('denies at or above the limit with QUOTA_EXCEEDED and the numbers, allows below', () => {
    fc.assert(
      fc.property(fc.constantFrom('team', 'business', 'Team'), fc.integer({ min: 0, max: 250 }), (plan, count) => {
        const limit = tokenLimit(DOCKER_HUB_PLANS, plan);
        const decision = evaluateQuota(DOCKER_HUB_PLANS, plan, count);
        if (count >= limit) expect(decision).toEqual({ allowed: false, code: 'QUOTA_EXCEEDED', limit, count });
        else expect(decision).toEqual({ allowed: true, limit, count });
      }),
    );
  });

  it('refuses plans that are not listed, inherited object keys included, as PLAN_NOT_ELIGIBLE', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.constantFrom('free', 'pro', 'personal', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty')),
        fc.nat({ max: 200 }),
        (plan, count) => {
          fc.pre(!['team', 'business'].includes(plan.toLowerCase()));
          expect(tokenLimit(DOCKER_HUB_PLANS, plan)).toBe(0);
          expect(evaluateQuota(DOCKER_HUB_PLANS, plan, count)).toEqual({ allowed: false, code: 'PLAN_NOT_ELIGIBLE', limit: 0, count });
        },
      ),
    );
  });
});

describe('a caller-replaced plan table', () => {
  const table = fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.record({ maxTokens: fc.nat({ max: 500 }) }), { maxKeys: 5 });

  it('is honoured: its limits, and nothing from the default table', () => {
    fc.assert(
      fc.property(table, fc.nat({ max: 600 }), (plans: PlanTable, count) => {
        for (const [plan, { maxTokens }] of Object.entries(plans)) {
          expect(tokenLimit(plans, plan)).toBe(maxTokens);
          const decision = evaluateQuota(plans, plan, count);
          if (maxTokens === 0) expect(decision).toEqual({ allowed: false, code: 'PLAN_NOT_ELIGIBLE', limit: 0, count });
          else if (count >= maxTokens) expect(decision).toEqual({ allowed: false, code: 'QUOTA_EXCEEDED', limit: maxTokens, count });
          else expect(decision).toEqual({ allowed: true, limit: maxTokens, count });
        }
        for (const plan of ['team', 'business']) {
          if (!Object.hasOwn(plans, plan)) expect(evaluateQuota(plans, plan, 0)).toMatchObject({ allowed: false, code: 'PLAN_NOT_ELIGIBLE' });
        }
      }),
    );
  });

  it('is monotone: one more token never turns a denial into an allowance', () => {
    fc.assert(
      // The plan is drawn from the table (or an unknown name now and then), so limits above 0 are the common case.
      fc.property(
        table.chain((plans: PlanTable) => fc.tuple(fc.constant(plans), fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...Object.keys(plans), 'unlisted') }, { weight: 1, arbitrary: fc.string() }))),
        fc.nat({ max: 600 }),
        ([plans, plan], count) => {
          if (!evaluateQuota(plans, plan, count).allowed) expect(evaluateQuota(plans, plan, count + 1).allowed).toBe(false);
          else expect(evaluateQuota(plans, plan, count - 1 < 0 ? 0 : count - 1).allowed).toBe(true);
        },
      ),
    );
  });
});
