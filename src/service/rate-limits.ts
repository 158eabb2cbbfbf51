import { OatError } from '../errors.js';

/**
 * What a {@link RateLimiter} answers: the cost fits the key's budget, or it
 * does not and the key may try again in `retryAfterMs`.
 */
export type RateLimitDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: 'RATE_LIMITED'; readonly retryAfterMs: number };

/**
 * The rate-limiting port: spends `cost` points of `key`'s budget, or refuses.
 * `cost` 0 only asks: it spends nothing and is refused exactly when the budget
 * is already spent. Keys never carry a secret (the service passes token ids,
 * client addresses and organization names). A fault (a database that is down)
 * is thrown or rejected, never answered as a denial: the service reports it to
 * `onError` and lets the login through (see {@link RateLimits}).
 *
 * Concurrency: an implementation must spend atomically per key, so N
 * concurrent calls on one key admit at most the budget.
 */
export interface RateLimiter {
  /** Spends `cost` points of `key`'s budget (0 only checks it) and says whether the call may go on. */
  consume(key: string, cost: number): RateLimitDecision | Promise<RateLimitDecision>;
}

/**
 * The usage limits `authenticate` applies; each is off while absent.
 *
 * - `failedLoginsPerAddress`: every failed login spends one point of the
 *   client's address (or, without one, of the organization name asked for);
 *   while it is spent, logins from there are refused `RATE_LIMITED` before
 *   any hashing or store lookup. Keyed by address so an attacker failing
 *   logins in an organization's name does not lock that organization out
 *   from elsewhere; logins with no address share the organization's key, so
 *   a host behind a proxy must pass every client's address (`trustProxy`).
 * - `perToken`: every login that finds a token spends one point of that
 *   token's budget (keyed by token id).
 *
 * A limiter that throws fails open: the login goes on as if unlimited and the
 * fault reaches `onError` (`STORE_FAILURE`, `context.reason` `RATE_LIMITER`),
 * so an outage of a shared limiter never locks out every registry login.
 */
export interface RateLimits {
  readonly failedLoginsPerAddress?: RateLimiter;
  readonly perToken?: RateLimiter;
}

/** Budget of a limiter: `points` per `durationSeconds`. */
export interface RateLimitBudget {
  /** Points per window, a positive integer. */
  readonly points: number;
  /** Window length in seconds, a positive integer. */
  readonly durationSeconds: number;
}

/** Throws `MISCONFIGURED` naming the field of a budget that is not positive integers. */
export function checkBudget(budget: RateLimitBudget, where: string): void {
  for (const field of ['points', 'durationSeconds'] as const) {
    const value: unknown = (budget as unknown as Record<string, unknown> | null)?.[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new OatError('MISCONFIGURED', `${where}: ${field} must be a positive integer`, { context: { field } });
    }
  }
}

const ALLOWED: RateLimitDecision = Object.freeze({ allowed: true });
const limited = (ms: number): RateLimitDecision =>
  Object.freeze({ allowed: false, code: 'RATE_LIMITED', retryAfterMs: Math.max(1, Math.ceil(ms)) });

/**
 * What {@link fromRateLimiterFlexible} uses of a rate-limiter-flexible
 * limiter (`RateLimiterMemory`, `RateLimiterPostgres`, `RateLimiterRedis`,
 * ...), spelled out so the public types do not name that package's.
 */
export interface FlexibleLimiter {
  readonly points: number;
  /** Spends points; rejects when the budget is spent (rate-limiter-flexible's contract). */
  consume(key: string, points: number): Promise<unknown>;
  /** The key's current window, or `null` when it has none. */
  get(key: string): Promise<{ readonly consumedPoints: number; readonly msBeforeNext: number } | null>;
}

/**
 * Adapts a rate-limiter-flexible limiter to the {@link RateLimiter} port.
 * Its rejections with a `RateLimiterRes` are denials; any other rejection (a
 * store fault) is rethrown for the caller to report. Atomic per key as the
 * wrapped limiter is.
 */
export function fromRateLimiterFlexible(limiter: FlexibleLimiter): RateLimiter {
  return Object.freeze({
    async consume(key: string, cost: number): Promise<RateLimitDecision> {
      if (cost === 0) {
        const seen = await limiter.get(key);
        return seen !== null && seen.consumedPoints >= limiter.points ? limited(seen.msBeforeNext) : ALLOWED;
      }
      try {
        await limiter.consume(key, cost);
        return ALLOWED;
      } catch (error) {
        // rate-limiter-flexible rejects a spent budget with a plain RateLimiterRes (no Error): told apart by shape, so
        // the main entry need not load the package, whose index also loads its cluster limiter (node:cluster).
        const rest = error as { readonly msBeforeNext?: unknown } | null;
        if (!(error instanceof Error) && typeof rest?.msBeforeNext === 'number') return limited(rest.msBeforeNext);
        throw error;
      }
    },
  });
}

/**
 * A rate limiter held in this process's memory: `points` per
 * `durationSeconds` per key, in fixed windows that start at a key's first
 * spend (as rate-limiter-flexible's `RateLimiterMemory` counts). Each process
 * has its own budget; use `createPostgresRateLimiter` to share one. Throws
 * `MISCONFIGURED` naming a bad field.
 *
 * A refused spend spends nothing: with 3 points, spending 2 then 2 refuses
 * the second, and a following 1 is admitted. rate-limiter-flexible (and so
 * `fromRateLimiterFlexible` and `createPostgresRateLimiter`) counts refused
 * points too and would refuse that 1. With the costs `authenticate` spends (0
 * and 1) both admit and refuse the same calls, since a window's end never
 * moves; they differ only for costs above 1.
 *
 * Concurrency: synchronous per call, so concurrent calls on a key never admit
 * more than the budget.
 *
 * @example
 * ```ts
 * createTokenService({
 *   store,
 *   rateLimits: { failedLoginsPerAddress: createMemoryRateLimiter({ points: 10, durationSeconds: 60 }) },
 * });
 * ```
 */
export function createMemoryRateLimiter(budget: RateLimitBudget): RateLimiter {
  checkBudget(budget, 'createMemoryRateLimiter');
  const windowMs = budget.durationSeconds * 1000;
  const windows = new Map<string, { spent: number; endsAt: number }>();
  return Object.freeze({
    consume(key: string, cost: number): RateLimitDecision {
      const now = Date.now();
      let window = windows.get(key);
      if (window === undefined || window.endsAt <= now) {
        if (cost === 0) return ALLOWED;
        // Keys are per address: drop ended windows now and then, so addresses seen once do not pile up.
        if (windows.size >= SWEEP_AT) for (const [k, w] of windows) if (w.endsAt <= now) windows.delete(k);
        window = { spent: 0, endsAt: now + windowMs };
        windows.set(key, window);
      }
      if (window.spent + cost > budget.points || (cost === 0 && window.spent >= budget.points))
        return limited(window.endsAt - now);
      window.spent += cost;
      return ALLOWED;
    },
  });
}

const SWEEP_AT = 10_000;
