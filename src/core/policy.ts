import { OatError } from '../errors.js';
import { createTokenFormat, type TokenFormat } from './format.js';
import { foldAsciiCase } from './ids.js';
import { addDurationUtc, type CalendarDuration } from './instant.js';
import { isTokenLifetimeDays } from './lifetime.js';
import {
  LIFECYCLE_PRESETS,
  checkLifecyclePolicy,
  type LifecyclePolicy,
  type LifecyclePresetName,
} from './lifecycle.js';
import { DOCKER_HUB_PLANS, type PlanLimits, type PlanTable } from './quota.js';
import { createScopeCatalog, DEFAULT_SCOPE_CATALOG, type ScopeCatalog, type ScopeDefinition } from './scopes.js';

const DURATION_UNITS: ReadonlyArray<string> = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'];

/**
 * Every setting the policy engine decides with. Build with {@link createPolicy}.
 * Deeply frozen and owns all of its parts, so one policy can be shared by any
 * number of concurrent requests.
 */
export interface TokenPolicy {
  /** The lifecycle table; a custom one may deny with codes of its own, so its decisions carry `string` codes here. */
  readonly lifecycle: LifecyclePolicy<string>;
  readonly plans: PlanTable;
  readonly catalog: ScopeCatalog;
  /** Most repository grants per token, not counting `*\/*\/public`. */
  readonly maxRepositoryGrants: number;
  /** How far ahead a custom expiry may be set, counted in UTC from the time of the request. */
  readonly maxExpiry: CalendarDuration;
  /** Default lifetime cap in days for organizations whose profile sets none; `null`: no cap. */
  readonly maxTokenLifetimeDays: number | null;
  readonly format: TokenFormat;
}

/** Options for {@link createPolicy}; every one has Docker Hub's default. */
export interface PolicyOptions {
  /** A preset name or a custom policy (checked, then copied and frozen; see `checkLifecyclePolicy`). Default `seed`. */
  readonly lifecycle?: LifecyclePresetName | LifecyclePolicy<string>;
  /**
   * Plan table. Default: Team 10, Business 100. Keys hold no ASCII upper case (`tokenLimit` folds only `A`-`Z`), or
   * `createPolicy` throws `MISCONFIGURED`.
   */
  readonly plans?: PlanTable;
  /** Scopes added to Docker Hub's catalog. */
  readonly extraScopes?: ReadonlyArray<ScopeDefinition>;
  /** Default 50. */
  readonly maxRepositoryGrants?: number;
  /** The furthest expiry a create request may choose, presets included, counted in UTC. Default one year. */
  readonly maxExpiry?: CalendarDuration;
  /** Lifetime cap in whole days (1 to 366) for organizations whose profile sets none. Default: no cap. */
  readonly maxTokenLifetimeDays?: number | null;
  /** Default `oat_`. */
  readonly tokenPrefix?: string;
}

/**
 * Builds a policy: the seed's lifecycle, Docker Hub's plans, scopes and
 * limits, unless options say otherwise. Throws `MISCONFIGURED` for a bad
 * option.
 *
 * Invariant: the policy copies everything it is given (plans, lifecycle,
 * extra scope definitions, `maxExpiry`) and deep-freezes the copies; each
 * option is read once and the value checked is the value kept. Changing the
 * options object or anything inside it afterwards never changes a decision.
 *
 * @example
 * ```ts
 * const policy = createPolicy({ lifecycle: 'docker-hub-current', tokenPrefix: 'dckr_oat_' });
 * ```
 */
export function createPolicy(options: PolicyOptions = {}): TokenPolicy {
  const chosen = options.lifecycle;
  const lifecycle =
    typeof chosen === 'string'
      ? Object.hasOwn(LIFECYCLE_PRESETS, chosen)
        ? LIFECYCLE_PRESETS[chosen]
        : undefined
      : chosen === undefined
        ? LIFECYCLE_PRESETS.seed
        : checkLifecyclePolicy(chosen);
  if (lifecycle === undefined) {
    throw new OatError('MISCONFIGURED', `Unknown lifecycle preset "${String(options.lifecycle)}"`, {
      context: { field: 'lifecycle' },
    });
  }
  const maxRepositoryGrants = options.maxRepositoryGrants ?? 50;
  if (!Number.isInteger(maxRepositoryGrants) || maxRepositoryGrants < 1) {
    throw new OatError('MISCONFIGURED', 'maxRepositoryGrants must be a positive integer', {
      context: { field: 'maxRepositoryGrants' },
    });
  }
  const plans = options.plans === undefined ? DOCKER_HUB_PLANS : copyPlans(options.plans);
  // Copied before it is checked: what is checked is what is kept.
  const units = Object.entries((options.maxExpiry ?? { years: 1 }) as Record<string, unknown>);
  const maxExpiry: CalendarDuration = Object.freeze(Object.fromEntries(units));
  if (
    units.length === 0 ||
    !units.every(([unit, n]) => DURATION_UNITS.includes(unit) && Number.isInteger(n) && (n as number) >= 0) ||
    !units.some(([, n]) => (n as number) > 0)
  ) {
    throw new OatError('MISCONFIGURED', `maxExpiry must be a positive duration of whole ${DURATION_UNITS.join(', ')}`, {
      context: { field: 'maxExpiry' },
    });
  }
  // A duration so long that the date overflows would switch the bound off; 100 years is more than any token needs.
  const reach = addDurationUtc(0, maxExpiry);
  if (!Number.isFinite(reach) || reach > addDurationUtc(0, { years: 100 })) {
    throw new OatError('MISCONFIGURED', 'maxExpiry must be at most 100 years', { context: { field: 'maxExpiry' } });
  }
  const maxTokenLifetimeDays = options.maxTokenLifetimeDays ?? null;
  if (maxTokenLifetimeDays !== null && !isTokenLifetimeDays(maxTokenLifetimeDays)) {
    throw new OatError('MISCONFIGURED', 'maxTokenLifetimeDays must be a whole number of days from 1 to 366', {
      context: { field: 'maxTokenLifetimeDays' },
    });
  }
  return Object.freeze({
    lifecycle,
    plans,
    catalog: options.extraScopes === undefined ? DEFAULT_SCOPE_CATALOG : createScopeCatalog(options.extraScopes),
    maxRepositoryGrants,
    maxExpiry,
    maxTokenLifetimeDays,
    format: createTokenFormat(options.tokenPrefix === undefined ? {} : { prefix: options.tokenPrefix }),
  });
}

/** A frozen copy of a plan table, each limit read once; throws `MISCONFIGURED` for a bad plan. */
function copyPlans(table: unknown): PlanTable {
  const misconfigured = (message: string): OatError =>
    new OatError('MISCONFIGURED', message, { context: { field: 'plans' } });
  if (typeof table !== 'object' || table === null)
    throw misconfigured('plans must be an object of plan name to { maxTokens }');
  const copy = Object.entries(table).map(([plan, limits]): [string, PlanLimits] => {
    const maxTokens: unknown = (limits as Partial<PlanLimits> | null)?.maxTokens;
    // The fold of the lookups (tokenLimit): a name it changes could never be found, and one String#toLowerCase
    // changes but it does not (`\u212A`, `É`) is found as given.
    if (plan !== foldAsciiCase(plan) || !Number.isInteger(maxTokens) || (maxTokens as number) < 0) {
      throw misconfigured(
        `Plan "${plan}" needs a name without ASCII upper-case letters and a non-negative integer maxTokens`,
      );
    }
    return [plan, Object.freeze({ maxTokens: maxTokens as number })];
  });
  // fromEntries defines own properties, so a plan named "__proto__" stays a plan and never becomes a prototype.
  return Object.freeze(Object.fromEntries(copy));
}

/** The default policy: seed lifecycle, Docker Hub plans and scopes, prefix `oat_`. */
export const DEFAULT_POLICY: TokenPolicy = createPolicy();
