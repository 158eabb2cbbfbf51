import { z } from 'zod';
import { MAX_TOKEN_LIFETIME_SECONDS } from './lifetime.js';

// The token endpoint's response bodies as zod schemas: the source of the types its answers are checked against
// (`satisfies` in endpoint.ts) and of the OpenAPI document's schemas. Internal: not exported from any entry point.

/** A 200's body: the JWT twice (Docker's `token`, OAuth2's `access_token`), its lifetime and when it was issued. */
export const registryTokenResponseSchema = z
  .object({
    token: z.string().meta({ description: 'The signed JWT (ES256 or RS256, certificate chain in `x5c`).' }),
    access_token: z.string().meta({ description: 'The same JWT, for OAuth2 clients.' }),
    // Not MIN_TOKEN_LIFETIME_SECONDS: a JWT ends a minute before the organization token behind it, however soon
    // that is.
    expires_in: z
      .number()
      .int()
      .positive()
      .max(MAX_TOKEN_LIFETIME_SECONDS)
      .meta({
        description:
          'Seconds the JWT lives: `lifetimeSeconds`, or less when the organization token or the certificate chain ' +
          'ends sooner.',
      }),
    issued_at: z.iso.datetime().meta({ description: 'RFC 3339, whole seconds, UTC.' }),
  })
  .readonly()
  .meta({ description: 'A registry token. No `refresh_token` is ever issued, so clients keep using this endpoint.' });

/** The codes of the distribution-style error bodies the endpoint answers with. */
export const REGISTRY_ERROR_CODES = [
  'INVALID_REQUEST',
  'UNAUTHORIZED',
  'UNSUPPORTED',
  'SIZE_INVALID',
  'UNKNOWN',
  'TOOMANYREQUESTS',
] as const;

/** A refusal in CNCF distribution's shape: exactly what clients such as the docker CLI print. */
export const registryErrorBodySchema = z
  .object({
    errors: z
      .array(z.object({ code: z.enum(REGISTRY_ERROR_CODES), message: z.string() }).readonly())
      .min(1)
      .readonly(),
  })
  .readonly()
  .meta({
    description: "CNCF distribution's error body: one error, its code and a message that never names a credential.",
  });

/** The error codes of RFC 6749 section 5.2. */
const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
] as const;

/** A refusal in OAuth2's shape (RFC 6749 section 5.2), for grants of the POST form this endpoint does not support. */
export const oauthErrorBodySchema = z
  .object({
    error: z.enum(OAUTH_ERROR_CODES),
    error_description: z.string().optional(),
  })
  .readonly()
  .meta({
    description:
      'An OAuth2 error (RFC 6749 section 5.2), for a POST form an OAuth2 client sent, such as a `refresh_token` grant.',
  });

/** The body of a 200 from the token endpoint. */
export type RegistryTokenResponse = z.output<typeof registryTokenResponseSchema>;

/** The body of every refusal in distribution's shape. */
export type RegistryErrorBody = z.output<typeof registryErrorBodySchema>;
