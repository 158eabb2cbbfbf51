/**
 * The body GitHub's secret scanning posts: a JSON array of matches. Internal
 * to the secret-scanning entry.
 */
import type { FieldIssue } from '../errors.js';
import { parseLeakReportRequest } from '../service/leak-report.js';

/** One reported match to act on, its bad fields replaced (see {@link parseItem}). */
interface LeakMatch {
  /** The secret found. Never logged, never echoed. */
  readonly token: string;
  /** The token type name the provider registered, echoed as `token_type`; `''` when it is no short string. */
  readonly type: string;
  /** Where it leaked, or {@link UNKNOWN_LEAK_URL} when the scanner's `url` fails our check. */
  readonly url: string;
  /** Omitted (the service records `unknown`) when the scanner's `source` is absent or fails our check. */
  readonly source: string | undefined;
}

/**
 * One item of the batch: a match to act on (`fields` names what was
 * replaced, empty when nothing was), or one with no usable token string,
 * which nothing can be done or answered for. Paths are like `2.url`, never a
 * token.
 */
type LeakItem =
  | { readonly ok: true; readonly match: LeakMatch; readonly fields: ReadonlyArray<FieldIssue> }
  | { readonly ok: false; readonly fields: ReadonlyArray<FieldIssue> };

/** The payload as items, or why the body is no list at all. */
export type LeakPayloadParse =
  | { readonly ok: true; readonly value: ReadonlyArray<LeakItem> }
  | { readonly ok: false; readonly fields: ReadonlyArray<FieldIssue> };

/**
 * The `url` a match is reported with when the scanner's fails our check. A
 * reserved `.invalid` host (RFC 2606), so it names no real place; the
 * `access_token.leaked` event carries it.
 */
const UNKNOWN_LEAK_URL = 'https://unknown.invalid/';

// Far above any token of this library's format: a scanner's match is never cut, an abuse is.
const MAX_TOKEN_LENGTH = 256;
const MAX_TYPE_LENGTH = 128;
const TYPE = /^[A-Za-z0-9_.-]{1,128}$/;

const refuse = (path: string, message: string): LeakPayloadParse => ({ ok: false, fields: [{ path, message }] });

/**
 * Checks one item: a `token` string of plausible length, a `type` string,
 * `url` and an optional `source` as `reportLeaked` accepts them. A bad `url`,
 * `source` or `type` does not stop the token from being looked up: a live
 * token of ours must not stay live, nor be answered as not ours, because the
 * scanner sent an odd URL; the bad field is replaced instead.
 */
function parseItem(item: unknown, i: number): LeakItem {
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    return { ok: false, fields: [{ path: String(i), message: 'must be an object with token, type and url' }] };
  const { token, type, url, source } = item as Record<string, unknown>;
  const fields: FieldIssue[] = [];
  if (typeof type !== 'string' || !TYPE.test(type))
    fields.push({ path: `${i}.type`, message: 'must be 1 to 128 of letters, digits, "_", "." and "-"' });
  const request = parseLeakReportRequest({ url, ...(source === undefined ? {} : { source }) });
  if (!request.ok)
    for (const issue of request.fields) fields.push({ path: `${i}.${issue.path}`, message: issue.message });
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    fields.unshift({ path: `${i}.token`, message: `must be a string of 1 to ${MAX_TOKEN_LENGTH} characters` });
    return { ok: false, fields };
  }
  const bad = new Set(fields.map((f) => f.path));
  const match: LeakMatch = {
    token,
    type: typeof type === 'string' && type.length <= MAX_TYPE_LENGTH ? type : '',
    url: typeof url === 'string' && !bad.has(`${i}.url`) ? url : UNKNOWN_LEAK_URL,
    source: typeof source === 'string' && !bad.has(`${i}.source`) ? source : undefined,
  };
  return { ok: true, match, fields };
}

/**
 * Parses the body: UTF-8 JSON, an array of objects with `token` and `type`
 * strings, `url` and an optional `source` as `reportLeaked` accepts them.
 * Other fields are ignored (the program may add some). Each item is checked
 * on its own: a bad `url`, `source` or `type` is replaced, an item with no
 * usable token string is answered for by nothing; only a body that is not a
 * JSON array is refused whole. Never throws.
 */
export function parseLeakPayload(bytes: Uint8Array): LeakPayloadParse {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return refuse('', 'must be UTF-8 JSON');
  }
  if (!Array.isArray(body)) return refuse('', 'must be a JSON array of matches');
  return { ok: true, value: body.map((item: unknown, i) => parseItem(item, i)) };
}
