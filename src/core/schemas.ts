import { z } from 'zod';
import { OatError, type FieldIssue } from '../errors.js';
import { resourceIssues, type RawResource } from './grants.js';
import { addDurationUtc, DAY_MS, type CalendarDuration } from './instant.js';
import { createShape, updateShape, zodIssues } from './input-shapes.js';
import { normalizeNetwork } from './networks.js';
import { invalid, type ParseResult } from './parse-result.js';
import { DEFAULT_POLICY, type TokenPolicy } from './policy.js';
import type { CreateTokenInput, CreateTokenRequest, UpdateTokenInput, UpdateTokenRequest } from './requests.js';
import type { EpochMillis, Resource } from './token.js';

/** What validation needs besides the input: whose token it is, the time, and the policy's limits. */
export interface InputContext {
  /** The token's organization, lower case. */
  readonly organization: string;
  readonly now: EpochMillis;
  readonly policy: TokenPolicy;
  /** The organization's lifetime cap in days (see `tokenLifetimeCap`); absent or `null`: none. Create only. */
  readonly maxTokenLifetimeDays?: number | null;
}

function resolveExpiry(
  expiry: z.infer<typeof createShape>['expiry'],
  expiresAt: z.infer<typeof createShape>['expires_at'],
  ctx: InputContext,
  issues: FieldIssue[],
): EpochMillis | null {
  if (expiry !== undefined && expiresAt !== undefined) {
    issues.push({ path: 'expires_at', message: 'give either expiry or expires_at, not both' });
    return null;
  }
  const field = expiry !== undefined ? 'expiry' : 'expires_at';
  const value = expiry ?? expiresAt ?? 'none';
  const cap = ctx.maxTokenLifetimeDays ?? null;
  if (value === null || value === 'none') {
    if (cap !== null)
      issues.push({ path: field, message: `is required: "${ctx.organization}" allows tokens of at most ${cap} days` });
    return null;
  }
  // Presets are fixed lengths of time, not calendar days: a DST change in the server's zone must not make one 719
  // hours.
  const at = value === '30d' ? ctx.now + 30 * DAY_MS : value === '90d' ? ctx.now + 90 * DAY_MS : value;
  // The bound applies to presets too: a policy that caps lifetimes at a week refuses '30d'.
  const latest = addDurationUtc(ctx.now, ctx.policy.maxExpiry);
  if (at <= ctx.now) issues.push({ path: field, message: 'must be in the future' });
  else if (!(at <= latest))
    issues.push({
      path: field,
      message: Number.isFinite(latest) ? `must be at most ${new Date(latest).toISOString()}` : 'is too far ahead',
    });
  else if (cap !== null && at > ctx.now + cap * DAY_MS) {
    issues.push({
      path: field,
      message:
        `must be at most ${cap} days ahead (${new Date(ctx.now + cap * DAY_MS).toISOString()}): ` +
        `"${ctx.organization}" allows tokens of at most ${cap} days`,
    });
  }
  return at;
}

/** `1 year`, `6 months 2 weeks`: a policy's `maxExpiry` as a reader would say it. */
function describeDuration(duration: CalendarDuration): string {
  const parts = (['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'] as const)
    .map((unit) => [unit, duration[unit] ?? 0] as const)
    .filter(([, n]) => n !== 0)
    .map(([unit, n]) => `${n} ${n === 1 ? unit.slice(0, -1) : unit}`);
  return parts.join(' ');
}

/**
 * The create request's zod issues, with zod's bare "Invalid input" for an
 * `expiry` of no accepted form (`'60d'`) replaced by the list of forms and
 * the policy's bound, so the caller learns what to send instead.
 */
function withExpiryForms(error: z.ZodError, policy: TokenPolicy): FieldIssue[] {
  const forms =
    `must be '30d', '90d', 'none', or an ISO 8601 date-time with an offset (or epoch ` +
    `milliseconds, or a Date) at most ${describeDuration(policy.maxExpiry)} ahead`;
  const expiryUnion = error.issues.some(
    (issue) => issue.code === 'invalid_union' && issue.path.length === 1 && issue.path[0] === 'expiry',
  );
  return zodIssues(error).map((issue) =>
    expiryUnion && issue.path === 'expiry' ? { path: 'expiry', message: forms } : issue,
  );
}

function resources(raw: ReadonlyArray<RawResource>, ctx: InputContext, issues: FieldIssue[]): ReadonlyArray<Resource> {
  const checked = resourceIssues(raw, {
    organization: ctx.organization,
    catalog: ctx.policy.catalog,
    maxRepositoryGrants: ctx.policy.maxRepositoryGrants,
  });
  if (checked.issues.length === 0) return checked.resources;
  for (const issue of checked.issues)
    issues.push({ path: issue.path === '' ? 'resources' : `resources.${issue.path}`, message: issue.message });
  return [];
}

/** The ranges in normal form, deduplicated in first-seen order; an issue per range that is not one. */
function networks(raw: ReadonlyArray<string>, issues: FieldIssue[], field = 'allowedNetworks'): ReadonlyArray<string> {
  const seen = new Set<string>();
  raw.forEach((text, i) => {
    const normal = normalizeNetwork(text);
    if (normal === null)
      issues.push({
        path: `${field}.${i}`,
        message: 'must be an IP address or a CIDR range such as 203.0.113.0/24 or 2001:db8::/32',
      });
    else seen.add(normal);
  });
  return Object.freeze([...seen]);
}

/**
 * Validates a create request, in our shape (`expiry: '30d' | '90d' | 'none' |
 * instant`) or Docker Hub's (`expires_at`, `TYPE_REPO` / `TYPE_ORG`,
 * legacy scope names). Never throws: any input gives a value.
 *
 * An instant may be epoch milliseconds, an ISO 8601 string with an offset or
 * a `Date`; the result holds epoch milliseconds either way. Everything is
 * computed in UTC: `30d` is `now + 30 * 86_400_000`, and the policy's
 * `maxExpiry` is added to `now` on the UTC calendar.
 *
 * @example
 * ```ts
 * const parsed = safeParseCreateInput(
 *   { label: 'ci', resources: [{ type: 'TYPE_REPO', path: 'acme/app', scopes: ['repo-pull'] }] },
 *   { organization: 'acme', now: Date.now(), policy: DEFAULT_POLICY },
 * );
 * if (!parsed.ok) console.log(parsed.fields);
 * ```
 */
export function safeParseCreateInput(input: CreateTokenRequest, ctx: InputContext): ParseResult<CreateTokenInput> {
  const shape = createShape.safeParse(input);
  if (!shape.success)
    return invalid('create request', withExpiryForms(shape.error, ctx.policy), ctx.policy.format.prefix);
  const issues: FieldIssue[] = [];
  const value = shape.data;
  const expiresAt = resolveExpiry(value.expiry, value.expires_at, ctx, issues);
  const granted = resources(value.resources, ctx, issues);
  const allowed = networks(
    value.allowedNetworks ?? value.allowed_networks ?? [],
    issues,
    value.allowed_networks === undefined ? 'allowedNetworks' : 'allowed_networks',
  );
  if (issues.length > 0) return invalid('create request', issues, ctx.policy.format.prefix);
  return {
    ok: true,
    value: Object.freeze({
      label: value.label,
      description: value.description ?? '',
      resources: granted,
      expiresAt,
      allowedNetworks: allowed,
    }),
  };
}

const EXPIRY_FIELDS = ['expiry', 'expires_at', 'expiresAt'];

/** An update request's fields as its schema reads them, or why not; the expiry fields get a message of their own. */
function parseUpdateShape(input: unknown, prefix: string | undefined): ParseResult<z.output<typeof updateShape>> {
  if (typeof input === 'object' && input !== null) {
    const fixed = EXPIRY_FIELDS.filter((key) => Object.hasOwn(input, key));
    if (fixed.length > 0) {
      return invalid(
        'update request',
        fixed.map((path) => ({ path, message: 'expiry cannot be changed after creation' })),
        prefix,
      );
    }
  }
  const shape = updateShape.safeParse(input);
  if (!shape.success) return invalid('update request', zodIssues(shape.error), prefix);
  return { ok: true, value: shape.data };
}

/**
 * Validates an update request: label, description, resources, and Hub's
 * `is_active`. Expiry cannot change after creation. Never throws.
 */
export function safeParseUpdateInput(input: UpdateTokenRequest, ctx: InputContext): ParseResult<UpdateTokenInput> {
  const shape = parseUpdateShape(input, ctx.policy.format.prefix);
  if (!shape.ok) return shape;
  const issues: FieldIssue[] = [];
  const value = shape.value;
  const granted = value.resources === undefined ? undefined : resources(value.resources, ctx, issues);
  const rawNetworks = value.allowedNetworks ?? value.allowed_networks;
  const allowed =
    rawNetworks === undefined
      ? undefined
      : networks(rawNetworks, issues, value.allowed_networks === undefined ? 'allowedNetworks' : 'allowed_networks');
  if (issues.length > 0) return invalid('update request', issues, ctx.policy.format.prefix);
  return {
    ok: true,
    value: Object.freeze({
      ...(value.label === undefined ? {} : { label: value.label }),
      ...(value.description === undefined ? {} : { description: value.description ?? '' }),
      ...(granted === undefined ? {} : { resources: granted }),
      ...(value.is_active === undefined ? {} : { active: value.is_active }),
      ...(allowed === undefined ? {} : { allowedNetworks: allowed }),
    }),
  };
}

/**
 * Narrows a raw body (parsed JSON, a form) to a {@link CreateTokenRequest}:
 * its shape only (known fields, each of the right type and length), since
 * what the grants and the expiry may be depends on the organization and the
 * time, which the service checks when it is given the request. The path for
 * HTTP handlers, which hold `unknown`. Pass the service's policy
 * (`service.policy`) so that messages name its bounds and a token of its
 * format pasted into the body is redacted from them. Never throws; pure.
 *
 * The value is the body itself, not a copy: hand it on unchanged.
 *
 * @example
 * ```ts
 * const request = safeParseCreateRequest(await req.json(), service.policy);
 * if (!request.ok) return Response.json({ fields: request.fields }, { status: 400 });
 * const { token, secret } = await service.create(actor, 'acme', request.value);
 * ```
 */
export function safeParseCreateRequest(
  body: unknown,
  policy: TokenPolicy = DEFAULT_POLICY,
): ParseResult<CreateTokenRequest> {
  const shape = createShape.safeParse(body);
  if (!shape.success) return invalid('create request', withExpiryForms(shape.error, policy), policy.format.prefix);
  return { ok: true, value: body as CreateTokenRequest };
}

/**
 * {@link safeParseCreateRequest} for an update: narrows a raw body to an {@link UpdateTokenRequest}. Never throws;
 * pure.
 */
export function safeParseUpdateRequest(
  body: unknown,
  policy: TokenPolicy = DEFAULT_POLICY,
): ParseResult<UpdateTokenRequest> {
  const shape = parseUpdateShape(body, policy.format.prefix);
  return shape.ok ? { ok: true, value: body as UpdateTokenRequest } : shape;
}

function orThrow<T>(result: ParseResult<T>): T {
  if (result.ok) return result.value;
  throw new OatError(result.code, result.message, { fields: result.fields });
}

/** {@link safeParseCreateInput}, throwing the `VALIDATION_FAILED` {@link OatError} instead. */
export function parseCreateInput(input: CreateTokenRequest, ctx: InputContext): CreateTokenInput {
  return orThrow(safeParseCreateInput(input, ctx));
}

/** {@link safeParseUpdateInput}, throwing the `VALIDATION_FAILED` {@link OatError} instead. */
export function parseUpdateInput(input: UpdateTokenRequest, ctx: InputContext): UpdateTokenInput {
  return orThrow(safeParseUpdateInput(input, ctx));
}

/** {@link safeParseCreateRequest}, throwing the `VALIDATION_FAILED` {@link OatError} instead. */
export function parseCreateRequest(body: unknown, policy: TokenPolicy = DEFAULT_POLICY): CreateTokenRequest {
  return orThrow(safeParseCreateRequest(body, policy));
}

/** {@link safeParseUpdateRequest}, throwing the `VALIDATION_FAILED` {@link OatError} instead. */
export function parseUpdateRequest(body: unknown, policy: TokenPolicy = DEFAULT_POLICY): UpdateTokenRequest {
  return orThrow(safeParseUpdateRequest(body, policy));
}
