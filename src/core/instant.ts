import type { EpochMillis } from './token.js';

/**
 * A length of calendar time, as a policy's `maxExpiry` states it: whole,
 * non-negative numbers of each unit, any of them left out. The library's own
 * type, so no dependency's types reach a consumer's compiler.
 */
export interface CalendarDuration {
  readonly years?: number;
  readonly months?: number;
  readonly weeks?: number;
  readonly days?: number;
  readonly hours?: number;
  readonly minutes?: number;
  readonly seconds?: number;
}

/** One day in milliseconds: a UTC day is always 24 hours, whatever the local zone does. */
export const DAY_MS = 86_400_000;

/** The furthest a `Date` reaches from the epoch, either way. */
const MAX_DATE_MS = 8.64e15;

// ISO 8601 with an explicit offset (a time without one is ambiguous), `T` or a space, optional expanded year.
const ISO_INSTANT =
  /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:Z|([+-])(\d{2})(?::?(\d{2}))?)$/i;

/**
 * The library's one reader of ISO 8601 date-times: requests' `expiry` and
 * `expires_at` and stored rows' instants. Needs an offset (`Z`, `+02:00`,
 * `+0200`, `+02`); takes `T` or a space, any number of fraction digits (cut to
 * milliseconds) and expanded years. `undefined` for anything else, an
 * impossible date (`2023-02-29`) included, or an instant beyond a `Date`'s range.
 * Parsed by hand, not with `Date.parse`: engines disagree on the short offsets
 * and spaces drivers print (`2024-01-01 10:00:00.12+00`). Pure.
 */
export function parseIsoInstant(text: string): EpochMillis | undefined {
  const m = ISO_INSTANT.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second = 0, offsetHours = 0, offsetMinutes = 0] = [
    m[1],
    m[2],
    m[3],
    m[4],
    m[5],
    m[6],
    m[9],
    m[10],
  ].map((part) => (part === undefined ? undefined : Number(part))) as [
    number,
    number,
    number,
    number,
    number,
    number?,
    number?,
    number?,
  ];
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59)
    return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  date.setUTCHours(hour, minute, second, millis);
  const ms = date.getTime() - (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return Number.isSafeInteger(ms) && Math.abs(ms) <= MAX_DATE_MS ? ms : undefined;
}

/**
 * Adds a calendar duration to an instant in UTC: years and months move the
 * UTC calendar date (the 31st clamps to the last day of a shorter month, as
 * date-fns' `add` does), weeks and days are 24-hour days, then hours, minutes and
 * seconds. Never reads the local time zone, so the result is the same on
 * every machine. Returns `NaN` when the result leaves the range a `Date` can
 * hold.
 */
export function addDurationUtc(at: EpochMillis, duration: CalendarDuration): EpochMillis {
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
  return Number.isFinite(sum) && Math.abs(sum) <= MAX_DATE_MS ? sum : Number.NaN;
}
