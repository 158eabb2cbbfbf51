/**
 * The vocabulary of leaked-token reports (`TokenService.reportLeaked`) and the
 * check of a report's request. Pure and free of Node built-ins, so the
 * secret-scanning entry can share it wherever a Fetch API runs.
 */
import type { OrganizationId, OrganizationName, TokenId } from '../core/ids.js';
import type { EpochMillis } from '../core/token.js';
import type { FieldIssue } from '../errors.js';

/** What `reportLeaked` may do: deactivate a live token (`revoke`), or only record the leak (`report`). */
export const LEAK_MODES = Object.freeze(['revoke', 'report'] as const);
/** One of {@link LEAK_MODES}. */
export type LeakMode = (typeof LEAK_MODES)[number];

/**
 * GitHub's feedback labels: `true_positive` for a token this service issued
 * (whatever its state now), `false_positive` for anything else.
 */
export const LEAK_LABELS = Object.freeze(['true_positive', 'false_positive'] as const);
/** One of {@link LEAK_LABELS}. */
export type LeakLabel = (typeof LEAK_LABELS)[number];

/**
 * What a report did to the token:
 * `DEACTIVATED` (it was live and is now inactive), `REPORTED` (it is live and
 * was left as it is: report mode, or a lifecycle that refuses the
 * deactivation), `ALREADY_INACTIVE`, `ALREADY_EXPIRED`, `ALREADY_DELETED`
 * (it could not be used anyway; left alone), `NONE` (no token of ours).
 */
export const LEAK_ACTIONS = Object.freeze([
  'DEACTIVATED',
  'REPORTED',
  'ALREADY_INACTIVE',
  'ALREADY_EXPIRED',
  'ALREADY_DELETED',
  'NONE',
] as const);
/** One of {@link LEAK_ACTIONS}. */
export type LeakAction = (typeof LEAK_ACTIONS)[number];

/**
 * Why `reportLeaked` did not finish: `VALIDATION_FAILED` (the request's `url`,
 * `source` or `mode`, named in `fields`), `TRANSITION_DENIED` (the lifecycle
 * refuses to deactivate the live token; the leak is still audited),
 * `CONFLICT` (the token kept changing under concurrent writes; try again).
 */
export const LEAK_REPORT_DENIAL_CODES = Object.freeze(['VALIDATION_FAILED', 'TRANSITION_DENIED', 'CONFLICT'] as const);
/** One of {@link LEAK_REPORT_DENIAL_CODES}. */
export type LeakReportDenialCode = (typeof LEAK_REPORT_DENIAL_CODES)[number];

/** Where a token leaked and what to do about it. */
export interface LeakReportRequest {
  /** The public `http(s)` URL where the token was found, at most {@link MAX_LEAK_URL_LENGTH} characters. */
  readonly url: string;
  /**
   * Where in the scanned host it was found (GitHub: `content`, `commit`, `issue_comment`, `npm`, ...). Default
   * `unknown`.
   */
  readonly source?: string;
  /** Default `revoke`. */
  readonly mode?: LeakMode;
}

/** What a report found and did. Frozen. The ids are `null` exactly when `label` is `false_positive`. */
export interface LeakReport {
  readonly label: LeakLabel;
  readonly action: LeakAction;
  readonly tokenId: TokenId | null;
  readonly organizationId: OrganizationId | null;
  /** The organization name the token was created under (the service keeps no id-to-name map). */
  readonly organization: OrganizationName | null;
}

/** The outcome of `TokenService.reportLeaked`. */
export type LeakReportResult =
  | { readonly ok: true; readonly value: LeakReport }
  | {
      readonly ok: false;
      readonly code: LeakReportDenialCode;
      readonly message: string;
      readonly fields?: ReadonlyArray<FieldIssue>;
    };

/**
 * The audit event of a leaked token of ours, emitted once per report that
 * found one (after the deactivation is stored, when there is one). Never
 * carries the secret: the URL has any copy of it replaced by `[redacted]`.
 */
export interface LeakedEvent {
  readonly type: 'access_token.leaked';
  readonly at: EpochMillis;
  /** The organization name the token was created under. */
  readonly organization: OrganizationName;
  readonly organizationId: OrganizationId;
  readonly tokenId: TokenId;
  /** The leaked secret's fingerprint: the token's own, or that of a secret a rotation retired. */
  readonly fingerprint: string;
  /** The public URL where it leaked. */
  readonly url: string;
  readonly source: string;
  readonly action: Exclude<LeakAction, 'NONE'>;
}

/** The `actor` of the `access_token.deactivate` event a leak report emits: the scanner, not a member. */
export const LEAK_ACTOR = 'host:secret-scanning';

/** Longest `url` a report may carry. */
export const MAX_LEAK_URL_LENGTH = 2048;

/** A request that passed {@link parseLeakReportRequest}, defaults applied. */
interface CheckedLeakRequest {
  readonly url: string;
  readonly source: string;
  readonly mode: LeakMode;
}

/** The outcome of {@link parseLeakReportRequest}. */
export type LeakRequestParse =
  | { readonly ok: true; readonly value: CheckedLeakRequest }
  | {
      readonly ok: false;
      readonly code: 'VALIDATION_FAILED';
      readonly message: string;
      readonly fields: ReadonlyArray<FieldIssue>;
    };

// Control characters and whitespace are refused rather than stripped: the URL parser would drop a tab or a
// line break silently, and the audit log would then show a URL nobody sent.
const UNPRINTABLE = /[\u0000-\u0020\u007f-\u009f]/;
// Shorter than any token (a prefix and 36 characters), so a source can never carry one.
const SOURCE = /^[a-z][a-z0-9_-]{0,31}$/;

function checkUrl(url: unknown): string | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_LEAK_URL_LENGTH || UNPRINTABLE.test(url))
    return null;
  try {
    const protocol = new URL(url).protocol;
    return protocol === 'https:' || protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}

/**
 * Checks a leak report's request: `url` an absolute `http(s)` URL of at most
 * {@link MAX_LEAK_URL_LENGTH} printable characters, `source` 1 to 32 of
 * `[a-z0-9_-]` starting with a letter, `mode` one of {@link LEAK_MODES}.
 * Every offending field is named. Pure; never throws.
 */
export function parseLeakReportRequest(request: unknown): LeakRequestParse {
  const fields: FieldIssue[] = [];
  const { url, source, mode } =
    typeof request === 'object' && request !== null ? (request as Record<string, unknown>) : {};
  if (typeof request !== 'object' || request === null)
    fields.push({ path: '', message: 'must be an object with url, and optionally source and mode' });
  const checkedUrl = checkUrl(url);
  if (checkedUrl === null)
    fields.push({
      path: 'url',
      message: `must be an absolute http(s) URL of at most ${MAX_LEAK_URL_LENGTH} printable characters`,
    });
  if (source !== undefined && (typeof source !== 'string' || !SOURCE.test(source)))
    fields.push({ path: 'source', message: 'must be 1 to 32 of a-z, 0-9, "_" and "-", starting with a letter' });
  if (mode !== undefined && !(LEAK_MODES as ReadonlyArray<unknown>).includes(mode))
    fields.push({ path: 'mode', message: 'must be "revoke" or "report"' });
  if (fields.length > 0 || checkedUrl === null) {
    return Object.freeze({
      ok: false,
      code: 'VALIDATION_FAILED',
      message: `Invalid leak report: ${fields.map((f) => f.path || '(input)').join(', ')}`,
      fields: Object.freeze(fields),
    });
  }
  return Object.freeze({
    ok: true,
    value: Object.freeze({
      url: checkedUrl,
      source: (source as string | undefined) ?? 'unknown',
      mode: (mode as LeakMode | undefined) ?? 'revoke',
    }),
  });
}
