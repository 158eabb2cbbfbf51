import { describe, expect, it } from 'vitest';
import {
  createPolicy,
  DEFAULT_POLICY,
  safeParseCreateInput,
  type RawResource,
  type TokenPolicy,
} from '../../src/index.js';

const NOW = Date.UTC(2026, 0, 1);
const resources: RawResource[] = [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }];

function expiryMessage(expiry: unknown, policy: TokenPolicy = DEFAULT_POLICY): string | undefined {
  const parsed = safeParseCreateInput(
    { label: 'ci', resources, expiry: expiry as never },
    { organization: 'acme', now: NOW, policy },
  );
  if (parsed.ok) throw new Error('accepted');
  expect(parsed.code).toBe('VALIDATION_FAILED');
  return parsed.fields.find((f) => f.path === 'expiry')?.message;
}

describe('an expiry of no accepted form', () => {
  it.each(['60d', '30', 'never', '2026-13-01', true, { days: 30 }])(
    '%j lists the accepted forms and the default bound of a year',
    (expiry) => {
      const message = expiryMessage(expiry);
      for (const form of ["'30d'", "'90d'", "'none'", 'ISO 8601 date-time', 'at most 1 year ahead'])
        expect(message).toContain(form);
    },
  );

  it("names the policy's maxExpiry as the bound", () => {
    expect(expiryMessage('60d', createPolicy({ maxExpiry: { months: 6, days: 1 } }))).toContain(
      'at most 6 months 1 day ahead',
    );
  });

  it('lists the forms in the error message too, next to the other fields', () => {
    const parsed = safeParseCreateInput(
      { label: '', resources, expiry: '60d' },
      { organization: 'acme', now: NOW, policy: DEFAULT_POLICY },
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.message).toContain("expiry: must be '30d', '90d', 'none'");
      expect(parsed.fields.map((f) => f.path)).toEqual(['label', 'expiry']);
    }
  });
});
