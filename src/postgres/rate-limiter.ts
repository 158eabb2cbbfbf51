import type { Pool } from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import {
  checkBudget,
  fromRateLimiterFlexible,
  type RateLimitBudget,
  type RateLimiter,
} from '../service/rate-limits.js';

/** Options of {@link createPostgresRateLimiter}. */
export interface PostgresRateLimiterOptions extends RateLimitBudget {
  /** The caller's pool; the limiter never ends it. */
  readonly pool: Pool;
  /** Table of the budgets, created if missing. Default `oat_rate_limits`. */
  readonly tableName?: string;
  /** Prefix of every key, so several limiters (failures, tokens) share one table. Default `oat`. */
  readonly keyPrefix?: string;
}

/**
 * A rate limiter whose budgets live in PostgreSQL (rate-limiter-flexible's
 * `RateLimiterPostgres`): every service instance on the same database spends
 * one shared budget per key, atomically (one upsert per call). Resolves once
 * its table exists; rejects with the driver's error when it cannot be made.
 * Throws `MISCONFIGURED` naming a bad budget field. A database fault during a
 * login rejects `consume`, which the service reports to `onError` and lets
 * the login through (see `RateLimits`).
 */
export async function createPostgresRateLimiter(options: PostgresRateLimiterOptions): Promise<RateLimiter> {
  checkBudget(options, 'createPostgresRateLimiter');
  const limiter = await new Promise<RateLimiterPostgres>((resolve, reject) => {
    const made: RateLimiterPostgres = new RateLimiterPostgres(
      {
        storeClient: options.pool,
        storeType: 'pool',
        tableName: options.tableName ?? 'oat_rate_limits',
        keyPrefix: options.keyPrefix ?? 'oat',
        points: options.points,
        duration: options.durationSeconds,
        clearExpiredByTimeout: false,
      },
      (error?: unknown) => (error === undefined || error === null ? resolve(made) : reject(error)),
    );
  });
  return fromRateLimiterFlexible(limiter);
}
