import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlanTable } from '../../src/index.js';
import { DOCKER_HUB_PLANS, isPlanEligible, tokenLimit } from '../../src/index.js';

const caseOf = (name: string) =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((up) => [...name].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));

// Whether one more token fits is the store's guard (insertWithinQuota counts and inserts atomically; see the
// store contract and the race tests); the core gives the limit it is handed and whether a plan has tokens at all.
describe("tokenLimit and isPlanEligible under Docker Hub's plans", () => {
  it('gives Team 10 and Business 100, whatever the case of the plan name', () => {
    fc.assert(
      fc.property(caseOf('team'), caseOf('business'), (team, business) => {
        expect(tokenLimit(DOCKER_HUB_PLANS, team)).toBe(10);
        expect(tokenLimit(DOCKER_HUB_PLANS, business)).toBe(100);
        expect(isPlanEligible(DOCKER_HUB_PLANS, team) && isPlanEligible(DOCKER_HUB_PLANS, business)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('gives plans that are not listed, inherited object keys included, no tokens', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constantFrom('free', 'pro', 'personal', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty'),
        ),
        (plan) => {
          fc.pre(!['team', 'business'].includes(plan.toLowerCase()));
          expect(tokenLimit(DOCKER_HUB_PLANS, plan)).toBe(0);
          expect(isPlanEligible(DOCKER_HUB_PLANS, plan)).toBe(false);
        },
      ),
    );
  });
});

describe('a caller-replaced plan table', () => {
  const table = fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.record({ maxTokens: fc.nat({ max: 500 }) }), {
    maxKeys: 5,
  });

  it(
    'is honoured: its limits, a plan with tokens exactly when its limit is above 0, and nothing from the ' +
      'default table',
    () => {
      fc.assert(
        fc.property(table, (plans: PlanTable) => {
          for (const [plan, { maxTokens }] of Object.entries(plans)) {
            expect(tokenLimit(plans, plan)).toBe(maxTokens);
            expect(isPlanEligible(plans, plan)).toBe(maxTokens > 0);
          }
          for (const plan of ['team', 'business']) {
            if (!Object.hasOwn(plans, plan)) expect(isPlanEligible(plans, plan)).toBe(false);
          }
        }),
      );
    },
  );
});
