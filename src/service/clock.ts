import type { Clock } from './ports.js';

/** The real clock: `Date.now()`, epoch milliseconds. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });
