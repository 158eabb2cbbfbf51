import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  authorize,
  compileGrants,
  DEFAULT_POLICY,
  DEFAULT_SCOPE_CATALOG,
  isTokenId,
  parseStoredRecord,
  safeParseCreateInput,
  toOrganizationName,
  validateResources,
} from '../../src/index.js';
import {
  authorizationRequestArbitrary,
  createInputArbitrary,
  organizationNameArbitrary,
  resourcesArbitrary,
  tokenIdArbitrary,
  tokenRecordArbitrary,
} from '../../src/testing/index.js';

const NOW = Date.UTC(2026, 5, 1);

describe('the testing kit arbitraries generate what they promise', () => {
  it('organization names and token ids are accepted by the library', () => {
    fc.assert(
      fc.property(organizationNameArbitrary(), (name) => {
        expect(toOrganizationName(name)).toBe(name);
      }),
    );
    fc.assert(
      fc.property(tokenIdArbitrary(), (id) => {
        expect(isTokenId(id)).toBe(true);
      }),
    );
  });

  it('create inputs always validate, at the instant they were made for', () => {
    fc.assert(
      fc.property(
        organizationNameArbitrary().chain((org) => fc.tuple(fc.constant(org), createInputArbitrary(org, NOW))),
        ([org, input]) => {
          const parsed = safeParseCreateInput(input, { organization: org, now: NOW, policy: DEFAULT_POLICY });
          expect(parsed.ok ? 'ok' : parsed.message).toBe('ok');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('resources always validate for their organization', () => {
    fc.assert(
      fc.property(
        organizationNameArbitrary().chain((org) => fc.tuple(fc.constant(org), resourcesArbitrary(org))),
        ([org, raw]) => {
          expect(
            validateResources(raw, { organization: org, catalog: DEFAULT_SCOPE_CATALOG, maxRepositoryGrants: 50 }).ok,
          ).toBe(true);
        },
      ),
    );
  });

  it('token records are frozen, consistent, and survive a round trip through parseStoredRecord', () => {
    fc.assert(
      fc.property(tokenRecordArbitrary(), (record) => {
        expect(Object.isFrozen(record) && Object.isFrozen(record.resources)).toBe(true);
        expect(record.version).toBeGreaterThanOrEqual(1);
        if (record.expiresAt !== null) expect(record.expiresAt).toBeGreaterThan(record.createdAt);
        expect(parseStoredRecord(JSON.parse(JSON.stringify(record)))).toEqual(record);
      }),
    );
  });

  it('authorization requests are decided without throwing, and some are allowed', () => {
    let allowed = 0;
    fc.assert(
      fc.property(
        tokenRecordArbitrary({ organization: 'acme' }).chain((record) =>
          fc.tuple(
            fc.constant(record),
            authorizationRequestArbitrary(
              'acme',
              record.resources.map((r) => r.path),
            ),
          ),
        ),
        ([record, { request, action }]) => {
          const decision = authorize(compileGrants('acme', record.resources, DEFAULT_POLICY), request, action);
          if (decision.allowed) allowed++;
        },
      ),
      { numRuns: 500 },
    );
    expect(allowed).toBeGreaterThan(0);
  });
});
