import type { AccessTokenRecord, EpochMillis, Resource } from '../core/token.js';

/** A grant as Docker Hub's API writes it. Scopes are canonical `scope-*` names. */
export interface HubResource {
  readonly type: 'TYPE_REPO' | 'TYPE_ORG';
  readonly path: string;
  readonly scopes: ReadonlyArray<string>;
}

/**
 * A token as Docker Hub's list endpoint returns it: no resources, no secret,
 * no hash. Instants are ISO 8601 strings in UTC. `is_active` is the stored
 * state; an expired token may still read `is_active: true` (Hub has no status
 * field: compare `expires_at` with the time).
 */
export interface HubAccessTokenSummary {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly created_by: string;
  readonly is_active: boolean;
  readonly created_at: string;
  readonly expires_at: string | null;
  readonly last_used_at: string | null;
}

/**
 * A token as Docker Hub's get and update endpoints return it: the summary plus
 * its grants, and this library's extensions `allowed_networks` and
 * `last_client_addresses`.
 */
export interface HubAccessToken extends HubAccessTokenSummary {
  readonly resources: ReadonlyArray<HubResource>;
  /** CIDR ranges in normal form logins must come from; `[]`: anywhere. Not in Docker Hub's API. */
  readonly allowed_networks: ReadonlyArray<string>;
  /** The last five distinct client addresses it logged in from, newest first. Not in Docker Hub's API. */
  readonly last_client_addresses: ReadonlyArray<string>;
}

/** What creation returns: the token and, this once, its plaintext secret. */
export interface HubCreatedAccessToken extends HubAccessToken {
  readonly token: string;
}

/** One page of tokens as Docker Hub's list endpoint returns it. */
export interface HubAccessTokenPage {
  readonly total: number;
  /** Absolute URL of the next page, or `null` on the last one. */
  readonly next: string | null;
  /** Absolute URL of the previous page, or `null` on the first one. */
  readonly previous: string | null;
  readonly results: ReadonlyArray<HubAccessTokenSummary>;
}

const iso = (ms: EpochMillis | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Maps one validated grant to Hub's shape (`repository` -> `TYPE_REPO`, `organization` -> `TYPE_ORG`). */
export function toHubResource(resource: Resource): HubResource {
  return {
    type: resource.type === 'repository' ? 'TYPE_REPO' : 'TYPE_ORG',
    path: resource.path,
    scopes: [...resource.scopes],
  };
}

/**
 * Maps a record to the list shape of Docker Hub's API. Copies only the public
 * fields, so the secret hash and display prefix can never leak through it.
 */
export function toHubAccessTokenSummary(record: AccessTokenRecord): HubAccessTokenSummary {
  return {
    id: record.id,
    label: record.label,
    description: record.description,
    created_by: record.createdBy,
    is_active: record.state === 'active',
    created_at: new Date(record.createdAt).toISOString(),
    expires_at: iso(record.expiresAt),
    last_used_at: iso(record.lastUsedAt),
  };
}

/**
 * Maps a record to the shape Docker Hub's get and update endpoints return:
 * {@link toHubAccessTokenSummary} plus `resources`.
 *
 * @example
 * ```ts
 * const body = toHubAccessToken(await service.get(actor, 'acme', id));
 * // { id, label, description, created_by, is_active, created_at, expires_at, last_used_at,
 * //   resources: [...], allowed_networks: [], last_client_addresses: [] }
 * ```
 */
export function toHubAccessToken(record: AccessTokenRecord): HubAccessToken {
  return {
    ...toHubAccessTokenSummary(record),
    resources: record.resources.map(toHubResource),
    allowed_networks: [...record.allowedNetworks],
    last_client_addresses: [...record.recentAddresses],
  };
}
