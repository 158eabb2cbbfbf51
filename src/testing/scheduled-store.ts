import type fc from 'fast-check';
import type { TokenStore } from '../service/ports.js';

const METHODS = [
  'insertWithinQuota',
  'replace',
  'touchLastUsed',
  'markDeleted',
  'findById',
  'findBySecretHash',
  'list',
  'countLive',
] as const;

/**
 * Wraps a store so that each call waits for a fast-check scheduler to let it
 * run, and only then performs the real call. Concurrent service operations
 * then interleave in every order fast-check chooses, which is how race tests
 * find read-decide-write bugs.
 *
 * @example
 * ```ts
 * await fc.assert(fc.asyncProperty(fc.scheduler(), async (s) => {
 *   const store = scheduledStore(s, createMemoryTokenStore());
 *   // start concurrent operations, then: await s.waitIdle();
 * }));
 * ```
 */
export function scheduledStore(scheduler: fc.Scheduler, store: TokenStore): TokenStore {
  const wrapped = {} as Record<(typeof METHODS)[number], unknown>;
  for (const method of METHODS) {
    const real = (store[method] as (...args: unknown[]) => Promise<unknown>).bind(store);
    wrapped[method] = (...args: unknown[]) =>
      scheduler.schedule(Promise.resolve(), `${method}`).then(() => real(...args));
  }
  return wrapped as unknown as TokenStore;
}
