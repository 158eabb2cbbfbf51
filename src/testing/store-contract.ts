import { afterEach, beforeEach, describe } from 'vitest';
import type { TokenId } from '../core/ids.js';
import { OatError } from '../errors.js';
import type { TokenStore } from '../service/ports.js';
import type { ContractFixture } from './store-contract/harness.js';
import { identityContract } from './store-contract/identity.js';
import { insertContract } from './store-contract/insert.js';
import { markDeletedContract } from './store-contract/mark-deleted.js';
import { networksContract } from './store-contract/networks.js';
import { readContract } from './store-contract/read.js';
import { recentAddressesContract } from './store-contract/recent.js';
import { replaceContract } from './store-contract/replace.js';
import { rotationContract } from './store-contract/rotation.js';
import { sharedStorageContract } from './store-contract/shared.js';
import { storedStateContract } from './store-contract/stored.js';
import { touchContract } from './store-contract/touch.js';

export { TEST_EPOCH, makeTestRecord, nextVersion } from './store-contract/records.js';
export type { TestRecordOverrides } from './store-contract/records.js';

/** A fresh, empty store for one contract test, and how to dispose of it. */
export interface StoreUnderTest<S extends TokenStore = TokenStore> {
  readonly store: S;
  /** Runs after the test, pass or fail: close connections, delete files. Also closes what `openAnother` opened. */
  readonly cleanup?: () => Promise<void>;
  /**
   * Opens another handle on the same storage, as another process would (a
   * second connection to the same database file or server). Required when
   * `capabilities.concurrentProcesses` is true.
   */
  readonly openAnother?: () => Promise<TokenStore>;
}

/** What a store declares it can do beyond the required contract. */
export interface TokenStoreCapabilities {
  /**
   * The store keeps its promises across processes sharing one database
   * (every guard is enforced by the database, nothing is cached in memory).
   * Adds the shared-storage tests, which need `openAnother`.
   */
  readonly concurrentProcesses?: boolean;
  /**
   * The store has the rotation capability (`TokenRotationStore`: `rotate`
   * and `findRotatedSecret`). Adds the rotation tests; `makeStore` must then
   * return a store with both methods.
   */
  readonly rotation?: boolean;
}

/** Options of {@link describeTokenStoreContract}. */
export interface TokenStoreContractOptions<S extends TokenStore = TokenStore> {
  /** Names the suite, for example `sqlite (file)`. */
  readonly name: string;
  /** A fresh, empty store per test; tests never share one and never depend on each other's order. */
  readonly makeStore: () => Promise<StoreUnderTest<S>>;
  /**
   * A back door to stored state: given the store, a function that reads the
   * raw row of a token (column names as record fields or in snake_case, in
   * any encoding `parseStoredRecord` accepts), or `null` when there is none.
   * Adds the stored-state tests.
   */
  readonly inspect?: (store: S) => (id: TokenId) => Promise<unknown>;
  readonly capabilities?: TokenStoreCapabilities;
}

/**
 * Registers the TokenStore conformance suite with vitest: one test per promise
 * of the {@link TokenStore} port, named as a sentence of the contract.
 *
 * Invariant: every test makes its own store with `makeStore` and disposes of
 * it with `cleanup`, so tests run in any order. The concurrency tests issue
 * overlapping calls with `Promise.all` within one process; a store for a shared
 * database must also prove its guards across processes with its own harness
 * (see `docs/sqlite.md`). Stored-state tests run only with `inspect`,
 * shared-storage tests only with `capabilities.concurrentProcesses`,
 * rotation tests only with `capabilities.rotation`.
 *
 * Needs vitest (an optional peer dependency of `org-access-tokens/testing`).
 * Throws `OatError` `MISCONFIGURED` when the options are incomplete.
 *
 * @example
 * ```ts
 * import { describeTokenStoreContract } from 'org-access-tokens/testing';
 * import { createMemoryTokenStore } from 'org-access-tokens';
 *
 * describeTokenStoreContract({
 *   name: 'memory',
 *   makeStore: async () => ({ store: createMemoryTokenStore() }),
 * });
 * ```
 */
export function describeTokenStoreContract<S extends TokenStore>(options: TokenStoreContractOptions<S>): void {
  const missing = [
    ...(typeof options.name === 'string' && options.name !== '' ? [] : ['name']),
    ...(typeof options.makeStore === 'function' ? [] : ['makeStore']),
  ];
  if (missing.length > 0) {
    throw new OatError('MISCONFIGURED', `describeTokenStoreContract needs: ${missing.join(', ')}`, {
      context: { missing },
    });
  }
  const shared = options.capabilities?.concurrentProcesses === true;
  const rotating = options.capabilities?.rotation === true;
  let current: (ContractFixture & { readonly cleanup: (() => Promise<void>) | undefined }) | null = null;

  const fixture = (): ContractFixture => {
    if (current === null) throw new Error('contract: no store is open outside a test');
    return current;
  };

  describe(`TokenStore contract: ${options.name}`, () => {
    beforeEach(async () => {
      const made = await options.makeStore();
      if (shared && made.openAnother === undefined) {
        await made.cleanup?.();
        throw new OatError('MISCONFIGURED', 'capabilities.concurrentProcesses needs makeStore to return openAnother', {
          context: { name: options.name },
        });
      }
      const { store } = made;
      const lacking = ['rotate', 'findRotatedSecret'].filter(
        (m) => typeof (store as unknown as Record<string, unknown>)[m] !== 'function',
      );
      if (rotating && lacking.length > 0) {
        await made.cleanup?.();
        throw new OatError('MISCONFIGURED', `capabilities.rotation needs a store with ${lacking.join(', ')}`, {
          context: { name: options.name, missing: lacking },
        });
      }
      current = {
        store,
        readRow: options.inspect === undefined ? null : options.inspect(store),
        openAnother: made.openAnother ?? null,
        cleanup: made.cleanup,
      };
    });

    afterEach(async () => {
      const done = current;
      current = null;
      await done?.cleanup?.();
    });

    insertContract(fixture);
    replaceContract(fixture);
    markDeletedContract(fixture);
    touchContract(fixture);
    readContract(fixture);
    identityContract(fixture);
    networksContract(fixture);
    recentAddressesContract(fixture);
    if (options.inspect !== undefined) storedStateContract(fixture);
    if (shared) sharedStorageContract(fixture);
    if (rotating) rotationContract(fixture);
  });
}
