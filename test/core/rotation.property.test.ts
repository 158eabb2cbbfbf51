import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenRecordArbitrary } from '../../src/testing/arbitraries.js';
import {
  DEFAULT_ROTATION_POLICY,
  MAX_GRACE_SECONDS,
  checkRotatable,
  createRotationPolicy,
  decideRotatedSecret,
  isOatError,
  parseGraceSeconds,
  planRotation,
  retireSecret,
  type TokenId,
  type TokenState,
} from '../../src/index.js';

const DAY = 86_400_000;
const ID = '0b3f7f5e-6a8e-4d53-9a31-6d7c2f0e9b11' as TokenId;
const instant = fc.integer({ min: 0, max: 4_000_000_000_000 });
const graceMs = fc.integer({ min: 0, max: MAX_GRACE_SECONDS }).map((s) => s * 1000);
const recordDays = fc.integer({ min: 1, max: 366 });

describe('rotation policy', () => {
  it('defaults to one day of grace at most, no reuse detection, reuse records kept 90 days, frozen', () => {
    expect(DEFAULT_ROTATION_POLICY).toEqual({ maxGraceSeconds: 86_400, reuseDetection: false, reuseRecordDays: 90 });
    expect(Object.isFrozen(DEFAULT_ROTATION_POLICY)).toBe(true);
  });

  it.each([
    ['maxGraceSeconds', { maxGraceSeconds: -1 }],
    ['maxGraceSeconds', { maxGraceSeconds: MAX_GRACE_SECONDS + 1 }],
    ['maxGraceSeconds', { maxGraceSeconds: 1.5 }],
    ['reuseDetection', { reuseDetection: 'yes' as unknown as boolean }],
    ['reuseRecordDays', { reuseRecordDays: 0 }],
    ['reuseRecordDays', { reuseRecordDays: 367 }],
  ])('refuses an out-of-range %s with MISCONFIGURED naming it', (field, options) => {
    let thrown: unknown;
    try {
      createRotationPolicy(options);
    } catch (error) {
      thrown = error;
    }
    expect(isOatError(thrown) && thrown.code === 'MISCONFIGURED' && thrown.context?.field === field).toBe(true);
  });
});

describe('parseGraceSeconds', () => {
  it('reads an absent grace as 0: the old secret stops at once', () => {
    expect(parseGraceSeconds(undefined, DEFAULT_ROTATION_POLICY)).toEqual({ ok: true, value: 0 });
  });

  it('takes exactly the whole seconds from 0 to the policy bound, in milliseconds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_GRACE_SECONDS }),
        fc.integer({ min: -10, max: MAX_GRACE_SECONDS + 10 }),
        (max, asked) => {
          const result = parseGraceSeconds(asked, { maxGraceSeconds: max });
          if (asked >= 0 && asked <= max) expect(result).toEqual({ ok: true, value: asked * 1000 });
          else
            expect(result).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', fields: [{ path: 'graceSeconds' }] });
        },
      ),
    );
  });

  it('refuses anything but a whole number as VALIDATION_FAILED at graceSeconds, never throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.double({ noInteger: true }), fc.constant(null), fc.object(), fc.boolean()),
        (value) => {
          expect(parseGraceSeconds(value, DEFAULT_ROTATION_POLICY)).toMatchObject({
            ok: false,
            code: 'VALIDATION_FAILED',
            fields: [{ path: 'graceSeconds' }],
          });
        },
      ),
    );
  });
});

describe('retireSecret', () => {
  it(
    'keeps rotatedAt <= graceEndsAt <= forgetAt, the grace exactly as asked, and forgets within ' +
      'reuseRecordDays of the grace',
    () => {
      fc.assert(
        fc.property(instant, graceMs, recordDays, fc.option(instant, { nil: null }), (now, grace, days, expiresAt) => {
          const r = retireSecret({ id: ID, secretHash: 'h', expiresAt }, now, grace, { reuseRecordDays: days });
          expect(r.rotatedAt).toBe(now);
          expect(r.graceEndsAt).toBe(now + grace);
          expect(r.graceEndsAt).toBeLessThanOrEqual(r.forgetAt);
          expect(r.forgetAt).toBeLessThanOrEqual(r.graceEndsAt + days * DAY);
          // Kept the full window unless the token expires first (a reuse after expiry is refused as EXPIRED anyway).
          if (expiresAt === null || expiresAt >= r.graceEndsAt + days * DAY)
            expect(r.forgetAt).toBe(r.graceEndsAt + days * DAY);
          expect(Object.isFrozen(r)).toBe(true);
          expect(r).toMatchObject({ tokenId: ID, secretHash: 'h' });
        }),
      );
    },
  );
});

describe('decideRotatedSecret', () => {
  it('lets a rotated-out secret in exactly while now < graceEndsAt, then refuses it as ROTATED', () => {
    fc.assert(
      fc.property(instant, instant, fc.boolean(), (graceEndsAt, now, reuseDetection) => {
        const d = decideRotatedSecret({ graceEndsAt }, now, { reuseDetection });
        if (now < graceEndsAt) expect(d).toEqual({ allowed: true });
        else expect(d).toMatchObject({ allowed: false, code: 'ROTATED' });
      }),
    );
  });

  it('asks for deactivation exactly when reuse detection is on and the grace is over', () => {
    fc.assert(
      fc.property(instant, instant, fc.boolean(), (graceEndsAt, now, reuseDetection) => {
        const d = decideRotatedSecret({ graceEndsAt }, now, { reuseDetection });
        expect(!d.allowed && d.deactivate).toBe(reuseDetection && now >= graceEndsAt);
      }),
    );
  });

  it('a grace of 0 (the default) refuses the old secret from the instant of rotation', () => {
    fc.assert(
      fc.property(instant, fc.nat({ max: 10 * DAY }), (now, later) => {
        const r = retireSecret({ id: ID, secretHash: 'h', expiresAt: null }, now, 0, DEFAULT_ROTATION_POLICY);
        expect(decideRotatedSecret(r, now + later, DEFAULT_ROTATION_POLICY)).toEqual({
          allowed: false,
          code: 'ROTATED',
          deactivate: false,
        });
      }),
    );
  });
});

describe('checkRotatable', () => {
  it('allows only an active token that has not expired, refusing DELETED, then EXPIRED, then INACTIVE', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<TokenState>('active', 'inactive', 'deleted'),
        instant,
        fc.option(instant, { nil: null }),
        (state, now, expiresAt) => {
          const d = checkRotatable({ state, expiresAt }, now);
          const expired = expiresAt !== null && expiresAt <= now;
          const expected =
            state === 'deleted' ? 'DELETED' : expired ? 'EXPIRED' : state === 'inactive' ? 'INACTIVE' : null;
          if (expected === null) expect(d).toEqual({ allowed: true });
          else expect(d).toMatchObject({ allowed: false, code: expected });
        },
      ),
    );
  });
});

describe('planRotation', () => {
  it(
    'moves only the secret, the display prefix, updatedAt and the version; retires the old hash for the ' +
      'same token',
    () => {
      fc.assert(
        fc.property(
          tokenRecordArbitrary({ states: ['active'] }),
          instant,
          graceMs,
          recordDays,
          fc.string({ minLength: 1 }),
          (token, now, grace, days, hash) => {
            const { next, retired } = planRotation(
              token,
              { secretHash: `new-${hash}`, displayPrefix: 'oat_new' },
              now,
              grace,
              { reuseRecordDays: days },
            );
            expect(next).toEqual({
              ...token,
              secretHash: `new-${hash}`,
              displayPrefix: 'oat_new',
              updatedAt: now,
              version: token.version + 1,
            });
            expect(Object.isFrozen(next) && Object.isFrozen(next.resources)).toBe(true);
            expect(retired).toEqual(retireSecret(token, now, grace, { reuseRecordDays: days }));
            expect(retired.secretHash).toBe(token.secretHash);
            expect(retired.tokenId).toBe(token.id);
          },
        ),
      );
    },
  );
});
