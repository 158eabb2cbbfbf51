import { OatError } from '../../errors.js';
import { toOrganizationId, toOrganizationName, toTokenId } from '../../core/ids.js';
import { freezeRecord, type AccessTokenRecord } from '../../core/token.js';

/**
 * The instant (epoch milliseconds) test records are created from: odd milliseconds, so a store that drops them is
 * caught.
 */
export const TEST_EPOCH = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

/** Fields to set on a {@link makeTestRecord} record; `id`, `organizationId` and `organization` as plain strings. */
export type TestRecordOverrides = Partial<Omit<AccessTokenRecord, 'id' | 'organizationId' | 'organization'>> & {
  readonly id?: string;
  /**
   * Default: the organization name, as a database migrated from 0.1 holds it. The contract's identity tests set ids
   * unlike the names.
   */
  readonly organizationId?: string;
  readonly organization?: string;
};

/**
 * A valid, deeply frozen token record derived only from `seq`: the same `seq`
 * always gives the same record, and different ones never share an id or a
 * secret hash.
 *
 * Invariant: `id` and `secretHash` are unique per `seq`; `createdAt` grows
 * with `seq` (1.001 s apart) and carries milliseconds; the record is active,
 * version 1, never used, never expiring, with a repository grant and the
 * public-repositories grant, unless `overrides` says otherwise.
 *
 * @example
 * ```ts
 * const record = makeTestRecord(1, { organization: 'acme', state: 'inactive' });
 * await store.insertWithinQuota(record, 10);
 * ```
 */
export function makeTestRecord(seq: number, overrides: TestRecordOverrides = {}): AccessTokenRecord {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= 2 ** 48) {
    throw new OatError('MISCONFIGURED', 'makeTestRecord needs a sequence number from 0 to 2^48 - 1', {
      context: { seq },
    });
  }
  const { id: rawId, organizationId: rawOrganizationId, organization: rawOrganization, ...rest } = overrides;
  const id = toTokenId(rawId ?? `00000000-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`);
  const organization = toOrganizationName(rawOrganization ?? 'acme');
  const organizationId = toOrganizationId(rawOrganizationId ?? organization ?? '');
  if (id === null || organization === null || organizationId === null) {
    throw new OatError(
      'MISCONFIGURED',
      'makeTestRecord overrides need a UUID id, a valid organization name and organization id',
      { context: { seq } },
    );
  }
  const createdAt = TEST_EPOCH + seq * 1001;
  return freezeRecord<AccessTokenRecord>({
    id,
    organizationId,
    organization,
    label: `token ${seq}`,
    description: '',
    createdBy: 'alice',
    createdAt,
    updatedAt: createdAt,
    expiresAt: null,
    lastUsedAt: null,
    state: 'active',
    resources: [
      { type: 'repository', path: `${organization}/app`, scopes: ['scope-image-pull', 'scope-image-push'] },
      { type: 'repository', path: '*/*/public', scopes: ['scope-image-pull'] },
    ],
    secretHash: `test-hash-${seq.toString(16).padStart(12, '0')}`,
    displayPrefix: `oat_${seq.toString(36).padStart(4, '0').slice(-4)}`,
    version: 1,
    allowedNetworks: [],
    recentAddresses: [],
    ...rest,
  });
}

/** The same record with some fields changed and `version + 1`, frozen: what a service would hand to `replace`. */
export function nextVersion(
  record: AccessTokenRecord,
  changes: Partial<Omit<AccessTokenRecord, 'id' | 'version'>> = {},
): AccessTokenRecord {
  return freezeRecord<AccessTokenRecord>({ ...record, ...changes, version: record.version + 1 });
}
