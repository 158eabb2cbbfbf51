import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUTHENTICATION_DENIAL_CODES,
  LOGIN_DENIAL_CODES,
  decideLogin,
  loginExpiry,
  type ClientContext,
  type LoginRules,
  type LoginToken,
  type OrganizationId,
  type OrganizationName,
  type OrganizationProfile,
  type TokenState,
} from '../../src/index.js';

const DAY = 86_400_000;
const rulesOf = (lastUsedIntervalMs: number, maxTokenLifetimeDays: number | null = null): LoginRules => ({
  plans: { team: { maxTokens: 10 }, free: { maxTokens: 0 } },
  maxTokenLifetimeDays,
  lastUsedIntervalMs,
});

/** One way each rule can be broken; the test builds a login that breaks exactly the chosen ones. */
const breaks = fc.record({
  owner: fc.constantFrom('owned', 'other-id', 'nobody-under-created-name', 'nobody-under-other-name'),
  state: fc.constantFrom<TokenState>('active', 'inactive', 'deleted'),
  expired: fc.boolean(),
  iam: fc.boolean(),
  ram: fc.boolean(),
  desktop: fc.boolean(),
  ineligible: fc.boolean(),
  overCap: fc.boolean(),
  network: fc.constantFrom('unrestricted', 'inside', 'outside', 'unknown'),
});

type Breaks = typeof breaks extends fc.Arbitrary<infer T> ? T : never;

/**
 * The rules in the order the issue and docs/service.md state them, written out here rather than read from the library.
 */
function expectedCode(b: Breaks): string | null {
  if (b.owner === 'other-id' || b.owner === 'nobody-under-other-name') return 'ORG_MISMATCH';
  if (b.owner === 'nobody-under-created-name') return 'ORGANIZATION_UNKNOWN';
  if (b.state === 'deleted') return 'DELETED';
  if (b.expired) return 'EXPIRED';
  if (b.state === 'inactive') return 'INACTIVE';
  if (b.iam || b.ram || b.desktop) return 'ORG_INCOMPATIBLE';
  if (b.ineligible) return 'PLAN_NOT_ELIGIBLE';
  if (b.overCap) return 'LIFETIME_EXCEEDED';
  if (b.network === 'outside' || b.network === 'unknown') return 'NETWORK_NOT_ALLOWED';
  return null;
}

const instant = fc.integer({ min: 0, max: 4_000_000_000_000 });

describe('decideLogin: the login rules, without a store', () => {
  it(
    'refuses with the first rule broken, in the order ownership, deleted, expired, inactive, compatibility, ' +
      'plan, lifetime cap, network',
    () => {
      fc.assert(
        fc.property(
          breaks,
          instant,
          fc.integer({ min: 1, max: 366 }),
          fc.integer({ min: 0, max: 400 * DAY }),
          (b, now, cap, age) => {
            const createdAt = now - (b.overCap ? cap * DAY + 1 + (age % DAY) : Math.min(age, cap * DAY));
            const token: LoginToken = {
              organizationId: 'org-1' as OrganizationId,
              organization: 'acme' as OrganizationName,
              state: b.state,
              // Expiry is at `now` or after it by at least 1 ms: `expiresAt <= now` is expired.
              expiresAt: b.expired ? now - (age % 3) : now + 1 + (age % DAY),
              createdAt,
              allowedNetworks: b.network === 'unrestricted' ? [] : ['10.0.0.0/8', '2001:db8::/32'],
            };
            const profile: OrganizationProfile = {
              id: b.owner === 'other-id' ? 'org-2' : 'org-1',
              name: b.owner === 'nobody-under-other-name' ? 'globex' : 'acme',
              plan: b.ineligible ? (age % 2 === 0 ? 'free' : 'unknown-plan') : 'Team',
              owners: [],
              imageAccessManagement: b.iam,
              registryAccessManagement: b.ram,
              maxTokenLifetimeDays: cap,
            };
            const nobody = b.owner === 'nobody-under-created-name' || b.owner === 'nobody-under-other-name';
            const address =
              b.network === 'outside' ? '192.0.2.1' : b.network === 'unknown' ? undefined : '::ffff:10.1.2.3';
            const client: ClientContext = {
              kind: b.desktop ? 'docker-desktop' : 'cli',
              ...(address === undefined ? {} : { address }),
            };
            const decision = decideLogin(
              token,
              profile.name,
              nobody ? null : profile,
              client,
              null,
              now,
              rulesOf(60_000),
            );
            const expected = expectedCode(b);
            expect(decision.allowed ? null : decision.code).toBe(expected);
            if (!decision.allowed && decision.code === 'ORG_INCOMPATIBLE') {
              expect(decision.incompatibility).toBe(
                b.iam ? 'IMAGE_ACCESS_MANAGEMENT' : b.ram ? 'REGISTRY_ACCESS_MANAGEMENT' : 'DOCKER_DESKTOP',
              );
            }
            expect(Object.isFrozen(decision)).toBe(true);
          },
        ),
        { numRuns: 2_000 },
      );
    },
  );

  it(
    'asks for a last-used write exactly when the interval has passed since the latest known one, and the ' +
      'store guard it asks for agrees',
    () => {
      const token: LoginToken = {
        organizationId: 'org-1' as OrganizationId,
        organization: 'acme' as OrganizationName,
        state: 'active',
        expiresAt: null,
        createdAt: 0,
        allowedNetworks: [],
      };
      const profile: OrganizationProfile = { id: 'org-1', name: 'acme', plan: 'team', owners: [] };
      fc.assert(
        fc.property(
          instant,
          fc.integer({ min: 0, max: 10 * DAY }),
          // Offsets from the interval, small ones included: the boundary is where an off-by-one hides.
          fc.option(fc.oneof(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -20 * DAY, max: 20 * DAY })), {
            nil: null,
          }),
          fc.integer({ min: -5, max: 20 * DAY }),
          (now, interval, offset, probe) => {
            const lastUsedAt = offset === null ? null : now - Math.max(0, interval + offset);
            const decision = decideLogin(token, 'acme', profile, undefined, lastUsedAt, now, rulesOf(interval));
            if (!decision.allowed) throw new Error(`refused: ${decision.code}`);
            const due = lastUsedAt === null || now - lastUsedAt >= interval;
            expect(decision.touch !== null).toBe(due);
            if (decision.touch === null) return;
            expect(decision.touch.at).toBe(now);
            expect(decision.touch.ifOlderThan).toBeLessThanOrEqual(now);
            // The store writes where the stored value is older than ifOlderThan: for any stored value at or before now,
            // that is "at least the interval ago" (for an interval of 0 ms, writing `now` over `now` is left out).
            const stored = now - probe;
            if (probe >= 0 && interval > 0) expect(stored < decision.touch.ifOlderThan).toBe(now - stored >= interval);
          },
        ),
        { numRuns: 2_000 },
      );
    },
  );

  it(
    'hands out shared frozen values for every denial and for a login with no write due, so the hot path ' +
      'allocates nothing',
    () => {
      const token: LoginToken = {
        organizationId: 'org-1' as OrganizationId,
        organization: 'acme' as OrganizationName,
        state: 'inactive',
        expiresAt: null,
        createdAt: 0,
        allowedNetworks: [],
      };
      const profile: OrganizationProfile = { id: 'org-1', name: 'acme', plan: 'team', owners: [] };
      const rules = rulesOf(60_000);
      expect(decideLogin(token, 'acme', profile, undefined, null, 1_000, rules)).toBe(
        decideLogin({ ...token }, 'acme', { ...profile }, {}, 5, 9_000, rules),
      );
      const active = { ...token, state: 'active' as const };
      const quiet = decideLogin(active, 'acme', profile, undefined, 1_000, 2_000, rules);
      expect(quiet).toEqual({ allowed: true, touch: null });
      expect(decideLogin(active, 'acme', profile, undefined, 1_500, 3_000, rules)).toBe(quiet);
      expect(Object.isFrozen(quiet)).toBe(true);
    },
  );

  it('lists its codes in its own order, inside the authentication codes', () => {
    expect(LOGIN_DENIAL_CODES).toEqual([
      'ORG_MISMATCH',
      'ORGANIZATION_UNKNOWN',
      'DELETED',
      'EXPIRED',
      'INACTIVE',
      'ORG_INCOMPATIBLE',
      'PLAN_NOT_ELIGIBLE',
      'LIFETIME_EXCEEDED',
      'NETWORK_NOT_ALLOWED',
    ]);
    expect(AUTHENTICATION_DENIAL_CODES).toEqual([
      'MALFORMED',
      'NOT_FOUND',
      ...LOGIN_DENIAL_CODES,
      'RECORD_INVALID',
      'RATE_LIMITED',
      'ROTATED',
    ]);
  });
});

describe('loginExpiry', () => {
  it(
    "is the token's expiry, brought forward to the end of the organization's lifetime cap when that " + 'comes first',
    () => {
      fc.assert(
        fc.property(
          instant,
          fc.option(instant, { nil: null }),
          fc.option(fc.option(fc.integer({ min: 1, max: 366 }), { nil: null }), { nil: undefined }),
          fc.option(fc.integer({ min: 1, max: 366 }), { nil: null }),
          (createdAt, expiresAt, orgCap, policyCap) => {
            const token = { createdAt, expiresAt };
            const cap = orgCap === undefined ? policyCap : orgCap;
            const got = loginExpiry(token, orgCap === undefined ? {} : { maxTokenLifetimeDays: orgCap }, {
              maxTokenLifetimeDays: policyCap,
            });
            const ends = [expiresAt, cap === null ? null : createdAt + cap * DAY].filter(
              (e): e is number => e !== null,
            );
            expect(got).toBe(ends.length === 0 ? null : Math.min(...ends));
          },
        ),
      );
    },
  );
});
