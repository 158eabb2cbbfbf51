import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { isOatError } from '../../src/errors.js';
import { migrate } from '../../src/postgres/index.js';

/**
 * Where the PostgreSQL tests connect. Outside CI they skip without it; under
 * `CI=true` they run and fail, so a CI that forgot to start the server cannot
 * pass by skipping the only proof of the quota invariant on a real database.
 */
export const PG_URL = process.env.OAT_TEST_PG_URL ?? '';

const HOW_TO_RUN =
  'Start a throwaway server and run them with: eval "$(bash .ci/postgres.sh start)" && npx vitest run ' +
  'test/postgres; bash .ci/postgres.sh stop';

/** True when the PostgreSQL tests skip: no `OAT_TEST_PG_URL` and not under CI. */
export const skipPostgres = PG_URL === '' && process.env.CI !== 'true';

if (skipPostgres) console.warn(`PostgreSQL tests skipped: OAT_TEST_PG_URL is not set. ${HOW_TO_RUN}`);

/** The connection string, or a failure that says how to provide it (reached only under CI without a server). */
export function requirePgUrl(): string {
  if (PG_URL === '')
    throw new Error(`OAT_TEST_PG_URL is not set and CI=true: the PostgreSQL tests must run in CI. ${HOW_TO_RUN}`);
  return PG_URL;
}

/** Session settings a test gives its pool: a name to find its sessions by in pg_stat_activity, or `-c` options. */
export type PoolSettings = Pick<pg.PoolConfig, 'application_name' | 'options'>;

/** A pool on the test database; the caller ends it. */
export function openPool(max = 5, settings: PoolSettings = {}): pg.Pool {
  const pool = new pg.Pool({ ...settings, connectionString: requirePgUrl(), max });
  // An idle client that loses its server emits here; without a listener Node would crash the run.
  pool.on('error', () => undefined);
  return pool;
}

let schemas = 0;

/** A schema name no other test file or process uses, migrated and empty. */
export async function freshSchema(pool: pg.Pool, label: string): Promise<string> {
  const schema = `t_${label}_${process.pid}_${++schemas}`;
  await migrate(pool, { schema });
  return schema;
}

/** Drops a schema made by {@link freshSchema}. */
export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** A test file's pool and its migrated schema. */
export interface SchemaFixture {
  readonly pool: pg.Pool;
  readonly schema: string;
}

/** Options of {@link useFreshSchema}. */
export interface FreshSchemaOptions {
  /** Pool size. */
  readonly connections: number;
  /** Truncate both tables before each test, so every test starts empty. */
  readonly emptyBeforeEach?: boolean;
}

/**
 * Registers, in the calling `describe`, a `beforeAll` that opens a pool and
 * migrates a {@link freshSchema} (handing both to `ready`), and an `afterAll`
 * that drops the schema and ends the pool, even when `beforeAll` failed half
 * way.
 */
export function useFreshSchema(
  label: string,
  options: FreshSchemaOptions,
  ready: (fixture: SchemaFixture) => void,
): void {
  let pool: pg.Pool | undefined;
  let schema: string | undefined;
  beforeAll(async () => {
    pool = openPool(options.connections);
    schema = await freshSchema(pool, label);
    ready({ pool, schema });
  });
  if (options.emptyBeforeEach === true) {
    beforeEach(async () => {
      if (pool !== undefined && schema !== undefined) await truncate(pool, schema);
    });
  }
  afterAll(async () => {
    if (pool === undefined) return;
    if (schema !== undefined) await dropSchema(pool, schema);
    await pool.end();
  });
}

/**
 * What `promise` rejected with: an `OatError` as its `name`, `code`, `message`
 * and `context` (what a test compares), anything else as it came. Throws when
 * the promise resolves.
 */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return isOatError(error)
      ? { name: error.name, code: error.code, message: error.message, context: error.context }
      : error;
  }
  throw new Error('expected a rejection');
}

/** Empties both tables of a schema: a clean slate for the next test. */
export async function truncate(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`TRUNCATE "${schema}".oat_tokens, "${schema}".oat_org_quota, "${schema}".oat_rotated_secrets`);
}

/** What the database holds for one organization, read directly (not through the store). */
export interface OrganizationState {
  /** Rows not in state `deleted`. */
  readonly live: number;
  /** `oat_org_quota.live`, or `null` when the organization has no quota row. */
  readonly counter: number | null;
  /** Every row, deleted ones included. */
  readonly rows: number;
}

/** Counts an organization's rows and reads its quota counter. */
export async function organizationState(
  pool: pg.Pool,
  schema: string,
  organization: string,
): Promise<OrganizationState> {
  const { rows } = await pool.query<{ live: number; rows: number; counter: number | null }>(
    `SELECT (SELECT count(*) FILTER (WHERE state <> 'deleted') FROM "${schema}".oat_tokens WHERE organization =
      $1)::integer AS live,
            (SELECT count(*) FROM "${schema}".oat_tokens WHERE organization = $1)::integer AS rows,
            (SELECT live FROM "${schema}".oat_org_quota WHERE organization = $1) AS counter`,
    [organization],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('organizationState: no row');
  return row;
}

/** How long {@link waitForLockWait} waits: well inside the test timeout, so the callers' `finally` blocks still run. */
const LOCK_WAIT_DEADLINE_MS = 15_000;

/**
 * Polls until a session named `application` waits on a lock, and returns its
 * backend pid; throws after a deadline rather than hang the test holding the
 * lock it waits on.
 */
export async function waitForLockWait(pool: pg.Pool, application: string): Promise<number> {
  const deadline = Date.now() + LOCK_WAIT_DEADLINE_MS;
  for (;;) {
    const { rows } = await pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
      [application],
    );
    const pid = rows[0]?.pid;
    if (pid !== undefined) return pid;
    if (Date.now() > deadline)
      throw new Error(`no session of ${application} waited on a lock within ${LOCK_WAIT_DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Collects what reaches `uncaughtException` until `stop`: a pooled client's unheard `error` event lands there. */
export function recordUncaught(): { readonly errors: ReadonlyArray<unknown>; stop(): void } {
  const errors: unknown[] = [];
  const listener = (error: unknown): void => {
    errors.push(error);
  };
  process.on('uncaughtException', listener);
  return { errors, stop: () => process.off('uncaughtException', listener) };
}
