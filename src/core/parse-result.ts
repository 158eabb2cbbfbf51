import { validationError, type FieldIssue } from '../errors.js';

/**
 * Every code a {@link ParseResult} refuses with: one, since a parse fails
 * only one way (the input is not valid) and each field says why. The same
 * code `OatError` carries for the same situation.
 */
export const PARSE_FAILURE_CODES = Object.freeze(['VALIDATION_FAILED'] as const);

/** Why a parse or a validation refused. */
export type ParseFailureCode = (typeof PARSE_FAILURE_CODES)[number];

/**
 * A refused parse: every offending field, with a message that lists them.
 * Scrubbed like an `OatError` (secrets redacted, echoed values cut) and frozen.
 */
export interface ParseFailure {
  readonly ok: false;
  readonly code: ParseFailureCode;
  /** Plain words for people, listing every field; never a secret. */
  readonly message: string;
  /** Every offending field (never empty), with a dotted path. */
  readonly fields: ReadonlyArray<FieldIssue>;
}

/**
 * The outcome of a parse or validation as a value: what it produced, or
 * why not. Never a thrown error; the throwing twins (`parseCreateInput`, ...)
 * throw a `VALIDATION_FAILED` `OatError` with the same message and fields.
 */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | ParseFailure;

/** A success, frozen. */
export function parsed<T>(value: T): ParseResult<T> {
  return Object.freeze({ ok: true, value });
}

/**
 * The refusal for `fields` (non-empty), scrubbed exactly as the
 * `VALIDATION_FAILED` error of {@link validationError} would be, so the value
 * and the thrown form never differ. Pass the policy's `tokenPrefix` when it
 * may not be the default.
 */
export function invalid(what: string, fields: ReadonlyArray<FieldIssue>, tokenPrefix?: string): ParseFailure {
  const error = validationError(what, fields, tokenPrefix);
  return Object.freeze({ ok: false, code: 'VALIDATION_FAILED', message: error.message, fields: error.fields });
}
