import { z } from 'zod';
import { HUB_ERROR_CODES } from './responses.js';

/**
 * The Hub API's response bodies as zod schemas, the source of the OpenAPI
 * document (`z.toJSONSchema`). The public interfaces in json.ts and
 * responses.ts stay plain TypeScript, so the published types name no zod
 * type; test/openapi/types.test.ts holds each schema's output equal to its
 * interface, so the two cannot drift. Internal: the entry exports the types
 * and `createOpenApiDocument`, not these schemas.
 */

// Our token ids are lower-case UUIDs (src/core/ids.ts); any version, so no version nibble check.
const TOKEN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const instant = z.iso.datetime();

/**
 * Every `code` an error body may carry: `HUB_ERROR_CODES`, the one list (the
 * library's codes, then those only HTTP has), so the document, the types and
 * the responses cannot part ways.
 */
export const hubErrorCodeSchema = z.enum(HUB_ERROR_CODES);

/** One grant of a token, as Docker Hub writes it. */
export const hubResourceSchema = z
  .object({
    type: z.enum(['TYPE_REPO', 'TYPE_ORG']),
    path: z
      .string()
      .meta({ description: '`org/repo`, `org/*`, `*/*/public`, or the organization itself for `TYPE_ORG`.' }),
    scopes: z
      .array(z.string())
      .readonly()
      .meta({ description: 'Canonical `scope-*` names, even when the request used a legacy name.' }),
  })
  .readonly()
  .meta({ description: "A grant as Docker Hub's API writes it." });

const summaryShape = {
  id: z.string().regex(TOKEN_ID).meta({ description: 'A lower-case UUID.' }),
  label: z.string(),
  description: z.string(),
  created_by: z.string().meta({ description: 'Username of the person who created the token.' }),
  is_active: z.boolean().meta({
    description: 'The stored state: an expired token may still read `true` (compare `expires_at` with the time).',
  }),
  created_at: instant,
  expires_at: instant.nullable().meta({ description: '`null`: never expires.' }),
  last_used_at: instant.nullable().meta({ description: '`null`: never used.' }),
};

/** A token in the list: the public fields only, so a hash or secret cannot slip into a list answer. */
export const hubAccessTokenSummarySchema = z.object(summaryShape).readonly().meta({
  description: 'A token as the list returns it: no resources, no secret, no hash. Instants are ISO 8601 in UTC.',
});

const detailShape = {
  ...summaryShape,
  resources: z.array(hubResourceSchema).readonly(),
  allowed_networks: z.array(z.string()).readonly().meta({
    description:
      'Extension (not in Docker Hub): CIDR ranges in normal form that logins must come from; `[]`: any address.',
  }),
  last_client_addresses: z
    .array(z.string())
    .readonly()
    .meta({
      description:
        'Extension (not in Docker Hub): the last five distinct client addresses the token logged in from, ' +
        'newest first ' +
        '(IPv4-mapped IPv6 shown as IPv4). Recorded as best-effort bookkeeping, like `last_used_at`.',
    }),
};

/** A token as get and update answer it: the summary, its grants and its allowed networks. */
export const hubAccessTokenSchema = z
  .object(detailShape)
  .readonly()
  .meta({ description: 'A token as get and update return it: the summary plus its grants and allowed networks.' });

/** The 201 of a create: the token, its grants and, only here, its plaintext secret. */
export const hubCreatedAccessTokenSchema = z
  .object({
    ...detailShape,
    token: z.string().meta({ description: 'The plaintext secret, shown this once.' }),
  })
  .readonly()
  .meta({ description: 'What creation returns: the token and, this once, its plaintext secret.' });

/** A 200 of the list: Docker Hub's paging envelope. */
export const hubAccessTokenPageSchema = z
  .object({
    total: z.number().int().nonnegative().meta({ description: 'Tokens of the organization, readable or not.' }),
    next: z.url().nullable().meta({ description: 'Absolute URL of the next page, or `null` on the last one.' }),
    previous: z
      .url()
      .nullable()
      .meta({ description: 'Absolute URL of the previous page, or `null` on the first one.' }),
    results: z.array(hubAccessTokenSummarySchema).readonly(),
  })
  .readonly()
  .meta({ description: "One page of tokens as Docker Hub's list endpoint returns it." });

/** Every 400: each offending field with its messages. */
export const hubValidationErrorBodySchema = z
  .object({
    fields: z
      .record(z.string(), z.array(z.string()).readonly())
      .readonly()
      .meta({ description: 'Each offending field (a dotted path, `body` for the whole body) with its messages.' }),
    text: z.string().meta({ description: 'The messages summed up.' }),
    code: z.literal('VALIDATION_FAILED'),
  })
  .readonly()
  .meta({ description: "Docker Hub's 400 body." });

const errorShape = z.object({
  detail: z.string().meta({ description: 'The HTTP reason phrase, for example `Forbidden`.' }),
  message: z.string().meta({ description: 'What went wrong, in plain words; never a secret or an internal detail.' }),
  code: hubErrorCodeSchema.meta({
    description:
      "Stable between releases; this library's addition to Hub's shape, so clients can tell apart refusals " +
      'that share a status.',
  }),
});

/** Every other error: `{detail, message, code}`. */
export const hubErrorBodySchema = errorShape
  .readonly()
  .meta({ description: "Docker Hub's body for every error but validation." });

/** {@link hubErrorBodySchema} narrowed to one status: its reason phrase and the codes it is answered with. */
export function hubErrorBodyFor(reason: string, codes: ReadonlyArray<z.output<typeof hubErrorCodeSchema>>) {
  return errorShape
    .extend({ detail: z.literal(reason), code: z.enum(codes) })
    .readonly()
    .meta({ description: "Docker Hub's error body, as this status has it." });
}
