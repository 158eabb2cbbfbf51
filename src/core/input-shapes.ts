import { z } from 'zod';
import type { FieldIssue } from '../errors.js';

// Shared by create and update requests and by the check of stored grants, so that all three apply the same limits.

/** The shape of one raw grant; see `RawResource`. */
const rawResource = z.strictObject({
  type: z.enum(['repository', 'organization', 'TYPE_REPO', 'TYPE_ORG']),
  path: z.string().max(512),
  scopes: z.array(z.string().max(128)).max(64),
});

/** The shape of a grant list as a request gives it: 1 to 256 raw grants. */
export const rawResourceList = z.array(rawResource).min(1, 'must grant at least one resource').max(256);

/** Zod's issues as field issues, one per unrecognised key. */
export function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: path === '' ? key : `${path}.${key}`, message: 'is not a recognised field' }));
    }
    return [{ path, message: issue.message }];
  });
}
