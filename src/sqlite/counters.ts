import type Database from 'better-sqlite3';
import { OatError } from '../errors.js';
import { repairRequested, type QuotaCounterMismatch, type QuotaCounterReport } from '../service/quota-counters.js';
import { requireConnection, setupFailure } from './faults.js';
import { SCHEMA_VERSION } from './schema.js';
import { readSchemaVersion, refuseUnknownVersion } from './version.js';

/** Options of {@link checkQuotaCounters}. */
export interface CheckQuotaCountersOptions {
  /**
   * Set every mismatched counter to its organization's live count, in the same transaction as the check. Default
   * `false`.
   */
  readonly repair?: boolean;
}

const SQL = {
  tables: `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('oat_tokens', 'oat_org_counters')`,
  checked:
    `SELECT count(*) FROM (SELECT organization FROM oat_org_counters UNION SELECT organization_id FROM ` +
    `oat_tokens)`,
  mismatches: `WITH live AS (SELECT organization_id AS organization,
    count(*) AS live FROM oat_tokens WHERE state <> 'deleted' GROUP BY organization_id)
               SELECT o.organization AS organizationId, coalesce(c.live, 0) AS counted, coalesce(l.live, 0) AS live
               FROM (SELECT organization FROM oat_org_counters UNION SELECT organization_id FROM oat_tokens) AS o
               LEFT JOIN oat_org_counters AS c ON c.organization = o.organization
               LEFT JOIN live AS l ON l.organization = o.organization
               WHERE coalesce(c.live, 0) <> coalesce(l.live, 0)
               ORDER BY o.organization`,
  repair:
    `INSERT INTO oat_org_counters (organization, live) VALUES (?, ?) ON CONFLICT (organization) DO ` +
    `UPDATE SET live = excluded.live`,
} as const;

/**
 * Checks every organization's quota counter (`oat_org_counters.live`)
 * against its non-deleted rows in `oat_tokens`, and with `repair: true` sets
 * each mismatched counter to the live count.
 *
 * Invariant: the triggers of the schema keep the two equal through every
 * write, so a mismatch means the counters or the rows were edited with the
 * triggers off or dropped, or one table was restored without the other. The
 * quota guard reads the counter: a counter below the live count lets an
 * organization past its limit, one above it refuses creates it should allow.
 *
 * Concurrency: a check reads one snapshot (a deferred transaction; in WAL it
 * never blocks writers). A repair checks and writes in one `BEGIN IMMEDIATE`
 * transaction: it waits for the write lock for up to the connection's
 * `busy_timeout`, and no create, delete or other repair on any connection can
 * commit between what it counted and what it wrote. Rejects with
 * `VALIDATION_FAILED` naming `repair` when it is not a boolean,
 * `MISCONFIGURED` when the schema is missing or its version older, newer or unknown,
 * and `STORE_FAILURE` (SQLite code in `context.driverCode`) for a driver
 * fault, such as `SQLITE_BUSY` past the timeout, in which case nothing was
 * repaired.
 *
 * @example
 * ```ts
 * const report = await checkQuotaCounters(db);
 * if (report.mismatches.length > 0) await checkQuotaCounters(db, { repair: true });
 * ```
 */
export function checkQuotaCounters(
  db: Database.Database,
  options?: CheckQuotaCountersOptions,
): Promise<QuotaCounterReport> {
  try {
    requireConnection(db, 'checkQuotaCounters');
    const repair = repairRequested(options);
    const version = readSchemaVersion(db);
    refuseUnknownVersion(version, 'checkQuotaCounters');
    if (Number(db.prepare(SQL.tables).pluck().get()) !== 2) {
      throw new OatError(
        'MISCONFIGURED',
        'SQLite token store: checkQuotaCounters: the token tables are missing (run migrate(db))',
        { context: { operation: 'checkQuotaCounters' } },
      );
    }
    if (version !== SCHEMA_VERSION) {
      throw new OatError(
        'MISCONFIGURED',
        `database schema version ${version} is older than this library's ${SCHEMA_VERSION} (run migrate(db))`,
        {
          context: { operation: 'checkQuotaCounters', databaseVersion: version, libraryVersion: SCHEMA_VERSION },
        },
      );
    }
    // Numbers even on a connection that reads integers as bigint: counts never come near 2^53.
    const checked = db.prepare(SQL.checked).pluck().safeIntegers(false);
    const mismatched = db.prepare(SQL.mismatches).safeIntegers(false);
    const fix = db.prepare(SQL.repair);
    const run = db.transaction((): QuotaCounterReport => {
      const mismatches = (mismatched.all() as QuotaCounterMismatch[]).map((row) =>
        Object.freeze({ organizationId: row.organizationId, counted: row.counted, live: row.live }),
      );
      if (repair) for (const { organizationId, live } of mismatches) fix.run(organizationId, live);
      return Object.freeze({
        checked: Number(checked.get()),
        mismatches: Object.freeze(mismatches),
        repaired: repair && mismatches.length > 0,
      });
    });
    return Promise.resolve(repair ? run.immediate() : run.deferred());
  } catch (error) {
    return Promise.reject(error instanceof OatError ? error : setupFailure('checkQuotaCounters', error));
  }
}
