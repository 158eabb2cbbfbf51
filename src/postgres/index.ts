/**
 * org-access-tokens/postgres: a `TokenStore` on PostgreSQL through
 * node-postgres (`pg`, a peer dependency: the caller creates and owns the
 * `Pool`). Run {@link migrate} once, then pass the store to
 * `createTokenService`.
 *
 * @packageDocumentation
 * @module org-access-tokens/postgres
 */
export { createPostgresTokenStore } from './store.js';
export type { PostgresTokenStoreOptions } from './store.js';
export { migrate } from './migrate.js';
export { createPostgresRateLimiter } from './rate-limiter.js';
export type { PostgresRateLimiterOptions } from './rate-limiter.js';
export type { MigrateOptions } from './migrate.js';
export { checkQuotaCounters } from './counters.js';
export type { CheckQuotaCountersOptions } from './counters.js';
export type { QuotaCounterMismatch, QuotaCounterReport } from '../service/quota-counters.js';
export { POSTGRES_MIGRATION_SQL, SCHEMA_VERSION, migrationSql } from './sql.js';
