import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InputContext, ParseResult } from '../../src/index.js';
import {
  DEFAULT_POLICY,
  createPolicy,
  parseCreateInput as parseCreate,
  parseUpdateInput as parseUpdate,
  safeParseCreateInput as safeParseCreate,
  safeParseUpdateInput as safeParseUpdate,
} from '../../src/index.js';

// These properties feed the validators what a JavaScript caller or a cast could: the request types are bypassed on
// purpose.
const safeParseCreateInput = (input: unknown, ctx: InputContext) => safeParseCreate(input as never, ctx);
const safeParseUpdateInput = (input: unknown, ctx: InputContext) => safeParseUpdate(input as never, ctx);
const parseCreateInput = (input: unknown, ctx: InputContext) => parseCreate(input as never, ctx);
const parseUpdateInput = (input: unknown, ctx: InputContext) => parseUpdate(input as never, ctx);

const NOW = Date.UTC(2025, 2, 1, 12);
const DAY = 86_400_000;
const CTX: InputContext = { organization: 'acme', now: NOW, policy: DEFAULT_POLICY };
const GRANT = { type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] };

const CREATE_FIELDS = ['label', 'description', 'resources', 'expiry', 'expires_at', 'is_active'] as const;
const UPDATE_FIELDS = ['label', 'description', 'resources', 'is_active'] as const;
const EXPIRY_FIELDS = ['expiry', 'expires_at', 'expiresAt'] as const;

const anything = fc.anything({
  withNullPrototype: true,
  withDate: true,
  withBigInt: true,
  withMap: true,
  withSet: true,
  withBoxedValues: true,
  withSparseArray: true,
});
const now = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) });

/**
 * The same UTC calendar date and time `years` later; Feb 29 falls back to Feb 28. Written apart from the library's
 * arithmetic on purpose.
 */
function utcYearsLater(ms: number, years: number): number {
  const d = new Date(ms);
  const year = d.getUTCFullYear() + years;
  const day = Math.min(d.getUTCDate(), new Date(Date.UTC(year, d.getUTCMonth() + 1, 0)).getUTCDate());
  return Date.UTC(
    year,
    d.getUTCMonth(),
    day,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

/** Plausible and implausible values for each real field, so that both outcomes are common. */
const fieldValue = {
  label: fc.oneof(fc.string({ maxLength: 110 }), fc.constantFrom('ci', '  ci  ', '', '   '), anything),
  description: fc.oneof(fc.string({ maxLength: 210 }), fc.constant(null), anything),
  resources: fc.oneof(
    fc.constant([GRANT]),
    fc.array(
      fc.record({
        type: fc.constantFrom('repository', 'organization', 'TYPE_REPO', 'TYPE_ORG', 'repo'),
        path: fc.constantFrom('acme/app', 'acme/*', '*/*/public', 'acme', 'beta/app', 'ACME/api'),
        scopes: fc.array(fc.constantFrom('pull', 'repo-push', 'scope-image-pull', 'scope-member-read', 'nope'), {
          maxLength: 3,
        }),
      }),
      { maxLength: 3 },
    ),
    anything,
  ),
  expiry: fc.oneof(
    fc.constantFrom('none', '30d', '90d', '1y', ''),
    fc.date(),
    fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2101, 0, 1) }),
    anything,
  ),
  expires_at: fc.oneof(
    fc.constant(null),
    fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'garbage' : d.toISOString())),
    anything,
  ),
  is_active: fc.oneof(fc.boolean(), fc.constant(undefined), anything),
  expiresAt: anything,
  unexpected: anything,
};

const withPrototype = <T extends object>(arb: fc.Arbitrary<T>) =>
  fc
    .tuple(arb, fc.boolean())
    .map(([value, bare]) => (bare ? Object.assign(Object.create(null) as object, value) : value));

type Field = keyof typeof fieldValue;
/**
 * Objects holding some of the real fields (each half the time) and, a third of the time, fields that must be refused.
 */
const fieldObject = (fields: ReadonlyArray<Field>, refused: ReadonlyArray<Field>) =>
  withPrototype(
    fc
      .tuple(
        fc.subarray([...fields]),
        fc.oneof(
          { weight: 2, arbitrary: fc.constant<Field[]>([]) },
          { weight: 1, arbitrary: fc.subarray([...refused], { minLength: 1 }) },
        ),
      )
      .chain(([some, bad]) =>
        fc.record(Object.fromEntries([...some, ...bad].map((k) => [k, fieldValue[k] as fc.Arbitrary<unknown>]))),
      ),
  );

// Mostly random field values; a fifth of the time the required fields are sound, so accepted inputs are common too.
const createLike = fc.oneof(
  { weight: 4, arbitrary: fieldObject(CREATE_FIELDS, ['unexpected', 'expiresAt']) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        label: fc.constantFrom('ci', '  ci  '),
        resources: fc.constant([GRANT]),
        description: fieldValue.description,
        expiry: fieldValue.expiry,
        expires_at: fieldValue.expires_at,
      },
      { requiredKeys: ['label', 'resources'] },
    ),
  },
);
const updateLike = fieldObject(UPDATE_FIELDS, ['expiry', 'expires_at', 'expiresAt', 'unexpected']);

/** A result is a value: ok, or a frozen VALIDATION_FAILED refusal that lists each offending field. */
function expectWellFormed(result: ParseResult<unknown>, input: unknown, required: ReadonlyArray<string>): void {
  if (result.ok) return;
  expect(Object.isFrozen(result)).toBe(true);
  expect(result.code).toBe('VALIDATION_FAILED');
  expect(result.fields.length).toBeGreaterThan(0);
  const present = typeof input === 'object' && input !== null ? Object.keys(input) : [];
  for (const field of result.fields) {
    expect(typeof field.path).toBe('string');
    expect(field.message.length).toBeGreaterThan(0);
    // Each issue names the field it is about: the input itself, a field given, or a required one.
    if (field.path !== '')
      expect(
        [...present, ...required].some((key) => field.path === key || field.path.startsWith(`${key}.`)),
        field.path,
      ).toBe(true);
  }
}

describe('safeParseCreateInput and safeParseUpdateInput never throw', () => {
  it('on anything, including null-prototype objects', () => {
    fc.assert(
      fc.property(anything, now, (input, at) => {
        const ctx = { ...CTX, now: at };
        expectWellFormed(safeParseCreateInput(input, ctx), input, ['label', 'resources']);
        expectWellFormed(safeParseUpdateInput(input, ctx), input, []);
      }),
      { numRuns: 2_000 },
    );
  });

  it('on objects built from the real field names with random values', () => {
    let accepted = 0;
    fc.assert(
      fc.property(createLike, now, (input, at) => {
        const result = safeParseCreateInput(input, { ...CTX, now: at });
        expectWellFormed(result, input, ['label', 'resources']);
        if (result.ok) {
          accepted++;
          expect(result.value.label).toBe(result.value.label.trim());
          expect(result.value.label.length).toBeGreaterThan(0);
          expect(result.value.resources.length).toBeGreaterThan(0);
          if (result.value.expiresAt !== null) expect(result.value.expiresAt).toBeGreaterThan(at);
        }
      }),
      { numRuns: 2_000 },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('on update-shaped objects; an accepted update always changes something', () => {
    let accepted = 0;
    fc.assert(
      fc.property(updateLike, now, (input, at) => {
        const result = safeParseUpdateInput(input, { ...CTX, now: at });
        expectWellFormed(result, input, []);
        if (result.ok) {
          accepted++;
          expect(Object.keys(result.value).length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2_000 },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('the throwing twins throw exactly the error the safe versions return', () => {
    fc.assert(
      fc.property(createLike, (input) => {
        const safe = safeParseCreateInput(input, CTX);
        if (safe.ok) expect(parseCreateInput(input, CTX)).toEqual(safe.value);
        else expect(() => parseCreateInput(input, CTX)).toThrow(safe.message);
        const update = safeParseUpdateInput(input, CTX);
        if (update.ok) expect(parseUpdateInput(input, CTX)).toEqual(update.value);
        else expect(() => parseUpdateInput(input, CTX)).toThrow(update.message);
      }),
      { numRuns: 300 },
    );
  });
});

describe('field errors name their path', () => {
  it('for missing, unknown and nested fields', () => {
    const result = safeParseCreateInput(
      { resources: [GRANT, { type: 'TYPE_REPO', path: 'acme/api', scopes: ['pull', 'nope'] }], colour: 'red' },
      CTX,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.fields.map((f) => f.path).sort()).toEqual(['colour', 'label']);
    const nested = safeParseCreateInput(
      { label: 'ci', resources: [GRANT, { type: 'TYPE_REPO', path: 'beta/api', scopes: ['pull', 'nope'] }] },
      CTX,
    );
    expect(nested.ok ? [] : nested.fields.map((f) => f.path)).toEqual(['resources.1.scopes.1', 'resources.1.path']);
    const tooMany = safeParseCreateInput(
      {
        label: 'ci',
        resources: Array.from({ length: 51 }, (_, i) => ({ type: 'TYPE_REPO', path: `acme/r${i}`, scopes: ['pull'] })),
      },
      CTX,
    );
    expect(tooMany.ok ? [] : tooMany.fields.map((f) => f.path)).toEqual(['resources']);
  });

  it('and the message lists them without any secret', () => {
    const result = safeParseCreateInput({ label: '', resources: [] }, CTX);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain('label: must not be empty');
    expect(result.message).toContain('resources: must grant at least one resource');
    expect(JSON.parse(JSON.stringify(result))).toEqual({
      ok: false,
      code: 'VALIDATION_FAILED',
      message: result.message,
      fields: result.fields,
    });
    expect(() => parseCreateInput({ label: '', resources: [] }, CTX)).toThrow(
      expect.objectContaining({ name: 'OatError', message: result.message, fields: result.fields }),
    );
  });
});

describe("Docker Hub's JSON shape", () => {
  it('is accepted: TYPE_REPO / TYPE_ORG, expires_at, is_active, legacy scope names', () => {
    const body = JSON.parse(
      JSON.stringify({
        label: 'CI pipeline',
        description: null,
        is_active: true,
        expires_at: '2025-05-30T12:00:00Z',
        resources: [
          { type: 'TYPE_REPO', path: 'ACME/app', scopes: ['repo-pull', 'repo-push'] },
          { type: 'TYPE_REPO', path: 'acme/*', scopes: ['repo-pull'] },
          { type: 'TYPE_REPO', path: '*/*/public', scopes: ['repo-pull'] },
          { type: 'TYPE_ORG', path: 'acme', scopes: ['scope-member-read', 'scope-group-edit'] },
        ],
      }),
    ) as unknown;
    expect(safeParseCreateInput(body, CTX)).toEqual({
      ok: true,
      value: {
        label: 'CI pipeline',
        description: '',
        expiresAt: Date.UTC(2025, 4, 30, 12),
        allowedNetworks: [],
        resources: [
          { type: 'repository', path: 'acme/app', scopes: ['scope-image-pull', 'scope-image-push'] },
          { type: 'repository', path: 'acme/*', scopes: ['scope-image-pull'] },
          { type: 'repository', path: '*/*/public', scopes: ['scope-image-pull'] },
          { type: 'organization', path: 'acme', scopes: ['scope-member-read', 'scope-group-edit'] },
        ],
      },
    });
    expect(safeParseUpdateInput({ is_active: false }, CTX)).toEqual({ ok: true, value: { active: false } });
    expect(safeParseCreateInput({ label: 'ci', resources: [GRANT], is_active: false }, CTX)).toMatchObject({
      ok: false,
      fields: [{ path: 'is_active' }],
    });
  });
});

describe('expiry at creation', () => {
  const create = (extra: object, ctx: InputContext = CTX) =>
    safeParseCreateInput({ label: 'ci', resources: [GRANT], ...extra }, ctx);
  const expiryOf = (result: ParseResult<{ expiresAt: number | null }>) =>
    result.ok ? result.value.expiresAt : result.fields;

  it('offers 30d, 90d and none (the default)', () => {
    fc.assert(
      fc.property(now, (at) => {
        const ctx = { ...CTX, now: at };
        expect(expiryOf(create({ expiry: '30d' }, ctx))).toBe(at + 30 * DAY);
        expect(expiryOf(create({ expiry: '90d' }, ctx))).toBe(at + 90 * DAY);
        expect(expiryOf(create({ expiry: 'none' }, ctx))).toBeNull();
        expect(expiryOf(create({ expires_at: null }, ctx))).toBeNull();
        expect(expiryOf(create({}, ctx))).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it(
    'accepts a custom instant in the future up to policy.maxExpiry (one UTC year by default), as epoch ms, a ' +
      'Date or an ISO string, and holds epoch ms',
    () => {
      fc.assert(
        fc.property(
          now,
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.constantFrom('ms', 'date', 'iso'),
          (at, fraction, form) => {
            const latest = utcYearsLater(at, 1);
            const when = Math.max(at + 1, Math.floor(at + fraction * (latest - at)));
            const value = form === 'ms' ? when : form === 'date' ? new Date(when) : new Date(when).toISOString();
            expect(expiryOf(create({ expiry: value }, { ...CTX, now: at }))).toBe(when);
            // Docker Hub's field takes a date-time string (or a Date from code), never a number.
            expect(
              expiryOf(
                create({ expires_at: form === 'ms' ? new Date(when).toISOString() : value }, { ...CTX, now: at }),
              ),
            ).toBe(when);
          },
        ),
        { numRuns: 500 },
      );
      expect(expiryOf(create({ expires_at: new Date(utcYearsLater(NOW, 1)).toISOString() }))).toBe(
        utcYearsLater(NOW, 1),
      );
    },
  );

  it('rejects an instant beyond maxExpiry, now, or in the past, naming the field', () => {
    fc.assert(
      fc.property(
        now,
        fc.integer({ min: 1, max: 10 * 365 * 86_400_000 }),
        fc.constantFrom('expiry', 'expires_at'),
        (at, offset, field) => {
          const ctx = { ...CTX, now: at };
          const form = (ms: number): number | string => (field === 'expiry' ? ms : new Date(ms).toISOString());
          const late = create({ [field]: form(utcYearsLater(at, 1) + offset) }, ctx);
          const past = create({ [field]: form(at - offset + 1) }, ctx);
          expect(late).toMatchObject({
            ok: false,
            code: 'VALIDATION_FAILED',
            fields: [{ path: field, message: expect.stringMatching(/^must be at most /) }],
          });
          expect(past).toMatchObject({
            ok: false,
            fields: [{ path: field, message: 'must be in the future' }],
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('honours a custom maxExpiry', () => {
    const ctx = { ...CTX, policy: createPolicy({ maxExpiry: { days: 7 } }) };
    expect(expiryOf(create({ expiry: NOW + 7 * DAY }, ctx))).toBe(NOW + 7 * DAY);
    // The bound covers presets too; "never expires" stays a choice.
    expect(create({ expiry: '30d' }, ctx)).toMatchObject({ ok: false, fields: [{ path: 'expiry' }] });
    expect(create({ expiry: '30d' }, { ...CTX, policy: createPolicy({ maxExpiry: { days: 30 } }) }).ok).toBe(true);
    expect(expiryOf(create({ expiry: 'none' }, ctx))).toBeNull();
    expect(create({ expiry: NOW + 7 * DAY + 1 }, ctx)).toMatchObject({
      ok: false,
      fields: [{ path: 'expiry' }],
    });
  });

  it('refuses a maxExpiry that is not a positive duration, and malformed plans or scopes, as MISCONFIGURED', () => {
    for (const maxExpiry of [{ years: -1 }, {}, { days: 0 }, { fortnights: 1 }, { days: 1.5 }]) {
      expect(() => createPolicy({ maxExpiry: maxExpiry as never })).toThrow(
        expect.objectContaining({ code: 'MISCONFIGURED' }),
      );
    }
    expect(() => createPolicy({ plans: { team: null } as never })).toThrow(
      expect.objectContaining({ code: 'MISCONFIGURED' }),
    );
    expect(() => createPolicy({ extraScopes: [{ name: 'scope-x', kind: 'foo' } as never] })).toThrow(
      expect.objectContaining({ code: 'MISCONFIGURED' }),
    );
    expect(() =>
      createPolicy({ extraScopes: [{ name: 'scope-x', kind: 'repository', aliases: 'abc' } as never] }),
    ).toThrow(expect.objectContaining({ code: 'MISCONFIGURED' }));
  });

  it('rejects both expiry and expires_at together, and invalid instants', () => {
    expect(create({ expiry: '30d', expires_at: null })).toMatchObject({
      ok: false,
      fields: [{ path: 'expires_at' }],
    });
    expect(create({ expires_at: new Date(Number.NaN) })).toMatchObject({
      ok: false,
      fields: [{ path: 'expires_at' }],
    });
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
      expect(create({ expiry: bad })).toMatchObject({ ok: false, fields: [{ path: 'expiry' }] });
    }
    expect(create({ expires_at: '2025-06-01T00:00:00' })).toMatchObject({
      ok: false,
      fields: [{ path: 'expires_at' }],
    });
    expect(create({ expiry: '1y' })).toMatchObject({ ok: false, fields: [{ path: 'expiry' }] });
  });

  it("refuses a number for Docker Hub's expires_at, saying it must be an ISO date-time string", () => {
    expect(create({ expires_at: NOW + DAY })).toMatchObject({
      ok: false,
      fields: [{ path: 'expires_at', message: expect.stringContaining('ISO 8601 date-time string') }],
    });
  });
});

describe('expiry cannot change on update', () => {
  it('rejects any expiry field, whatever its value and whatever else the update holds', () => {
    fc.assert(
      fc.property(
        fc.subarray([...EXPIRY_FIELDS], { minLength: 1 }),
        anything,
        fc.record({ label: fc.constant('renamed'), is_active: fc.boolean() }, { requiredKeys: [] }),
        fc.boolean(),
        (fields, value, rest, bare) => {
          const input = Object.assign(
            bare ? (Object.create(null) as object) : {},
            rest,
            Object.fromEntries(fields.map((f) => [f, value])),
          );
          const result = safeParseUpdateInput(input, CTX);
          expect(result.ok).toBe(false);
          if (result.ok) return;
          expect(result.code).toBe('VALIDATION_FAILED');
          expect(result.fields).toEqual(
            fields.map((path) => ({ path, message: 'expiry cannot be changed after creation' })),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts label, description, resources and is_active, and refuses an empty update', () => {
    expect(
      safeParseUpdateInput({ label: ' ci ', description: null, resources: [GRANT], is_active: true }, CTX),
    ).toEqual({
      ok: true,
      value: {
        label: 'ci',
        description: '',
        resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }],
        active: true,
      },
    });
    expect(safeParseUpdateInput({}, CTX)).toMatchObject({ ok: false, fields: [{ path: '' }] });
    expect(safeParseUpdateInput({ label: undefined }, CTX)).toMatchObject({
      ok: false,
      fields: [{ path: '' }],
    });
  });
});
