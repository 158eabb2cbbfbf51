import type { Duration } from 'date-fns';
import type { EpochMillis } from './token.js';

/** One day in milliseconds: a UTC day is always 24 hours, whatever the local zone does. */
export const DAY_MS = 86_400_000;

/**
 * Adds a calendar duration to an instant in UTC: years and months move the
 * UTC calendar date (the 31st clamps to the last day of a shorter month, as
 * date-fns does), weeks and days are 24-hour days, then hours, minutes and
 * seconds. Never reads the local time zone, so the result is the same on
 * every machine. Returns `NaN` when the result leaves the range a `Date` can
 * hold.
 */
export function addDurationUtc(at: EpochMillis, duration: Readonly<Duration>): EpochMillis {
  const { years = 0, months = 0, weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0 } = duration;
  let base = at;
  const totalMonths = years * 12 + months;
  if (totalMonths !== 0) {
    const date = new Date(at);
    const day = date.getUTCDate();
    // Day 1 first, so a 31st cannot spill into the month after the target one.
    date.setUTCDate(1);
    date.setUTCMonth(date.getUTCMonth() + totalMonths);
    const lastDay = new Date(date.getTime()).setUTCMonth(date.getUTCMonth() + 1, 0);
    date.setUTCDate(Math.min(day, new Date(lastDay).getUTCDate()));
    base = date.getTime();
  }
  const sum = base + (weeks * 7 + days) * DAY_MS + ((hours * 60 + minutes) * 60 + seconds) * 1000;
  return Number.isFinite(sum) && Math.abs(sum) <= 8.64e15 ? sum : Number.NaN;
}
