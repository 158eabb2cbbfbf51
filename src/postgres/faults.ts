import type { OatError } from '../errors.js';
import { wrapFault } from '../faults.js';

/** A SQLSTATE: five digits or upper-case letters, as the server sends it. */
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * What a driver error can tell a caller without quoting a value: the
 * SQLSTATE when the server sent one, or the driver's own code (`ECONNREFUSED`,
 * `ECONNRESET`, ...) when the fault happened on the client side.
 *
 * Both arrive in the same `code` property, and some system codes (`EPIPE`,
 * `EPERM`) are five upper-case letters too, so the shape of the code cannot
 * tell them apart. A server error always carries the `severity` the server
 * sent with it (node-postgres' `DatabaseError`); a system error never does.
 */
function faultCodes(error: unknown): { readonly sqlstate?: string; readonly driverCode?: string } {
  if (typeof error !== 'object' || error === null) return {};
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  if (typeof code !== 'string') return {};
  if (typeof severity === 'string' && SQLSTATE.test(code)) return { sqlstate: code };
  return { driverCode: code };
}

/**
 * The `STORE_FAILURE` for a fault during `operation`; an `OatError` passes
 * through unchanged. Only the operation and the codes go into `context`: a
 * driver message can quote a key value, and a key here may be a secret's hash.
 */
export function storeFault(operation: string, error: unknown): OatError {
  return wrapFault('STORE_FAILURE', `PostgreSQL token store: ${operation} failed`, error, {
    operation,
    ...faultCodes(error),
  });
}
