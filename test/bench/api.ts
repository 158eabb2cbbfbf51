/**
 * Every place the benchmarks read the shape of a result of the library: the
 * fields of decisions, login results and format checks are read here and
 * nowhere else, so when a shape changes (issue 12 moves them), one file
 * follows it. Each reader is small enough for V8 to inline into the timing
 * loops.
 */
import type { AuthenticationResult, AuthorizationDecision, Principal, TokenFormat } from '../../src/index.js';

/** Whether an authorization decision allows. */
export const isAllowed = (decision: AuthorizationDecision): boolean => decision.allowed;

/** Whether a login succeeded. */
export const loginAccepted = (result: AuthenticationResult): boolean => result.ok;

/** The principal of a successful login, else `null`. */
export const principalOf = (result: AuthenticationResult): Principal | null => (result.ok ? result.principal : null);

/** Why a login failed (`OK` when it did not), for error messages. */
export const loginCode = (result: AuthenticationResult): string => (result.ok ? 'OK' : result.code);

/** Whether a token passes its format's offline check (length, prefix, checksum). */
export const formatAccepts = (format: TokenFormat, token: string): boolean => format.check(token).ok;
