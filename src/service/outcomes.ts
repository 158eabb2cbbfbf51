import { OatError, scrubContext, scrubIssue, type FieldIssue, type OatErrorCode } from '../errors.js';
import { redactSecrets } from '../redact.js';

/**
 * Every code with which a management operation refuses as a value (the
 * `safe*` forms of the token service) and throws as an `OatError` (the
 * throwing forms): the expected outcomes. Faults (`STORE_FAILURE`,
 * `DIRECTORY_FAILURE`, `MISCONFIGURED`) are never among them: both forms
 * throw those.
 */
// Spelt out, not filtered from OAT_ERROR_CODES: a new OatError code must be classed as refusal or fault on purpose,
// never become a refusal by default. test/core/codes.test.ts pins it as OAT_ERROR_CODES less the faults.
export const MANAGEMENT_DENIAL_CODES = Object.freeze([
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'FORBIDDEN',
  'PLAN_NOT_ELIGIBLE',
  'QUOTA_EXCEEDED',
  'ORG_INCOMPATIBLE',
  'TRANSITION_DENIED',
  'CONFLICT',
] as const) satisfies ReadonlyArray<OatErrorCode>;

/** Why a management operation refused. */
export type ManagementDenialCode = (typeof MANAGEMENT_DENIAL_CODES)[number];

/**
 * A management operation's refusal, as a value. The same code, message,
 * fields and context the throwing form puts on its `OatError`, scrubbed the
 * same way (see `OatError`), and frozen.
 */
export interface ManagementDenial {
  readonly ok: false;
  readonly code: ManagementDenialCode;
  /** Plain words for people; never a secret. */
  readonly message: string;
  /** For `VALIDATION_FAILED`: every offending field. Absent for the other codes. */
  readonly fields?: ReadonlyArray<FieldIssue>;
  /**
   * Non-secret facts to log, as on the `OatError`: `organization`,
   * `tokenId`, the finer code (`code: 'NOT_A_MANAGER' | 'BEYOND_CEILING'`
   * for `FORBIDDEN`, the lifecycle's code for `TRANSITION_DENIED`), `limit`
   * and `count` for `QUOTA_EXCEEDED`, ...
   */
  readonly context: Readonly<Record<string, unknown>>;
}

/**
 * What a `safe*` management operation resolves to: the value, or the
 * refusal. Faults still reject.
 *
 * @example
 * ```ts
 * const result = await service.safeCreate(actor, 'acme', input);
 * if (!result.ok && result.code === 'QUOTA_EXCEEDED') console.log(result.context.limit);
 * ```
 */
export type ManagementResult<T> = { readonly ok: true; readonly value: T } | ManagementDenial;

/** Wraps a value as a result. */
export function success<T>(value: T): ManagementResult<T> {
  return Object.freeze({ ok: true, value });
}

/** A refusal, scrubbed like an `OatError` and frozen. */
export function denial(
  code: ManagementDenialCode,
  message: string,
  options: { readonly fields?: ReadonlyArray<FieldIssue>; readonly context?: Readonly<Record<string, unknown>> } = {},
): ManagementDenial {
  const fields = options.fields ?? [];
  return Object.freeze({
    ok: false,
    code,
    message: redactSecrets(message),
    ...(fields.length > 0 ? { fields: Object.freeze(fields.map((issue) => scrubIssue(issue))) } : {}),
    context: scrubContext(options.context),
  });
}

/** True when `code` is one a management operation refuses with, rather than a fault. */
function isManagementDenialCode(code: unknown): code is ManagementDenialCode {
  return (MANAGEMENT_DENIAL_CODES as ReadonlyArray<unknown>).includes(code);
}

/**
 * The refusal an expected `OatError` stands for (what a parser returns,
 * `VALIDATION_FAILED`). An error with a fault's code is thrown as it is:
 * faults never become values.
 */
export function denialOf(error: OatError): ManagementDenial {
  if (!isManagementDenialCode(error.code)) throw error;
  return denial(error.code, error.message, { fields: error.fields, context: error.context });
}

/** The `OatError` the throwing forms throw for a refusal: same code, message, fields and context. */
function errorOf(refusal: ManagementDenial): OatError {
  return new OatError(refusal.code, refusal.message, {
    ...(refusal.fields === undefined ? {} : { fields: refusal.fields }),
    context: refusal.context,
  });
}

/**
 * The value of a result, or its refusal thrown as an `OatError`: how each throwing form is built from its `safe*` twin.
 */
export async function orThrow<T>(pending: Promise<ManagementResult<T>>): Promise<T> {
  const result = await pending;
  if (!result.ok) throw errorOf(result);
  return result.value;
}
