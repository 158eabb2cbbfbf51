import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InputContext } from '../../src/index.js';
import { DEFAULT_POLICY, createPolicy, safeParseCreateInput, type RawResource } from '../../src/index.js';

// This file sets no time zone: CI runs it again under TZ=America/New_York and TZ=Australia/Lord_Howe
// (.ci/run), where a local-calendar day is 23, 23.5, 24.5 or 25 hours long around a DST change.
const DAY = 86_400_000;
const GRANT: RawResource = { type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] };
const ctxAt = (now: number, policy = DEFAULT_POLICY): InputContext => ({ organization: 'acme', now, policy });
const create = (extra: object, ctx: InputContext) =>
  safeParseCreateInput({ label: 'ci', resources: [GRANT], ...extra }, ctx);
const expiresAt = (extra: object, ctx: InputContext): number | null | string => {
  const parsed = create(extra, ctx);
  return parsed.ok ? parsed.value.expiresAt : parsed.message;
};
const iso = (ms: number): string => new Date(ms).toISOString();

// Instants whose next 30 or 90 days cross a DST change in New York (2026-03-08, 2026-11-01)
// or on Lord Howe Island (2026-04-05, 2026-10-04, half an hour each).
const ACROSS_DST = [
  Date.UTC(2026, 2, 1, 12),
  Date.UTC(2026, 2, 7, 6, 59, 59, 999),
  Date.UTC(2026, 2, 20, 12),
  Date.UTC(2026, 8, 20, 12),
  Date.UTC(2026, 9, 10, 4, 30),
  Date.UTC(2024, 1, 28, 14),
];

describe(`expiry presets are exact lengths of time (TZ=${process.env.TZ ?? 'unset'})`, () => {
  it.each(ACROSS_DST.map((now) => [iso(now), now] as const))(
    "'30d' from %s is exactly 30 x 24 h later and '90d' exactly 90 x 24 h",
    (_, now) => {
      expect(expiresAt({ expiry: '30d' }, ctxAt(now))).toBe(now + 30 * DAY);
      expect(expiresAt({ expiry: '90d' }, ctxAt(now))).toBe(now + 90 * DAY);
    },
  );

  it("'30d' and '90d' are exactly 30 and 90 x 86 400 000 ms from any instant", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2090, 0, 1) }), (now) => {
        expect(expiresAt({ expiry: '30d' }, ctxAt(now))).toBe(now + 30 * DAY);
        expect(expiresAt({ expiry: '90d' }, ctxAt(now))).toBe(now + 90 * DAY);
      }),
      { numRuns: 500 },
    );
  });
});

describe(`the maxExpiry bound is counted on the UTC calendar (TZ=${process.env.TZ ?? 'unset'})`, () => {
  // [now, the last instant one year later allows], where the local calendar of some zone gives another answer:
  // in New York 2024-02-29T03:00Z is still Feb 28; on Lord Howe 2024-02-28T14:00Z is already Feb 29.
  const ONE_YEAR: ReadonlyArray<readonly [number, number]> = [
    [Date.UTC(2024, 1, 29, 3), Date.UTC(2025, 1, 28, 3)],
    [Date.UTC(2024, 1, 28, 14), Date.UTC(2025, 1, 28, 14)],
    [Date.UTC(2026, 2, 1, 12), Date.UTC(2027, 2, 1, 12)],
    [Date.UTC(2026, 9, 4, 15, 45), Date.UTC(2027, 9, 4, 15, 45)],
  ];

  it.each(ONE_YEAR.map(([now, latest]) => [iso(now), iso(latest), now, latest] as const))(
    'from %s the default one-year bound is %s, to the millisecond',
    (_, latestText, now, latest) => {
      expect(expiresAt({ expiry: latest }, ctxAt(now))).toBe(latest);
      expect(expiresAt({ expires_at: latestText }, ctxAt(now))).toBe(latest);
      expect(create({ expiry: latest + 1 }, ctxAt(now))).toMatchObject({
        ok: false,
        fields: [{ path: 'expiry', message: `must be at most ${latestText}` }],
      });
    },
  );

  it('a bound in months is the same UTC day and time that many months later, across a DST change', () => {
    const policy = createPolicy({ maxExpiry: { months: 1 } });
    // New York springs forward on 2026-03-08; Lord Howe falls back on 2026-04-05.
    for (const [now, latest] of [
      [Date.UTC(2026, 2, 1, 12), Date.UTC(2026, 3, 1, 12)],
      [Date.UTC(2026, 2, 20, 12), Date.UTC(2026, 3, 20, 12)],
      [Date.UTC(2026, 0, 31, 12), Date.UTC(2026, 1, 28, 12)],
    ] as const) {
      expect(expiresAt({ expiry: latest }, ctxAt(now, policy))).toBe(latest);
      expect(create({ expiry: latest + 1 }, ctxAt(now, policy)).ok).toBe(false);
    }
  });

  it('a bound in days is that many times 24 hours', () => {
    const policy = createPolicy({ maxExpiry: { days: 30 } });
    for (const now of ACROSS_DST) {
      expect(create({ expiry: '30d' }, ctxAt(now, policy)).ok).toBe(true);
      expect(create({ expiry: now + 30 * DAY + 1 }, ctxAt(now, policy)).ok).toBe(false);
    }
  });
});
