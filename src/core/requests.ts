import type { RawResource } from './grants.js';
import type { EpochMillis, Resource } from './token.js';

// Types only, written out rather than inferred: the public .d.ts then names no zod type, and
// test/core/request-types.test.ts holds each one equal to `z.input` of its schema in schemas.ts.

/**
 * Expiry presets a create request may name: `30d` and `90d` are exactly 30 and 90 times 24 hours. `none` never expires.
 */
export type ExpiryPreset = 'none' | '30d' | '90d';

/**
 * A create request as a caller writes it, in our shape (`expiry`) or Docker
 * Hub's (`expires_at`, `TYPE_REPO` / `TYPE_ORG`, legacy scope names). The
 * type of `z.input` of the create schema: a misspelt or missing field does
 * not compile. Still checked at run time (`safeParseCreateInput`), which also
 * applies what no type can say (lengths, scope names, the policy's bounds).
 */
export interface CreateTokenRequest {
  /** 1 to 100 characters once trimmed. */
  readonly label: string;
  /** At most 200 characters; `null` or absent: empty. */
  readonly description?: string | null | undefined;
  /** 1 to 256 grants. */
  readonly resources: ReadonlyArray<RawResource>;
  /** A preset, or an instant: epoch milliseconds, a `Date`, or an ISO 8601 date-time with an offset. Absent: `none`. */
  readonly expiry?: ExpiryPreset | EpochMillis | Date | string | undefined;
  /** Docker Hub's form of a custom expiry: an ISO 8601 date-time with an offset (or a `Date`); never with `expiry`. */
  readonly expires_at?: Date | string | null | undefined;
  /** Docker Hub sends `is_active: true`; tokens are always created active. */
  readonly is_active?: true | undefined;
  /**
   * CIDR ranges (IPv4 or IPv6; a bare address is one host) logins must come from; at most 50. Absent or empty:
   * anywhere.
   */
  readonly allowedNetworks?: ReadonlyArray<string> | undefined;
  /** Docker Hub API spelling of `allowedNetworks` (an extension of Hub's API); never with `allowedNetworks`. */
  readonly allowed_networks?: ReadonlyArray<string> | undefined;
}

/**
 * An update request as a caller writes it: only the fields to change, at
 * least one of them. `is_active` is Docker Hub's switch between active and
 * inactive. Expiry cannot change after creation, so it has no field here.
 * Still checked at run time (`safeParseUpdateInput`).
 */
export interface UpdateTokenRequest {
  readonly label?: string | undefined;
  readonly description?: string | null | undefined;
  readonly resources?: ReadonlyArray<RawResource> | undefined;
  readonly is_active?: boolean | undefined;
  /** Replaces the allowed CIDR ranges; `[]` allows every address again. */
  readonly allowedNetworks?: ReadonlyArray<string> | undefined;
  /** The Hub API's spelling of `allowedNetworks`; never with `allowedNetworks`. */
  readonly allowed_networks?: ReadonlyArray<string> | undefined;
}

/** A validated create request. */
export interface CreateTokenInput {
  readonly label: string;
  readonly description: string;
  readonly resources: ReadonlyArray<Resource>;
  readonly expiresAt: EpochMillis | null;
  /** Normal forms (see `normalizeNetwork`), deduplicated, in the order given; `[]`: anywhere. */
  readonly allowedNetworks: ReadonlyArray<string>;
}

/** A validated update request: only the fields to change. `active` comes from Hub's `is_active`. */
export interface UpdateTokenInput {
  readonly label?: string;
  readonly description?: string;
  readonly resources?: ReadonlyArray<Resource>;
  readonly active?: boolean;
  /** Normal forms, deduplicated; `[]` lifts the restriction. */
  readonly allowedNetworks?: ReadonlyArray<string>;
}
