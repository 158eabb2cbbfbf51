import type { OrganizationProfile } from '../core/access.js';
import type { AuthenticationDenialCode } from '../core/login.js';
import type { LeakedEvent } from './leak-report.js';
import type { OrganizationId, OrganizationName, TokenId } from '../core/ids.js';
import type { RotatedSecret, RotationPlan } from '../core/rotation.js';
import type { AccessTokenRecord, EpochMillis, TokenStatus } from '../core/token.js';

/**
 * Every reason {@link TokenStore.insertWithinQuota} refuses: the quota guard, or an id or secret hash already stored.
 */
export const INSERT_DENIAL_CODES = Object.freeze(['QUOTA_EXCEEDED', 'DUPLICATE'] as const);

/** Why {@link TokenStore.insertWithinQuota} refused. */
export type InsertDenialCode = (typeof INSERT_DENIAL_CODES)[number];

/** Outcome of {@link TokenStore.insertWithinQuota}; `count` is the live count the quota guard saw. */
export type InsertOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'QUOTA_EXCEEDED'; readonly count: number }
  | { readonly ok: false; readonly code: 'DUPLICATE' };

/** Every reason {@link TokenStore.replace} refuses: the version guard (or a deleted token), or no such token. */
export const REPLACE_DENIAL_CODES = Object.freeze(['CONFLICT', 'NOT_FOUND'] as const);

/** Why {@link TokenStore.replace} refused. */
export type ReplaceDenialCode = (typeof REPLACE_DENIAL_CODES)[number];

/** Outcome of {@link TokenStore.replace}. */
export type ReplaceOutcome = { readonly ok: true } | { readonly ok: false; readonly code: ReplaceDenialCode };

/**
 * What {@link TokenStore.list} returns: one page and the total across pages. Frozen, `items` included.
 *
 * Invariant: `items.length + unreadable` is the number of rows in the page's
 * window, `unreadableIds.length <= unreadable`; `total` counts every matching
 * row, readable or not.
 */
export interface TokenPage {
  readonly items: ReadonlyArray<AccessTokenRecord>;
  readonly total: number;
  /**
   * Rows of this page the store could not read (`parseStoredRecord` refused
   * them) and left out of `items`; `0` for a store that cannot hold one.
   */
  readonly unreadable: number;
  /**
   * The ids of those unreadable rows whose id column still reads as a token
   * id (all of them in a store whose id column is typed), in page order, so
   * they can be deleted with {@link TokenStore.markDeleted}; `[]` for a
   * store that cannot hold one. `parseStoredRows` gives it with `unreadable`.
   */
  readonly unreadableIds: ReadonlyArray<TokenId>;
}

/** A listing query. Results are ordered by `createdAt`, then `id`, ascending. */
export interface ListQuery {
  /** The owning organization's id: tokens are listed by `organizationId`, whatever name they were created under. */
  readonly organizationId: OrganizationId;
  /**
   * Statuses to include; `expired` is derived with `now` (not deleted and
   * `expiresAt <= now`), and `active` / `inactive` then mean "and not
   * expired". Default: every status but `deleted`.
   */
  readonly statuses?: ReadonlyArray<TokenStatus>;
  /** The instant that decides `expired`. */
  readonly now: EpochMillis;
  /** Records to skip. */
  readonly offset: number;
  /** Most records to return (at least 1). */
  readonly limit: number;
}

/**
 * Persistence for token records. Every method that changes state carries its
 * own guard and applies atomically, so the service never reads, decides and
 * writes for anything that must hold under concurrency. Records handed in and
 * out are deeply frozen {@link AccessTokenRecord}s with epoch-millisecond
 * instants; a page from `list` is frozen too, its `items` array included.
 *
 * Run `describeTokenStoreContract` from `org-access-tokens/testing` against an
 * implementation to check it keeps every promise below.
 */
export interface TokenStore {
  /**
   * Inserts `record` only while its organization (`record.organizationId`)
   * holds fewer than `limit` non-deleted tokens, counted and inserted atomically: N concurrent calls at
   * a limit of k leave at most k tokens, across processes for a shared
   * database. Resolves to `{ ok: true }`, or refuses with
   * `{ ok: false, code: 'QUOTA_EXCEEDED', count }` (the live count it saw) or
   * `{ ok: false, code: 'DUPLICATE' }` when the id or the secret hash exists.
   */
  insertWithinQuota(record: AccessTokenRecord, limit: number): Promise<InsertOutcome>;
  /**
   * Replaces the stored record with the same id by `record`, only if the
   * stored version is `expectedVersion` and the stored state is not
   * `deleted`: `{ ok: true }`; otherwise `{ ok: false, code: 'CONFLICT' }`
   * (or `'NOT_FOUND'` when no token has the id). Atomic: of two
   * concurrent replaces expecting the same version, at most one applies. A
   * replace into `deleted` frees the quota it held in the same step.
   * `lastUsedAt`, `organizationId`, `organization` and `secretHash` of
   * `record` are ignored: the stored ones are kept.
   */
  replace(record: AccessTokenRecord, expectedVersion: number): Promise<ReplaceOutcome>;
  /**
   * Records a use of a token that is not deleted, in one guarded step: sets
   * `lastUsedAt` to `at` only if it is null or earlier than `ifOlderThan`
   * (which is never after `at`), so it never moves backwards and is written at
   * most once per interval. With `address` (a normal form, see
   * `normalizeAddress`), the step also applies when `address` is not among
   * `recentAddresses`, and whenever it applies it puts `address` first in
   * `recentAddresses`, removing it further down and keeping at most five (see
   * `withRecentAddress`); `lastUsedAt` still changes only as above. Does not
   * change `version`. Resolves to whether it wrote. Of concurrent calls with
   * the same arguments at most one writes.
   */
  touchLastUsed(id: TokenId, at: EpochMillis, ifOlderThan: EpochMillis, address?: string): Promise<boolean>;
  /**
   * Marks a token deleted without reading its record, for a row the store
   * cannot read: applies only if the stored id is `id`, the stored
   * organization id is `organizationId` and the stored state is not `deleted`,
   * in one guarded statement; sets `updatedAt` to `at`, bumps `version` and
   * frees the quota the token held in the same step. Resolves to the stored
   * secret hash (for the audit fingerprint) when it applied, `null` when the
   * guard failed. Of concurrent calls for one token at most one applies.
   */
  markDeleted(id: TokenId, organizationId: OrganizationId, at: EpochMillis): Promise<string | null>;
  /**
   * The record with this id, deleted ones included, or `null`. A row that
   * cannot be read rejects with `STORE_FAILURE` and `context.reason`
   * `'UNREADABLE'` (what `parseStoredRecord` throws).
   */
  findById(id: TokenId): Promise<AccessTokenRecord | null>;
  /**
   * The record whose `secretHash` equals `secretHash`, deleted ones included,
   * or `null`. The one read on every login.
   */
  findBySecretHash(secretHash: string): Promise<AccessTokenRecord | null>;
  /**
   * One page of an organization's tokens (by `organizationId`) and the total
   * that match. A row that cannot be read is left out of `items` and counted
   * in `unreadable`, so one broken row never hides the others; any other
   * fault rejects.
   */
  list(query: ListQuery): Promise<TokenPage>;
  /** How many non-deleted tokens the organization with this id holds (the quota count). */
  countLive(organizationId: OrganizationId): Promise<number>;
}

/**
 * The optional capability of a {@link TokenStore} that rotation needs: one
 * guarded write that swaps a token's secret and keeps the retired one, and a
 * lookup of retired hashes. A service built with the `rotation` option
 * checks once, at construction, that its store has both methods.
 *
 * Run `describeTokenStoreContract` with `capabilities.rotation` to check an
 * implementation keeps the promises below.
 */
export interface TokenRotationStore {
  /**
   * Applies a rotation only if the stored version is `expectedVersion` and the
   * stored state is not `deleted`: sets `secretHash`, `displayPrefix`,
   * `updatedAt` and `version` from `plan.next` (every other field of it is
   * ignored: the stored ones are kept) and keeps `plan.retired` for the
   * stored hash it replaces, in one atomic step: a login sees either the old
   * record under the old hash, or the new record under the new hash and the
   * retired record under the old one, never a mix. Of two concurrent rotations
   * (or a rotation and a replace) expecting the same version, at most one
   * applies; the other resolves to `{ ok: false, code: 'CONFLICT' }`.
   * `{ ok: false, code: 'NOT_FOUND' }` when no token has the id. The new hash
   * must be fresh (a random secret's): one already stored is a fault and
   * rejects with `STORE_FAILURE`. May drop retired records whose `forgetAt` is
   * at or before `plan.retired.rotatedAt`. In the same step, every retired
   * record of the token kept from an earlier rotation gets `graceEndsAt =
   * max(rotatedAt, min(graceEndsAt, plan.retired.rotatedAt))`, so a rotation
   * with no grace (after a compromise) ends the grace of every older secret too.
   */
  rotate(plan: RotationPlan, expectedVersion: number): Promise<ReplaceOutcome>;
  /**
   * The retired record kept for this hash, or `null`. May still return one
   * whose `forgetAt` has passed (stores prune lazily): the caller treats it as
   * forgotten. A row that cannot be read rejects with `STORE_FAILURE` and
   * `context.reason` `'UNREADABLE'`. Like `findBySecretHash`, a store may
   * answer synchronously.
   */
  findRotatedSecret(secretHash: string): RotatedSecret | null | Promise<RotatedSecret | null>;
}

/**
 * Hashes a whole token secret for storage and lookup. Synchronous on purpose:
 * it runs on every authentication. It must not throw: it is pure computation,
 * and what it throws reaches the caller unwrapped. Output is a string (hex or base64url): a
 * string hash is cheaper to produce, store and compare than a Buffer.
 */
export interface SecretHasher {
  /** A short name stored nowhere secret, for example `sha256` or `hmac-sha256`. */
  readonly algorithm: string;
  /** Deterministic hash of `secret`. */
  hash(secret: string): string;
}

/** The source of "now". Inject a fake one in tests. It must not throw: what it throws reaches the caller unwrapped. */
export interface Clock {
  /** The current instant in epoch milliseconds, as `Date.now()` returns it. */
  now(): EpochMillis;
}

/** Audit actions for management operations, in Docker Hub's naming. */
export type ManagementAction =
  | 'access_token.create'
  | 'access_token.update'
  | 'access_token.deactivate'
  | 'access_token.reactivate'
  | 'access_token.delete'
  | 'access_token.rotate';

/**
 * An audit event. Carries the token id and a fingerprint derived from the
 * secret's hash (never the secret, never the full hash).
 */
export type TokenEvent =
  | {
      readonly type: ManagementAction;
      readonly at: EpochMillis;
      readonly organization: OrganizationName;
      readonly tokenId: TokenId;
      readonly fingerprint: string;
      readonly actor: string;
      /** Fields an update changed. */
      readonly changed?: ReadonlyArray<string>;
    }
  | {
      readonly type: 'access_token.authenticate';
      readonly at: EpochMillis;
      readonly organization: OrganizationName;
      readonly tokenId: TokenId;
      readonly fingerprint: string;
      readonly outcome: 'success';
    }
  | {
      readonly type: 'access_token.authenticate';
      readonly at: EpochMillis;
      /**
       * The username presented, lower case, when it could be an organization
       * name; `null` otherwise, and always `null` when it looks like a token:
       * starts with the token prefix or is longer than 30 characters (a client
       * that swapped username and password must not log the secret).
       */
      readonly username: string | null;
      readonly tokenId: TokenId | null;
      readonly fingerprint: string | null;
      readonly outcome: 'failure';
      readonly code: AuthenticationDenialCode;
    }
  | LeakedEvent;

/**
 * Receives audit events. Called synchronously after the change is stored;
 * a sink that needs I/O should queue. A sink that throws does not undo the
 * change: the error is reported to `onSinkError` (default: ignored).
 */
export interface EventSink {
  /** Takes one event; must not block, and a throw is reported, never propagated. */
  emit(event: TokenEvent): void;
}

/**
 * The host application's organizations: plan, owners, company, IAM and RAM
 * settings. Read through this port so the library keeps no copy.
 */
export interface OrganizationDirectory {
  /**
   * The profile of the organization that holds this name now (name lower
   * case), or `null` when none does. Its `id` must stay with the organization
   * through renames and never be given to another one.
   */
  get(name: OrganizationName): OrganizationProfile | null | Promise<OrganizationProfile | null>;
}
