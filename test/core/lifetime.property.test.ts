import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createPolicy,
  isLifetimeExceeded,
  safeParseCreateInput,
  tokenLifetimeCap,
  type RawResource,
} from '../../src/index.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 0, 1);
const cap = fc.integer({ min: 1, max: 366 });
// A policy whose own bound is far off, so only the organization's cap decides.
const policy = createPolicy({ maxExpiry: { years: 2 } });
const resources: RawResource[] = [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }];

describe('organization lifetime cap', () => {
  it(
    'creation accepts exactly the expiries within the cap, and refuses no expiry, naming the field and ' +
      'the maximum',
    () => {
      fc.assert(
        fc.property(
          cap,
          fc.integer({ min: 1, max: 400 * DAY }),
          fc.constantFrom('expires_at', 'expiry'),
          (days, ahead, field) => {
            const parsed = safeParseCreateInput(
              {
                label: 'ci',
                resources,
                [field]: field === 'expiry' ? NOW + ahead : new Date(NOW + ahead).toISOString(),
              },
              { organization: 'acme', now: NOW, policy, maxTokenLifetimeDays: days },
            );
            expect(parsed.ok).toBe(ahead <= days * DAY);
            if (!parsed.ok)
              expect(parsed.fields).toEqual([
                { path: field, message: expect.stringContaining(`at most ${days} days`) },
              ]);
            const none = safeParseCreateInput(
              { label: 'ci', resources, ...(field === 'expiry' ? { expiry: 'none' } : {}) },
              { organization: 'acme', now: NOW, policy, maxTokenLifetimeDays: days },
            );
            expect(none.ok).toBe(false);
            if (!none.ok)
              expect(none.fields).toEqual([{ path: field, message: expect.stringContaining(`${days} days`) }]);
          },
        ),
      );
    },
  );

  it(
    'a token outlives the cap exactly when more than the cap has passed since creation, and never ' + 'without a cap',
    () => {
      fc.assert(
        fc.property(fc.option(cap, { nil: null }), fc.integer({ min: 0, max: 400 * DAY }), (days, age) => {
          expect(isLifetimeExceeded(NOW, days, NOW + age)).toBe(days !== null && age > days * DAY);
        }),
      );
    },
  );

  it('the profile decides when it has the field (null: no cap), else the policy', () => {
    const capped = createPolicy({ maxTokenLifetimeDays: 90 });
    expect(tokenLifetimeCap({}, capped)).toBe(90);
    expect(tokenLifetimeCap({ maxTokenLifetimeDays: 30 }, capped)).toBe(30);
    expect(tokenLifetimeCap({ maxTokenLifetimeDays: null }, capped)).toBe(null);
    expect(tokenLifetimeCap({}, createPolicy())).toBe(null);
    for (const bad of [0, 367, 1.5, Number.NaN])
      expect(() => createPolicy({ maxTokenLifetimeDays: bad })).toThrow(
        expect.objectContaining({ code: 'MISCONFIGURED' }),
      );
  });
});
