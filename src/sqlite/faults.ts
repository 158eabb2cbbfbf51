import type Database from 'better-sqlite3';
import { isOatError, OatError } from '../errors.js';
import { wrapFault } from '../faults.js';

/**
 * Primary SQLite result codes that mean the database was handed over in a state the store cannot use, not that it
 * failed.
 */
const SETUP_CODES: ReadonlySet<string> = new Set([
  'SQLITE_READONLY',
  'SQLITE_NOTADB',
  'SQLITE_CANTOPEN',
  'SQLITE_PERM',
  'SQLITE_AUTH',
]);

/**
 * The SQLite result code of a driver error (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, ...), or `undefined` for any
 * other error.
 */
function driverCodeOf(error: unknown): string | undefined {
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

const primary = (code: string): string => code.split('_').slice(0, 2).join('_');

/**
 * Wraps a fault of a store call as `STORE_FAILURE`, the SQLite code in
 * `context.driverCode`. Only the code goes into the message and context: the
 * driver's own message stays in `cause`.
 */
export function storeFailure(
  operation: string,
  error: unknown,
  context: Readonly<Record<string, unknown>> = {},
): OatError {
  const code = driverCodeOf(error);
  return wrapFault(
    'STORE_FAILURE',
    `SQLite token store: ${operation} failed${code === undefined ? '' : ` (${code})`}`,
    error,
    {
      operation,
      ...(code === undefined ? {} : { driverCode: code }),
      ...context,
    },
  );
}

/**
 * Wraps a fault of setting up (`migrate`, construction, the counter check):
 * `MISCONFIGURED` when the connection is closed, read-only or not a database
 * at all, since no retry helps there; `STORE_FAILURE` otherwise.
 */
export function setupFailure(operation: string, error: unknown): OatError {
  if (isOatError(error)) return error;
  const code = driverCodeOf(error);
  // better-sqlite3 reports a closed connection as a TypeError without a code.
  const closed = code === undefined && error instanceof TypeError && /not open/i.test(error.message);
  if (!closed && (code === undefined || !SETUP_CODES.has(primary(code)))) return storeFailure(operation, error);
  const why = closed ? 'the database connection is closed' : `the database cannot be used as given (${code})`;
  return wrapFault('MISCONFIGURED', `SQLite token store: ${operation}: ${why}`, error, {
    operation,
    ...(code === undefined ? {} : { driverCode: code }),
  });
}

/** Refuses anything but a better-sqlite3 connection before a driver call can fail on it with a TypeError. */
export function requireConnection(db: unknown, operation: string): asserts db is Database.Database {
  const usable =
    typeof db === 'object' &&
    db !== null &&
    typeof (db as { prepare?: unknown }).prepare === 'function' &&
    typeof (db as { pragma?: unknown }).pragma === 'function';
  if (!usable) {
    throw new OatError('MISCONFIGURED', `SQLite token store: ${operation} needs a better-sqlite3 Database as db`, {
      context: { operation },
      fields: [{ path: 'db', message: 'must be a better-sqlite3 Database' }],
    });
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `work` again while SQLite answers `SQLITE_BUSY`, for at most
 * `timeoutMs`, sleeping a little longer each time.
 *
 * For the few statements SQLite runs without consulting the busy handler,
 * such as `PRAGMA journal_mode = WAL`, which needs an exclusive lock and gives
 * up at once when another connection holds any lock. Blocks the thread while
 * it waits, as SQLite's own busy wait does.
 */
export function retryWhileBusy<T>(timeoutMs: number, work: () => T): T {
  const deadline = Date.now() + timeoutMs;
  for (let pauseMs = 1; ; pauseMs = Math.min(pauseMs * 2, 50)) {
    try {
      return work();
    } catch (error) {
      const code = driverCodeOf(error);
      if (code === undefined || primary(code) !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(sleeper, 0, 0, Math.min(pauseMs, Math.max(1, deadline - Date.now())));
    }
  }
}
