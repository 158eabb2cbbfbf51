import { isOatError, OatError } from './errors.js';

/**
 * The codes of a fault outside the library: a port (store, directory) that failed, or a resource handed over unusable.
 */
export type FaultCode = 'STORE_FAILURE' | 'DIRECTORY_FAILURE' | 'MISCONFIGURED';

/**
 * The library's one fault wrapper: what a port or driver threw, as an
 * {@link OatError} of `code` with the original as `cause`. An `OatError`
 * (from this copy of the package or another) passes through unchanged, so a
 * fault wrapped deeper down keeps its code and context. `context` must hold
 * only what is safe to log: a driver's message can quote a key, and a key
 * here may be a secret's hash, so it stays in `cause`. Pure.
 */
export function wrapFault(
  code: FaultCode,
  message: string,
  error: unknown,
  context?: Readonly<Record<string, unknown>>,
): OatError {
  if (isOatError(error)) return error;
  return new OatError(code, message, context === undefined ? { cause: error } : { cause: error, context });
}

/**
 * Awaits a port call; what it throws or rejects with is rethrown through
 * {@link wrapFault}. One extra async frame per call: the login hot path
 * wraps with `wrapFault` in place instead.
 */
export async function guard<T>(code: FaultCode, message: string, call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw wrapFault(code, message, error);
  }
}
