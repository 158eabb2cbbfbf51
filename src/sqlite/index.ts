/**
 * `org-access-tokens/sqlite`: a `TokenStore` on better-sqlite3 (an
 * optional peer dependency, `^12`). This entry imports better-sqlite3 only as
 * a type: the caller opens the database and passes it in.
 *
 * @packageDocumentation
 * @module org-access-tokens/sqlite
 */
export { SCHEMA_VERSION, SQLITE_SCHEMA_OBJECTS, SQLITE_SCHEMA_SQL } from './schema.js';
export { DEFAULT_BUSY_TIMEOUT_MS, migrate } from './migrate.js';
export { createSqliteTokenStore } from './store.js';
export type { SqliteTokenStoreOptions } from './store.js';
export { checkQuotaCounters } from './counters.js';
export type { CheckQuotaCountersOptions } from './counters.js';
export type { QuotaCounterMismatch, QuotaCounterReport } from '../service/quota-counters.js';
