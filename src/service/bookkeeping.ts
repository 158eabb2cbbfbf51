import type { TokenId } from '../core/ids.js';
import type { EpochMillis } from '../core/token.js';
import { OatError } from '../errors.js';
import { wrapFault } from '../faults.js';
import type { TokenStore } from './ports.js';

/**
 * What the service reports to {@link TokenServiceOptions.onError}: background
 * work that failed after its call answered (`touchLastUsed`), or a stored
 * token refused at login because its row cannot be read or its grants are not
 * ones a create request could make (`authenticate`).
 */
export type BackgroundOperation = 'touchLastUsed' | 'authenticate';

/** What {@link TokenServiceOptions.onError} learns about a fault besides the error. */
export type BackgroundFaultContext =
  | {
      /** A last-used write failed. */
      readonly operation: 'touchLastUsed';
      /** The token it was for. */
      readonly tokenId: TokenId;
    }
  | {
      /** A login found a stored token it cannot trust and refused it (`RECORD_INVALID`). */
      readonly operation: 'authenticate';
      /** The token refused; `null` only when the row's id column is itself unreadable. Never the secret's hash. */
      readonly tokenId: TokenId | null;
    };

/** Receives a fault of background work; see {@link TokenServiceOptions.onError}. */
export type BackgroundErrorHandler = (error: OatError, context: BackgroundFaultContext) => void;

/** Calls `onError` when there is one, with a frozen context; what the hook throws is swallowed. */
export function createFaultReporter(
  onError: BackgroundErrorHandler | undefined,
): (error: OatError, context: BackgroundFaultContext) => void {
  return (error, context) => {
    if (onError === undefined) return;
    try {
      onError(error, Object.freeze({ ...context }));
    } catch {
      // The hook is the last place a fault can go; its own failure has nowhere to be reported.
    }
  };
}

/** Last-used writes started by logins and never awaited by them. */
export interface LastUsedWriter {
  /**
   * Starts the write (last-used and, with `address`, the recent addresses)
   * unless one for the same token is still pending; never throws, never waits.
   */
  touch(id: TokenId, at: EpochMillis, ifOlderThan: EpochMillis, address?: string): void;
  /** Resolves once every write pending now, or started before it resolves, has settled or timed out. Never rejects. */
  flush(): Promise<void>;
}

/**
 * Runs `touchLastUsed` as best-effort bookkeeping: a login starts it and
 * answers without waiting. A rejection, a synchronous throw, or a write still
 * pending after `timeoutMs` (real time, not the injected clock: a hung write
 * is hung whatever the service believes the time is) goes to `onError` as an
 * `OatError`; a hook that throws is swallowed.
 *
 * Concurrency: at most one write per token is pending at a time; a login that
 * finds one pending starts none. A write abandoned at its timeout frees its
 * slot, so a later login may start another; the store's own guard keeps the
 * late one from moving `lastUsedAt` backwards if the first lands after all.
 */
export function createLastUsedWriter(
  store: TokenStore,
  timeoutMs: number,
  onError: BackgroundErrorHandler | undefined,
): LastUsedWriter {
  const pending = new Map<TokenId, Promise<void>>();

  const reportFault = createFaultReporter(onError);
  const report = (error: unknown, id: TokenId): void => {
    if (onError === undefined) return;
    const fault = wrapFault('STORE_FAILURE', 'The token store failed to record last use', error, {
      operation: 'touchLastUsed',
      tokenId: id,
    });
    reportFault(fault, { operation: 'touchLastUsed', tokenId: id });
  };

  return {
    touch(id, at, ifOlderThan, address) {
      if (pending.has(id)) return;
      let write: PromiseLike<unknown>;
      try {
        // Without an address the port is called as before, so a store written for three arguments still works.
        write =
          address === undefined
            ? store.touchLastUsed(id, at, ifOlderThan)
            : store.touchLastUsed(id, at, ifOlderThan, address);
      } catch (error) {
        write = Promise.reject(error);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      // One report per write: a write that times out and then rejects was already reported.
      let abandoned = false;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          abandoned = true;
          report(
            new OatError('STORE_FAILURE', `The token store did not record last use within ${timeoutMs} ms`, {
              context: { operation: 'touchLastUsed', tokenId: id, timeoutMs },
            }),
            id,
          );
          resolve();
        }, timeoutMs);
        // A hung write must not keep a process that is otherwise done alive.
        timer.unref?.();
      });
      const settled = Promise.resolve(write).then(
        () => undefined,
        (error: unknown) => {
          if (!abandoned) report(error, id);
        },
      );
      const done = Promise.race([settled, timedOut]).then(() => {
        clearTimeout(timer);
        if (pending.get(id) === done) pending.delete(id);
      });
      pending.set(id, done);
    },

    async flush() {
      while (pending.size > 0) await Promise.all(pending.values());
    },
  };
}
