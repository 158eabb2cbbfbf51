import { z } from 'zod';
import type { FieldIssue } from '../errors.js';
import { parseIsoInstant } from './instant.js';
import type { EpochMillis } from './token.js';

// The shapes of requests, shared by create and update requests and by the check of stored grants, so that all three
// apply the same limits. Internal: no entry exports them, so no zod type reaches the public declarations.

/** The shape of one raw grant; see `RawResource`. */
const rawResource = z
  .strictObject({
    type: z.enum(['repository', 'organization', 'TYPE_REPO', 'TYPE_ORG']),
    path: z.string().max(512),
    scopes: z.array(z.string().max(128)).max(64).readonly(),
  })
  .readonly();

/** The shape of a grant list as a request gives it: 1 to 256 raw grants. */
export const rawResourceList = z.array(rawResource).min(1, 'must grant at least one resource').max(256).readonly();

/** Zod's issues as field issues, one per unrecognised key. */
export function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: path === '' ? key : `${path}.${key}`,
        message: 'is not a recognised field',
      }));
    }
    return [{ path, message: issue.message }];
  });
}

const label = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
const description = z.string().max(200, 'must be at most 200 characters').nullable();
// zod checks the form; the library's one ISO 8601 reader (parseIsoInstant) turns it into epoch milliseconds.
const isoInstant = z.iso.datetime({ offset: true }).transform((text, ctx): EpochMillis => {
  const ms = parseIsoInstant(text);
  if (ms === undefined) ctx.addIssue({ code: 'custom', message: 'must be a date-time within the range of a Date' });
  return ms ?? 0;
});
const dateInstant = z.date().transform((date) => date.getTime());
// An instant as a caller may write it; each form becomes epoch milliseconds, so the record keeps no Date the caller
// holds.
const instant = z.union([
  z
    .number()
    .refine(
      (ms) => Number.isSafeInteger(ms) && Math.abs(ms) <= 8.64e15,
      'must be whole epoch milliseconds within the range of a Date',
    ),
  dateInstant,
  isoInstant,
]);
// Docker Hub's `expires_at` is a date-time string on the wire: a number there is a client bug, not epoch milliseconds.
const hubInstant = z.union([dateInstant, isoInstant], {
  error: 'must be an ISO 8601 date-time string, for example 2026-12-31T00:00:00Z',
});

// Normalised (and checked as ranges) by safeParse*Input; the shape bounds only the length, so a bad range is named
// there.
const allowedNetworks = z
  .array(z.string().max(64, 'must be at most 64 characters'))
  .max(50, 'must list at most 50 ranges')
  .readonly();

// `allowed_networks` is the Hub API's spelling (its bodies are snake_case); one request says it one way.
const NOT_BOTH = { path: ['allowed_networks'], message: 'give either allowedNetworks or allowed_networks, not both' };
function oneNetworkSpelling(v: { readonly allowedNetworks?: unknown; readonly allowed_networks?: unknown }): boolean {
  return v.allowedNetworks === undefined || v.allowed_networks === undefined;
}

/** The create request's schema; `CreateTokenRequest` is its `z.input` (test/core/request-types.test.ts). */
export const createShape = z
  .strictObject({
    label,
    description: description.optional(),
    resources: rawResourceList,
    expiry: z.union([z.enum(['none', '30d', '90d']), instant]).optional(),
    expires_at: hubInstant.nullable().optional(),
    is_active: z.literal(true, 'tokens are always created active').optional(),
    allowedNetworks: allowedNetworks.optional(),
    allowed_networks: allowedNetworks.optional(),
  })
  .readonly()
  .refine(oneNetworkSpelling, NOT_BOTH);

/** The update request's schema; `UpdateTokenRequest` is its `z.input`. */
export const updateShape = z
  .strictObject({
    label: label.optional(),
    description: description.optional(),
    resources: rawResourceList.optional(),
    is_active: z.boolean().optional(),
    allowedNetworks: allowedNetworks.optional(),
    allowed_networks: allowedNetworks.optional(),
  })
  .readonly()
  .refine(oneNetworkSpelling, NOT_BOTH)
  // A key present with the value `undefined` changes nothing, so it does not count.
  .refine(
    (v) => Object.values(v).some((field) => field !== undefined),
    'must change at least one of label, description, resources, is_active, allowedNetworks',
  );
