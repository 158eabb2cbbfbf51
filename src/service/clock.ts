import { OatError } from '../errors.js';
import type { Clock } from './ports.js';

/** The real clock: `Date.now()`, epoch milliseconds. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/**
 * The host's clock, checked at every read: `now()` must return whole epoch
 * milliseconds. A clock left over from 0.1 that returns a `Date` would
 * otherwise be stored as a mutable object (and compare through `valueOf`, so
 * nothing else would notice); it fails with `MISCONFIGURED` naming `clock`.
 * The system clock is trusted as it is.
 */
export function checkedClock(clock: Clock | undefined): Clock {
  if (clock === undefined || clock === systemClock) return systemClock;
  if (typeof (clock as Partial<Clock> | null)?.now !== 'function') {
    throw new OatError('MISCONFIGURED', 'clock must have a now() that returns epoch milliseconds', {
      context: { field: 'clock' },
    });
  }
  return Object.freeze({
    now: () => {
      const ms: unknown = clock.now();
      if (typeof ms !== 'number' || !Number.isSafeInteger(ms)) {
        throw new OatError(
          'MISCONFIGURED',
          'clock.now() must return whole epoch milliseconds (a number such as Date.now() returns)',
          {
            context: { field: 'clock', returned: ms instanceof Date ? 'Date' : typeof ms },
          },
        );
      }
      return ms;
    },
  });
}
