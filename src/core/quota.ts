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

/** Every reason {@link evaluateQuota} refuses one more token. */
export const QUOTA_DENIAL_CODES = Object.freeze(['PLAN_NOT_ELIGIBLE', 'QUOTA_EXCEEDED'] as const);

/** Why one more token does not fit: the plan has none, or the organization holds its limit. */
export type QuotaDenialCode = (typeof QUOTA_DENIAL_CODES)[number];

/** The outcome of {@link evaluateQuota}. */
export type QuotaDecision =
  | { readonly allowed: true; readonly limit: number; readonly count: number }
  | { readonly allowed: false; readonly code: QuotaDenialCode; readonly limit: number; readonly count: number };

/**
 * Decides whether one more token fits. `count` is every non-deleted token of
 * the organization: inactive and expired tokens count until deleted.
 *
 * @example
 * ```ts
 * evaluateQuota(DOCKER_HUB_PLANS, 'team', 10); // { allowed: false, code: 'QUOTA_EXCEEDED', limit: 10, count: 10 }
 * ```
 */
export function evaluateQuota(plans: PlanTable, plan: string, count: number): QuotaDecision {
  const limit = tokenLimit(plans, plan);
  if (limit <= 0) return { allowed: false, code: 'PLAN_NOT_ELIGIBLE', limit, count };
  if (count >= limit) return { allowed: false, code: 'QUOTA_EXCEEDED', limit, count };
  return { allowed: true, limit, count };
}

/** Counts the tokens that take up quota: every token not deleted. */
export function countTowardQuota(tokens: Iterable<{ readonly state: string }>): number {
  let n = 0;
  for (const t of tokens) if (t.state !== 'deleted') n++;
  return n;
}
