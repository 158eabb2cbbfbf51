import { redactSecrets, scrubFieldMessage, scrubPath } from './redact.js';

/**
 * Every code an {@link OatError} can carry, in a fixed order; {@link OatErrorCode}
 * is derived from it, so a switch over the list is exhaustive.
 */
export const OAT_ERROR_CODES = Object.freeze([
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'FORBIDDEN',
  'PLAN_NOT_ELIGIBLE',
  'QUOTA_EXCEEDED',
  'ORG_INCOMPATIBLE',
  'TRANSITION_DENIED',
  'CONFLICT',
  'MISCONFIGURED',
  'STORE_FAILURE',
  'DIRECTORY_FAILURE',
] as const);

/**
 * Stable codes carried by {@link OatError}. A caller may switch on them; they
 * never change meaning between releases.
 */
export type OatErrorCode = (typeof OAT_ERROR_CODES)[number];

/** One offending field of a rejected input: a dotted path and why it was rejected. */
export interface FieldIssue {
  /**
   * Dotted path into the input, for example `resources.0.path`; `''` for the input itself. Segments are cut to 32
   * characters.
   */
  readonly path: string;
  /**
   * Why the value was rejected, in plain words. Never contains a secret; a quoted value from the input is cut to 32
   * characters.
   */
  readonly message: string;
}

/** Options for {@link OatError}. */
export interface OatErrorOptions {
  /** The error that caused this one, kept for logs. */
  readonly cause?: unknown;
  /** Offending fields, for `VALIDATION_FAILED` (or options, for a `MISCONFIGURED` that lists several). */
  readonly fields?: ReadonlyArray<FieldIssue>;
  /** Non-secret context a caller can log (token id, organization, rule, limit, ...). */
  readonly context?: Readonly<Record<string, unknown>>;
}

/**
 * Context fit to log: string values (and strings in arrays) go through the
 * same redaction as messages, since a caller's organization or id argument
 * lands here verbatim when it is refused.
 */
export function scrubContext(
  context: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context ?? {})) {
    out[key] =
      typeof value === 'string'
        ? redactSecrets(value)
        : Array.isArray(value)
          ? Object.freeze(value.map((v: unknown) => (typeof v === 'string' ? redactSecrets(v) : v)))
          : value;
  }
  return Object.freeze(out);
}

/**
 * The one error class this library throws, for misuse and for faults.
 *
 * Expected outcomes (a denied login, a denied pull) are returned as values,
 * never thrown. `name` is a literal so that it survives minification; switch
 * on `code`, not on the class name.
 *
 * Invariant: `message` and every field path and message are scrubbed on
 * construction: anything that looks like a token or another long random
 * secret is replaced by `[redacted]`, and echoed values and path segments are
 * cut to 32 characters. `context` is not scrubbed: it carries only values the
 * library has checked (organization names, token ids, limits).
 *
 * @example
 * ```ts
 * try {
 *   await service.create(actor, 'acme', input);
 * } catch (error) {
 *   if (isOatError(error) && error.code === 'QUOTA_EXCEEDED') {
 *     console.log(error.context.limit);
 *   }
 * }
 * ```
 */
export class OatError extends Error {
  override readonly name = 'OatError' as const;
  /** Stable machine-readable code. */
  readonly code: OatErrorCode;
  /**
   * Offending fields: those of a `VALIDATION_FAILED`, or the options of a `MISCONFIGURED` that checks all at once
   * (`createTokenEndpoint`); else empty.
   */
  readonly fields: ReadonlyArray<FieldIssue>;
  /** Non-secret context for logs. */
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: OatErrorCode, message: string, options: OatErrorOptions = {}) {
    // Scrubbed before super(): the stack trace captures the message as it is now.
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.fields = Object.freeze((options.fields ?? []).map((issue) => scrubIssue(issue)));
    this.context = scrubContext(options.context);
  }

  /** A plain, serializable view: what `JSON.stringify` prints. */
  toJSON(): {
    name: 'OatError';
    code: OatErrorCode;
    message: string;
    fields: ReadonlyArray<FieldIssue>;
    context: Readonly<Record<string, unknown>>;
  } {
    return { name: this.name, code: this.code, message: this.message, fields: this.fields, context: this.context };
  }
}

/** True when `value` is an {@link OatError}, also across package copies (checks `name`, not the prototype). */
export function isOatError(value: unknown): value is OatError {
  return value instanceof OatError || (value instanceof Error && value.name === 'OatError' && 'code' in value);
}

/** A field issue fit to show: path and message scrubbed (see {@link OatError}). Pure; idempotent. */
export function scrubIssue(issue: FieldIssue, tokenPrefix?: string): FieldIssue {
  return Object.freeze({
    path: scrubPath(issue.path, tokenPrefix),
    message: scrubFieldMessage(issue.message, tokenPrefix),
  });
}

/**
 * Builds the `VALIDATION_FAILED` error that lists every offending field.
 * Pass the policy's `tokenPrefix` when it may not be the default, so that a
 * cut or mistyped token of that format is redacted too.
 */
export function validationError(what: string, fields: ReadonlyArray<FieldIssue>, tokenPrefix?: string): OatError {
  // The message is built from the scrubbed fields, so it truncates exactly where they do.
  const safe = fields.map((f) => scrubIssue(f, tokenPrefix));
  const list = safe.map((f) => `${f.path === '' ? '(input)' : f.path}: ${f.message}`).join('; ');
  return new OatError('VALIDATION_FAILED', `Invalid ${what}: ${list}`, { fields: safe });
}
