import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHubApi } from '../../src/hub-api/index.js';
import {
  DEFAULT_POLICY,
  createMemoryTokenStore,
  createPolicy,
  createTokenService,
  parseCreateRequest,
  parseUpdateRequest,
  safeParseCreateInput,
  safeParseCreateRequest,
  safeParseUpdateRequest,
  type TokenService,
} from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import type { ParseResult } from '../../src/index.js';

const GRANT = { type: 'TYPE_REPO', path: 'acme/app', scopes: ['repo-pull'] };
const paths = (result: ParseResult<unknown>) => (result.ok ? [] : result.fields.map((f) => f.path));

describe('safeParseCreateRequest: the path for raw bodies', () => {
  it('hands back the body itself, now typed, when its shape is a create request', () => {
    const body: unknown = JSON.parse(
      JSON.stringify({ label: 'ci', resources: [GRANT], expires_at: '2026-01-01T00:00:00Z', is_active: true }),
    );
    const parsed = safeParseCreateRequest(body);
    expect(parsed).toEqual({ ok: true, value: body });
    expect(parsed.ok && parsed.value).toBe(body);
  });

  it('refuses misspelt fields, a missing label and a body that is no object, naming each field', () => {
    expect(paths(safeParseCreateRequest({ lable: 'ci', resorces: [GRANT] }))).toEqual(
      expect.arrayContaining(['label', 'resources', 'lable', 'resorces']),
    );
    expect(paths(safeParseCreateRequest(42))).toEqual(['']);
    expect(safeParseCreateRequest(null)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
  });

  it("names the given policy's bound for an expiry of no accepted form", () => {
    const parsed = safeParseCreateRequest(
      { label: 'ci', resources: [GRANT], expiry: '60d' },
      createPolicy({ maxExpiry: { days: 7 } }),
    );
    expect(parsed.ok ? '' : parsed.fields[0]?.message).toContain('at most 7 days ahead');
  });

  it('agrees with the full validation on shape: whatever it refuses, safeParseCreateInput refuses too', () => {
    const field = fc.constantFrom('label', 'lable', 'description', 'resources', 'expiry', 'expires_at', 'is_active');
    const value = fc.oneof(
      fc.constant(GRANT),
      fc.constant([GRANT]),
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant('30d'),
    );
    fc.assert(
      fc.property(fc.dictionary(field, value), (body) => {
        const shape = safeParseCreateRequest(body);
        const full = safeParseCreateInput(body as never, {
          organization: 'acme',
          now: Date.UTC(2025, 0, 1),
          policy: DEFAULT_POLICY,
        });
        if (!shape.ok) expect(full.ok).toBe(false);
        if (full.ok) expect(shape.ok).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('has a throwing twin that throws VALIDATION_FAILED with the same fields', () => {
    const body = { label: 'ci', resources: [GRANT], colour: 'red' };
    const safe = safeParseCreateRequest(body);
    expect(() => parseCreateRequest(body)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', fields: safe.ok ? [] : safe.fields }),
    );
    expect(parseCreateRequest({ label: 'ci', resources: [GRANT] })).toEqual({ label: 'ci', resources: [GRANT] });
  });
});

describe('safeParseUpdateRequest', () => {
  it('hands back the body when its shape is an update request', () => {
    const body = { is_active: false, label: 'old builds' };
    expect(safeParseUpdateRequest(body)).toEqual({ ok: true, value: body });
    expect(parseUpdateRequest(body)).toBe(body);
  });

  it('refuses an expiry field with the message of the full validation, an empty update, and a misspelt field', () => {
    expect(safeParseUpdateRequest({ expires_at: '2026-01-01T00:00:00Z' })).toMatchObject({
      ok: false,
      fields: [{ path: 'expires_at', message: 'expiry cannot be changed after creation' }],
    });
    expect(safeParseUpdateRequest({}).ok).toBe(false);
    expect(paths(safeParseUpdateRequest({ isActive: false }))).toContain('isActive');
    expect(() => parseUpdateRequest('nope')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('the Hub API narrows bodies before it calls the service', () => {
  function spied(policy = DEFAULT_POLICY) {
    const real = createTokenService({
      store: createMemoryTokenStore(),
      clock: createFakeClock(),
      organizations: [{ name: 'acme', plan: 'business', owners: ['alice'] }],
      policy,
    });
    const calls: string[] = [];
    const service: Pick<TokenService, 'safeCreate' | 'safeGet' | 'safeList' | 'safeUpdate' | 'safeDelete' | 'policy'> =
      {
        policy: real.policy,
        safeCreate: (...args) => (calls.push('create'), real.safeCreate(...args)),
        safeGet: real.safeGet,
        safeList: real.safeList,
        safeUpdate: (...args) => (calls.push('update'), real.safeUpdate(...args)),
        safeDelete: real.safeDelete,
      };
    const api = createHubApi({ service, authenticateCaller: () => ({ username: 'alice' }) });
    const post = (body: unknown) =>
      api(
        new Request('http://hub.test/v2/orgs/acme/access-tokens', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
    return { api, calls, post };
  }

  it('answers a body of the wrong shape 400 naming the fields, and never calls create with it', async () => {
    const { calls, post } = spied();
    const reply = await post({ lable: 'ci', resources: [GRANT] });
    expect(reply.status).toBe(400);
    expect(Object.keys(((await reply.json()) as { fields: object }).fields).sort()).toEqual(['label', 'lable']);
    expect(calls).toEqual([]);
    expect((await post({ label: 'ci', resources: [GRANT] })).status).toBe(201);
    expect(calls).toEqual(['create']);
  });

  it("checks the body against the service's policy: its expiry bound is the one named", async () => {
    const { post } = spied(createPolicy({ maxExpiry: { days: 7 } }));
    const reply = await post({ label: 'ci', resources: [GRANT], expiry: '60d' });
    expect(reply.status).toBe(400);
    expect(JSON.stringify(await reply.json())).toContain('at most 7 days ahead');
  });
});
