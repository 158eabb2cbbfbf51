import type { OrganizationId, OrganizationName, TokenId } from '../core/ids.js';
import { freezeRecord, statusOf, type AccessTokenRecord, type Resource, type TokenStatus } from '../core/token.js';
import type { RotatedSecret } from '../core/rotation.js';
import { isNewAddress, withRecentAddress } from '../core/recent-addresses.js';
import { OatError } from '../errors.js';
import type { InsertOutcome, ListQuery, ReplaceOutcome, TokenPage, TokenRotationStore, TokenStore } from './ports.js';
import { CONFLICT, DUPLICATE, INSERTED, NOT_FOUND, quotaExceeded, REPLACED } from './store-outcomes.js';

const LIVE: ReadonlyArray<TokenStatus> = ['active', 'inactive', 'expired'];
const NO_ITEMS: ReadonlyArray<never> = Object.freeze([]);
const resolved = <T>(value: T): Promise<T> => Promise.resolve(value);
/** A memory store holds only records it was handed, so it never has an unreadable row. */
const NONE: ReadonlyArray<TokenId> = Object.freeze([]);
const MAX_SHARED_SCOPE_LISTS = 1024;

/**
 * The embedded default {@link TokenStore}: records in memory, indexed by id
 * and by secret hash, with a counter per organization id so the quota guard is
 * O(1). Every method runs to completion synchronously before its promise
 * resolves, so each guard is atomic within the process. It keeps deeply
 * frozen records and hands out those same objects (and frozen pages): with
 * every instant a number, nothing a caller receives can change what is
 * stored. It has the rotation capability ({@link TokenRotationStore}):
 * retired hashes live in a map, pruned at each rotation once forgotten.
 *
 * @example
 * ```ts
 * const service = createTokenService({ store: createMemoryTokenStore(), organizations });
 * ```
 */
export function createMemoryTokenStore(): TokenStore & TokenRotationStore & { readonly size: number } {
  const byId = new Map<string, AccessTokenRecord>();
  const byHash = new Map<string, AccessTokenRecord>();
  const retired = new Map<string, RotatedSecret>();
  // Keyed by organization id: ownership, listing and quota follow the id, never the name.
  const idsByOrg = new Map<string, Set<string>>();
  const live = new Map<string, number>();
  // One string per organization name and id, so 100k records share them.
  const intern = new Map<string, OrganizationName>();
  const internId = new Map<string, OrganizationId>();

  // One frozen array per distinct scope list, shared by every record holding it (about 1 KB less per stored
  // token at 5 grants; see docs/performance.md). Kept by the store that keeps records, not in the pure core, and
  // bounded, so odd lists cannot grow it forever.
  const scopeLists = new Map<string, ReadonlyArray<string>>();
  const shareScopes = (resources: ReadonlyArray<Resource>): ReadonlyArray<Resource> =>
    resources.map((resource) => {
      // JSON, not a join: a record handed to a store need not come from validation, and no separator is safe then.
      const key = JSON.stringify(resource.scopes);
      let list = scopeLists.get(key);
      if (list === undefined) {
        list = Object.freeze([...resource.scopes]);
        if (scopeLists.size < MAX_SHARED_SCOPE_LISTS) scopeLists.set(key, list);
      }
      return { ...resource, scopes: list };
    });

  // A caller's own array is copied, not frozen in place: storing a record must not change what the caller holds.
  // A frozen one (what the service hands in) cannot change, so it is kept. Every empty list is one shared frozen
  // array: most tokens have no allow-list, and none has addresses before its first login (scale bench, memory probe).
  const owned = <T>(list: ReadonlyArray<T>): ReadonlyArray<T> => {
    if (list.length === 0) return NO_ITEMS;
    return Object.isFrozen(list) ? list : [...list];
  };

  const put = (record: AccessTokenRecord): void => {
    byId.set(record.id, record);
    byHash.set(record.secretHash, record);
  };

  return {
    get size() {
      return byId.size;
    },
    insertWithinQuota(record, limit): Promise<InsertOutcome> {
      if (byId.has(record.id) || byHash.has(record.secretHash)) return resolved(DUPLICATE);
      const count = live.get(record.organizationId) ?? 0;
      if (count >= limit) return resolved(quotaExceeded(count));
      let organization = intern.get(record.organization);
      if (organization === undefined) {
        organization = record.organization;
        intern.set(organization, organization);
      }
      let organizationId = internId.get(record.organizationId);
      if (organizationId === undefined) {
        organizationId = record.organizationId;
        internId.set(organizationId, organizationId);
      }
      put(
        freezeRecord({
          ...record,
          organization,
          organizationId,
          resources: shareScopes(record.resources),
          allowedNetworks: owned(record.allowedNetworks),
          recentAddresses: owned(record.recentAddresses),
        }),
      );
      let ids = idsByOrg.get(organizationId);
      if (ids === undefined) idsByOrg.set(organizationId, (ids = new Set()));
      ids.add(record.id);
      if (record.state !== 'deleted') live.set(organizationId, count + 1);
      return resolved(INSERTED);
    },
    replace(record, expectedVersion): Promise<ReplaceOutcome> {
      const stored = byId.get(record.id);
      if (stored === undefined) return resolved(NOT_FOUND);
      if (stored.version !== expectedVersion || stored.state === 'deleted') return resolved(CONFLICT);
      put(
        freezeRecord({
          ...record,
          organizationId: stored.organizationId,
          organization: stored.organization,
          secretHash: stored.secretHash,
          lastUsedAt: stored.lastUsedAt,
          recentAddresses: stored.recentAddresses,
          resources: shareScopes(record.resources),
          allowedNetworks: owned(record.allowedNetworks),
        }),
      );
      if (record.state === 'deleted') live.set(stored.organizationId, (live.get(stored.organizationId) ?? 1) - 1);
      return resolved(REPLACED);
    },
    touchLastUsed(id, at, ifOlderThan, address): Promise<boolean> {
      const stored = byId.get(id);
      if (stored === undefined || stored.state === 'deleted') return resolved(false);
      const due = stored.lastUsedAt === null || stored.lastUsedAt < ifOlderThan;
      if (!due && !isNewAddress(stored.recentAddresses, address)) return resolved(false);
      put(
        freezeRecord({
          ...stored,
          lastUsedAt: due ? at : stored.lastUsedAt,
          recentAddresses:
            address === undefined ? stored.recentAddresses : withRecentAddress(stored.recentAddresses, address),
        }),
      );
      return resolved(true);
    },
    markDeleted(id, organizationId, at): Promise<string | null> {
      const stored = byId.get(id);
      if (stored === undefined || stored.organizationId !== organizationId || stored.state === 'deleted')
        return resolved(null);
      put(freezeRecord({ ...stored, state: 'deleted', updatedAt: at, version: stored.version + 1 }));
      live.set(stored.organizationId, (live.get(stored.organizationId) ?? 1) - 1);
      return resolved(stored.secretHash);
    },
    rotate(plan, expectedVersion): Promise<ReplaceOutcome> {
      const stored = byId.get(plan.next.id);
      if (stored === undefined) return resolved(NOT_FOUND);
      if (stored.version !== expectedVersion || stored.state === 'deleted') return resolved(CONFLICT);
      const fresh = plan.next.secretHash;
      if (byHash.has(fresh) || retired.has(fresh))
        return Promise.reject(
          new OatError('STORE_FAILURE', 'rotate was given a secret hash that is already stored', {
            context: { operation: 'rotate', tokenId: stored.id },
          }),
        );
      // Pruned here, the only write that adds records, so the map stays bounded by recent rotations.
      const now = plan.retired.rotatedAt;
      for (const [hash, record] of retired) {
        if (record.forgetAt <= now) retired.delete(hash);
        // A rotation ends every earlier grace of the token (a grace-0 rotation after a compromise must stop them).
        else if (record.tokenId === stored.id && record.graceEndsAt > now)
          retired.set(hash, Object.freeze({ ...record, graceEndsAt: Math.max(record.rotatedAt, now) }));
      }
      byHash.delete(stored.secretHash);
      put(
        freezeRecord({
          ...stored,
          secretHash: fresh,
          displayPrefix: plan.next.displayPrefix,
          updatedAt: plan.next.updatedAt,
          version: plan.next.version,
        }),
      );
      // Keyed by the hash actually replaced, whatever the plan says: the guard proved they are the same version.
      retired.set(
        stored.secretHash,
        Object.freeze({ ...plan.retired, tokenId: stored.id, secretHash: stored.secretHash }),
      );
      return resolved(REPLACED);
    },
    // Synchronous like findBySecretHash: it is read on a login whose live lookup missed.
    findRotatedSecret(secretHash) {
      return retired.get(secretHash) ?? null;
    },
    findById(id: TokenId) {
      return resolved(byId.get(id) ?? null);
    },
    findBySecretHash(secretHash) {
      return resolved(byHash.get(secretHash) ?? null);
    },
    list(query: ListQuery): Promise<TokenPage> {
      const wanted = new Set(query.statuses ?? LIVE);
      const matching: AccessTokenRecord[] = [];
      for (const id of idsByOrg.get(query.organizationId) ?? []) {
        const record = byId.get(id) as AccessTokenRecord;
        if (wanted.has(statusOf(record, query.now))) matching.push(record);
      }
      matching.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return resolved(
        Object.freeze({
          items: Object.freeze(matching.slice(query.offset, query.offset + query.limit)),
          total: matching.length,
          unreadable: 0,
          unreadableIds: NONE,
        }),
      );
    },
    countLive(organizationId) {
      return resolved(live.get(organizationId) ?? 0);
    },
  };
}
