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

/**
 * One item of the batch: a match to act on, or one that is malformed, with
 * what can be echoed of it (`token` only when it is a string, `type` when it
 * is a string of at most 128 characters, else `''`) and why (paths like `2.url`;
 * never a token).
 */
type LeakItem =
  | { readonly ok: true; readonly match: LeakMatch }
  | {
      readonly ok: false;
      readonly token: string | undefined;
      readonly type: string;
      readonly fields: ReadonlyArray<FieldIssue>;
    };

/** The payload as items, or why the body is no list at all. */
export type LeakPayloadParse =
  | { readonly ok: true; readonly value: ReadonlyArray<LeakItem> }
  | { readonly ok: false; readonly fields: ReadonlyArray<FieldIssue> };

// Far above any token of this library's format: a scanner's match is never cut, an abuse is.
const MAX_TOKEN_LENGTH = 256;
const MAX_TYPE_LENGTH = 128;
const TYPE = /^[A-Za-z0-9_.-]{1,128}$/;

const refuse = (path: string, message: string): LeakPayloadParse => ({ ok: false, fields: [{ path, message }] });

/** Checks one item: `token` and `type` strings, `url` and an optional `source` as `reportLeaked` accepts them. */
function parseItem(item: unknown, i: number): LeakItem {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return {
      ok: false,
      token: undefined,
      type: '',
      fields: [{ path: String(i), message: 'must be an object with token, type and url' }],
    };
  }
  const { token, type, url, source } = item as Record<string, unknown>;
  const fields: FieldIssue[] = [];
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH)
    fields.push({ path: `${i}.token`, message: `must be a string of 1 to ${MAX_TOKEN_LENGTH} characters` });
  if (typeof type !== 'string' || !TYPE.test(type))
    fields.push({ path: `${i}.type`, message: 'must be 1 to 128 of letters, digits, "_", "." and "-"' });
  const request = parseLeakReportRequest({ url, ...(source === undefined ? {} : { source }) });
  if (!request.ok)
    for (const issue of request.fields) fields.push({ path: `${i}.${issue.path}`, message: issue.message });
  if (fields.length === 0 && typeof token === 'string' && typeof type === 'string' && typeof url === 'string')
    return { ok: true, match: { token, type, url, source: typeof source === 'string' ? source : undefined } };
  return {
    ok: false,
    token: typeof token === 'string' ? token : undefined,
    type: typeof type === 'string' && type.length <= MAX_TYPE_LENGTH ? type : '',
    fields,
  };
}

/**
 * Parses the body: UTF-8 JSON, an array of objects with `token` and `type`
 * strings, `url` and an optional `source` as `reportLeaked` accepts them.
 * Other fields are ignored (the program may add some). Each item is checked
 * on its own, so one malformed item spoils only itself; only a body that is
 * not a JSON array is refused whole. Never throws.
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
