import type { TokenId } from '../../core/ids.js';
import type { AccessTokenRecord } from '../../core/token.js';
import type { TokenStore } from '../../service/ports.js';

/** What the running contract test works on; rebuilt before every test. */
export interface ContractFixture {
  readonly store: TokenStore;
  /** Reads the raw stored row of a token, or `null` when the harness has no back door. */
  readonly readRow: ((id: TokenId) => Promise<unknown>) | null;
  /** Opens another handle on the same storage, or `null` when the store is process-local. */
  readonly openAnother: (() => Promise<TokenStore>) | null;
}

/** Gives each contract group the fixture of the test that is running. */
export type FixtureOf = () => ContractFixture;

/** Inserts records one by one at a generous limit and asserts each went in: the arrange step of most tests. */
export async function seed(store: TokenStore, records: ReadonlyArray<AccessTokenRecord>, limit = 1_000): Promise<void> {
  for (const record of records) {
    const outcome = await store.insertWithinQuota(record, limit);
    if (!outcome.ok) throw new Error(`contract setup: inserting ${record.id} was refused (${outcome.code})`);
  }
}

/**
 * Deterministic interleaving of several sequences: a1 b1 c1 a2 b2 c2 ...
 *
 * To interleave calls, interleave thunks and invoke them in the result's
 * order: a promise is already running (and on a synchronous store, already
 * done) when it is created, so reordering promises reorders nothing.
 */
export function interleave<T>(lists: ReadonlyArray<ReadonlyArray<T>>): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    for (const list of lists) {
      const item = list[i];
      if (item !== undefined) out.push(item);
    }
  }
  return out;
}

/**
 * Lists what is wrong with a record's shape (not deeply frozen, an instant that is not integer epoch milliseconds);
 * empty when nothing is.
 */
export function shapeProblems(record: AccessTokenRecord): string[] {
  const problems: string[] = [];
  if (!Object.isFrozen(record)) problems.push('record is not frozen');
  if (!Object.isFrozen(record.resources)) problems.push('resources array is not frozen');
  if (!Object.isFrozen(record.allowedNetworks)) problems.push('allowedNetworks array is not frozen');
  if (!Object.isFrozen(record.recentAddresses)) problems.push('recentAddresses array is not frozen');
  record.resources.forEach((resource, i) => {
    if (!Object.isFrozen(resource)) problems.push(`resources.${i} is not frozen`);
    if (!Object.isFrozen(resource.scopes)) problems.push(`resources.${i}.scopes is not frozen`);
  });
  for (const key of ['createdAt', 'updatedAt'] as const) {
    if (!Number.isSafeInteger(record[key])) problems.push(`${key} is not epoch milliseconds (an integer number)`);
  }
  for (const key of ['expiresAt', 'lastUsedAt'] as const) {
    if (record[key] !== null && !Number.isSafeInteger(record[key]))
      problems.push(`${key} is neither null nor epoch milliseconds (an integer number)`);
  }
  if (!Number.isSafeInteger(record.version)) problems.push('version is not an integer number');
  return problems;
}
