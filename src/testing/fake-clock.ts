import type { EpochMillis } from '../core/token.js';
import type { Clock } from '../service/ports.js';

/** A {@link Clock} that only moves when told to. */
export interface FakeClock extends Clock {
  /** Moves time forward (or back, with a negative value) by `ms` milliseconds. */
  advance(ms: number): void;
  /** Jumps to an instant, in epoch milliseconds. */
  set(instant: EpochMillis): void;
}

/**
 * A clock for tests: starts at `start` (epoch milliseconds, default
 * 2026-01-01T00:00:00Z) and moves only through `advance` and `set`. `now()`
 * returns epoch milliseconds, like `Date.now()`.
 *
 * @example
 * ```ts
 * const clock = createFakeClock();
 * const service = createTokenService({ store, organizations, clock });
 * clock.advance(31 * 24 * 60 * 60 * 1000); // a 30d token is now expired
 * ```
 */
export function createFakeClock(start: EpochMillis = Date.UTC(2026, 0, 1)): FakeClock {
  let ms = start;
  return {
    now: () => ms,
    advance: (delta: number) => {
      ms += delta;
    },
    set: (instant: EpochMillis) => {
      ms = instant;
    },
  };
}
