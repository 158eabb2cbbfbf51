import type { Clock } from '../service/ports.js';

/** A {@link Clock} that only moves when told to. */
export interface FakeClock extends Clock {
  /** Moves time forward (or back, with a negative value) by `ms` milliseconds. */
  advance(ms: number): void;
  /** Jumps to an instant. */
  set(instant: Date | number): void;
}

/**
 * A clock for tests: starts at `start` (default 2026-01-01T00:00:00Z) and
 * moves only through `advance` and `set`. Each `now()` returns a new `Date`.
 *
 * @example
 * ```ts
 * const clock = createFakeClock();
 * const service = createTokenService({ store, organizations, clock });
 * clock.advance(31 * 24 * 60 * 60 * 1000); // a 30d token is now expired
 * ```
 */
export function createFakeClock(start: Date | number = Date.UTC(2026, 0, 1)): FakeClock {
  let ms = typeof start === 'number' ? start : start.getTime();
  return {
    now: () => new Date(ms),
    advance: (delta: number) => {
      ms += delta;
    },
    set: (instant: Date | number) => {
      ms = typeof instant === 'number' ? instant : instant.getTime();
    },
  };
}
