import { foldAsciiCase } from './ids.js';

/** What a plan allows. */
export interface PlanLimits {
  /** Most non-deleted organization access tokens; 0 means the plan has none. */
  readonly maxTokens: number;
}

/** Plans by name (lower case). A plan that is not listed allows no organization tokens. */
export type PlanTable = Readonly<Record<string, PlanLimits>>;

/** Docker Hub's plans: Team up to 10 tokens, Business up to 100; any other plan has none. */
export const DOCKER_HUB_PLANS: PlanTable = Object.freeze({
  team: Object.freeze({ maxTokens: 10 }),
  business: Object.freeze({ maxTokens: 100 }),
});

/** The token limit of a plan under a table; 0 for a plan that is not listed. */
export function tokenLimit(plans: PlanTable, plan: string): number {
  const key = foldAsciiCase(plan);
  const limits = Object.hasOwn(plans, key) ? plans[key] : undefined;
  return limits?.maxTokens ?? 0;
}

/** True when a plan allows organization tokens at all (its limit is above 0). */
export function isPlanEligible(plans: PlanTable, plan: string): boolean {
  return tokenLimit(plans, plan) > 0;
}
