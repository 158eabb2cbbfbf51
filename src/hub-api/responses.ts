import { isOatError, OAT_ERROR_CODES, scrubIssue, type FieldIssue, type OatErrorCode } from '../errors.js';
import { json } from '../http/json-response.js';
import { redactSecrets } from '../redact.js';
import type { ManagementDenial } from '../service/outcomes.js';

/**
 * Every code the `code` field of an error body may hold: the library's
 * {@link OatErrorCode}s (those of a 500 are answered as `INTERNAL`) plus the
 * ones only HTTP has. Stable between releases.
 */
export const HUB_ERROR_CODES = Object.freeze([
  ...OAT_ERROR_CODES,
  'UNAUTHENTICATED',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'INTERNAL',
] as const);

/** Codes in the `code` field of every error body. */
export type HubErrorCode = (typeof HUB_ERROR_CODES)[number];

/** Docker Hub's 400 body: each offending field with its messages, and a summary. */
export interface HubValidationErrorBody {
  readonly fields: Readonly<Record<string, ReadonlyArray<string>>>;
  readonly text: string;
  readonly code: 'VALIDATION_FAILED';
}

/** Docker Hub's body for every other error. */
export interface HubErrorBody {
  /** The HTTP reason phrase, for example `Forbidden`. */
  readonly detail: string;
  /** What went wrong, in plain words; never a secret or an internal detail. */
  readonly message: string;
  readonly code: HubErrorCode;
}

/** The field name an issue about the whole body is filed under. */
export const BODY_FIELD = 'body';

/** 204, no body. */
export function noContent(): Response {
  return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
}

/** The reason phrase in `detail` of each status's error body. */
export const REASON: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

/** A `{detail, message, code}` error response; `message` is redacted like an {@link OatError}'s. */
export function errorResponse(
  status: number,
  code: HubErrorCode,
  message: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): Response {
  const body: HubErrorBody = { detail: REASON[status] ?? 'Error', message: redactSecrets(message), code };
  return json(status, body, extraHeaders);
}

/**
 * A 400 `{fields, text}` response; issues on the same field are grouped in
 * order. Field names, messages and `text` are scrubbed again here: an error
 * from another copy of the package, or a hand-built issue, may not have been.
 */
export function validationResponse(issues: ReadonlyArray<FieldIssue>, text: string): Response {
  const fields: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const raw of issues) {
    const issue = scrubIssue(raw);
    const key = issue.path === '' ? BODY_FIELD : issue.path;
    (fields[key] ??= []).push(issue.message);
  }
  if (issues.length === 0) fields[BODY_FIELD] = ['is invalid'];
  const body: HubValidationErrorBody = { fields, text: redactSecrets(text), code: 'VALIDATION_FAILED' };
  return json(400, body);
}

/**
 * The status each library error code is answered with. Quota is a 409: the
 * organization's current state refuses the request, and deleting a token
 * resolves it. A plan without tokens is a 403: nothing the caller does to
 * tokens changes it.
 */
export const STATUS_OF_CODE: Readonly<Record<OatErrorCode, number>> = Object.freeze({
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  PLAN_NOT_ELIGIBLE: 403,
  ORG_INCOMPATIBLE: 403,
  QUOTA_EXCEEDED: 409,
  TRANSITION_DENIED: 409,
  CONFLICT: 409,
  MISCONFIGURED: 500,
  STORE_FAILURE: 500,
  DIRECTORY_FAILURE: 500,
});

const GENERIC_500 = 'An unexpected error occurred';

/** The response to a management operation's refusal (a `safe*` result): the status of its code, Hub's body. */
export function responseForDenial(denial: ManagementDenial): Response {
  if (denial.code === 'VALIDATION_FAILED') return validationResponse(denial.fields ?? [], denial.message);
  // A wrapper may answer with a code outside the table: that is a fault of the wrapper, never a 200.
  const status = (STATUS_OF_CODE as Readonly<Record<string, number | undefined>>)[denial.code];
  if (status === undefined || status >= 500) return errorResponse(500, 'INTERNAL', GENERIC_500);
  return errorResponse(status, denial.code, denial.message);
}

/**
 * Turns anything thrown while serving into a response, and says whether it was
 * unexpected (so the caller can report it). Messages of library errors are
 * written for callers and carry no secrets; anything else, and every 500,
 * gets a generic message.
 */
export function responseForError(error: unknown): { readonly response: Response; readonly unexpected: boolean } {
  if (!isOatError(error)) return { response: errorResponse(500, 'INTERNAL', GENERIC_500), unexpected: true };
  const status = STATUS_OF_CODE[error.code] ?? 500;
  if (status === 500) return { response: errorResponse(500, 'INTERNAL', GENERIC_500), unexpected: true };
  if (error.code === 'VALIDATION_FAILED')
    return { response: validationResponse(error.fields, error.message), unexpected: false };
  return { response: errorResponse(status, error.code, error.message), unexpected: false };
}
