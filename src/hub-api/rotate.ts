import type { FieldIssue } from '../errors.js';
import type { ManagementDenial } from '../service/outcomes.js';
import type { RotateTokenRequest } from '../service/rotate.js';

/** The wire field of a rotate request, and the service's name for it. */
const GRACE_WIRE = 'grace_seconds';

/**
 * Reads the JSON body of `POST .../access-tokens/{id}/rotate` (this
 * library's extension of Docker Hub's API): an object with at most
 * `grace_seconds`. A result: the service's request, or the field issues to
 * answer 400 with. The bound of the grace is the service's to check.
 */
export function parseRotateBody(
  body: unknown,
): { readonly ok: true; readonly value: RotateTokenRequest } | { readonly ok: false; readonly fields: FieldIssue[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, fields: [{ path: 'body', message: 'must be a JSON object' }] };
  const unknown = Object.keys(body).filter((key) => key !== GRACE_WIRE);
  if (unknown.length > 0)
    return { ok: false, fields: unknown.map((path) => ({ path, message: 'is not a field of a rotate request' })) };
  const grace = (body as Record<string, unknown>)[GRACE_WIRE];
  if (grace === undefined) return { ok: true, value: {} };
  if (typeof grace !== 'number') return { ok: false, fields: [{ path: GRACE_WIRE, message: 'must be a number' }] };
  return { ok: true, value: { graceSeconds: grace } };
}

/** The service's refusal with its field names as the wire spells them (`graceSeconds` is `grace_seconds`). */
export function onTheWire(denial: ManagementDenial): ManagementDenial {
  if (denial.fields === undefined) return denial;
  const fields = denial.fields.map((f) => (f.path === 'graceSeconds' ? { ...f, path: GRACE_WIRE } : f));
  return Object.freeze({ ...denial, fields: Object.freeze(fields) });
}
