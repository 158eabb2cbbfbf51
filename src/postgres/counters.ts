import type { Pool } from 'pg';
import { repairRequested, type QuotaCounterReport } from '../service/quota-counters.js';
import { storeFault } from './faults.js';
import { readSchemaState, usableRefusal } from './schema-version.js';
import { inTransaction } from './session.js';
import { DEFAULT_SCHEMA, counterStatements } from './sql.js';

/** Options of {@link checkQuotaCounters}. */
export interface CheckQuotaCountersOptions {
  /** Set every mismatched counter to the live count. Default `false`: only report. */
  readonly repair?: boolean;
  /** The schema that holds the tables (as for `migrate` and the store). Default `public`. */
  readonly schema?: string;
}

/**
 * Compares every organization's quota counter (`oat_org_quota.live`) with
 * its non-deleted token rows and, with `repair: true`, sets each counter that
 * differs to the live count. The store keeps the two equal by itself; a
 * difference comes from writing the tables by hand or restoring one table
 * without the other, and this is the way back.
 *
 * Invariant: after a repair, every counter equals its live rows, with no
 * create or delete lost. The check is one statement, so it reads the counters
 * and the rows from one snapshot and never reports a create in flight as a
 * mismatch.
 *
 * Concurrency: a repair locks the counter table in `EXCLUSIVE` mode for one
 * short transaction. Every store write that can change a counter writes that
 * table, so creates and deletes wait for the repair (and the repair for those
 * already under way) and none is counted against a stale snapshot; reads,
 * logins and `touchLastUsed` go on. Without `repair` nothing is locked.
 *
 * Rejects with `VALIDATION_FAILED` naming `repair` when it is not a boolean
 * (as the SQLite store does), with `MISCONFIGURED` for a schema the store
 * would refuse (newer, unknown or not migrated) or a bad schema name; a
 * driver fault rejects with `STORE_FAILURE`.
 * Every returned object is frozen.
 *
 * @example
 * ```ts
 * const report = await checkQuotaCounters(pool);
 * if (report.mismatches.length > 0) await checkQuotaCounters(pool, { repair: true });
 * ```
 */
export async function checkQuotaCounters(pool: Pool, options?: CheckQuotaCountersOptions): Promise<QuotaCounterReport> {
  const repair = repairRequested(options);
  const schema = options?.schema ?? DEFAULT_SCHEMA;
  const sql = counterStatements(schema);
  try {
    return await inTransaction(pool, async (client) => {
      const refusal = usableRefusal(await readSchemaState(client, schema), schema);
      if (refusal !== undefined) throw refusal;
      // Taken before the comparison, so its snapshot starts after every write that got in first has committed.
      if (repair) await client.query(sql.lockCounters);
      const { rows } = await client.query<{
        checked: number;
        organization_id: string | null;
        counted: number | null;
        live: number | null;
      }>(sql.compare);
      const mismatches = rows.flatMap((row) =>
        row.organization_id === null
          ? []
          : [
              Object.freeze({
                organizationId: row.organization_id,
                counted: Number(row.counted),
                live: Number(row.live),
              }),
            ],
      );
      const repaired = repair && mismatches.length > 0;
      if (repaired)
        await client.query(sql.setCounters, [mismatches.map((m) => m.organizationId), mismatches.map((m) => m.live)]);
      const report: QuotaCounterReport = {
        checked: rows[0]?.checked ?? 0,
        mismatches: Object.freeze(mismatches),
        repaired,
      };
      return { commit: repaired, value: Object.freeze(report) };
    });
  } catch (error) {
    throw storeFault('checkQuotaCounters', error);
  }
}
