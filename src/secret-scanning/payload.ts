/**
 * The body GitHub's secret scanning posts: a JSON array of matches. Internal
 * to the secret-scanning entry.
 */
import type { FieldIssue } from '../errors.js';
import { parseLeakReportRequest } from '../service/leak-report.js';

/** One reported match, checked. */
interface LeakMatch {
  /** The secret found. Never logged, never echoed. */
  readonly token: string;
  /** The token type name the provider registered; echoed as `token_type`. */
  readonly type: string;
  readonly url: string;
  readonly source: string | undefined;
}

/** A checked payload, or why it is not one (field paths like `2.url`; never a token). */
export type LeakPayloadParse =
  | { readonly ok: true; readonly value: ReadonlyArray<LeakMatch> }
  | { readonly ok: false; readonly fields: ReadonlyArray<FieldIssue> };

// Far above any token of this library's format: a scanner's match is never cut, an abuse is.
const MAX_TOKEN_LENGTH = 256;
const TYPE = /^[A-Za-z0-9_.-]{1,128}$/;

const refuse = (path: string, message: string): LeakPayloadParse => ({ ok: false, fields: [{ path, message }] });

/**
 * Parses the body: UTF-8 JSON, an array of objects with `token` and `type`
 * strings, `url` and an optional `source` as `reportLeaked` accepts them.
 * Other fields are ignored (the program may add some). Every item is checked
 * before any is acted on, so a bad item changes nothing. Never throws.
 */
export function parseLeakPayload(bytes: Uint8Array): LeakPayloadParse {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return refuse('', 'must be UTF-8 JSON');
  }
  if (!Array.isArray(body)) return refuse('', 'must be a JSON array of matches');
  const fields: FieldIssue[] = [];
  const matches: LeakMatch[] = [];
  body.forEach((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      fields.push({ path: String(i), message: 'must be an object with token, type and url' });
      return;
    }
    const { token, type, url, source } = item as Record<string, unknown>;
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH)
      fields.push({ path: `${i}.token`, message: `must be a string of 1 to ${MAX_TOKEN_LENGTH} characters` });
    if (typeof type !== 'string' || !TYPE.test(type))
      fields.push({ path: `${i}.type`, message: 'must be 1 to 128 of letters, digits, "_", "." and "-"' });
    const request = parseLeakReportRequest({ url, ...(source === undefined ? {} : { source }) });
    if (!request.ok)
      for (const issue of request.fields) fields.push({ path: `${i}.${issue.path}`, message: issue.message });
    if (typeof token === 'string' && typeof type === 'string' && typeof url === 'string') {
      matches.push({ token, type, url, source: typeof source === 'string' ? source : undefined });
    }
  });
  return fields.length > 0 ? { ok: false, fields } : { ok: true, value: matches };
}
