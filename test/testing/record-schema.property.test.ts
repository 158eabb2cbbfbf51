import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStoredRecord } from '../../src/core/record-schema.js';
import type { OrganizationName, TokenId } from '../../src/core/ids.js';
import { networkArbitrary, organizationIdArbitrary } from '../../src/testing/arbitraries.js';
import type { AccessTokenRecord, Resource } from '../../src/core/token.js';
import { isOatError, type OatError } from '../../src/errors.js';

const SNAKE: Record<string, string> = {
  organizationId: 'organization_id',
  createdBy: 'created_by',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  expiresAt: 'expires_at',
  lastUsedAt: 'last_used_at',
  secretHash: 'secret_hash',
  displayPrefix: 'display_prefix',
};
const DATE_FIELDS = new Set(['createdAt', 'updatedAt', 'expiresAt', 'lastUsedAt']);

const instantArb = fc.integer({ min: -8.64e15, max: 8.64e15 });
const resourceArb: fc.Arbitrary<Resource> = fc.record({
  type: fc.constantFrom('repository' as const, 'organization' as const),
  path: fc.string({ maxLength: 20 }),
  scopes: fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }),
});
const recordArb: fc.Arbitrary<AccessTokenRecord> = fc.record({
  id: fc.uuid().map((u) => u as TokenId),
  organizationId: organizationIdArbitrary(),
  organization: fc
    .array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 3 })
    .map((parts) => parts.join('-') as OrganizationName),
  label: fc.string({ maxLength: 30 }),
  description: fc.string({ maxLength: 30 }),
  createdBy: fc.string({ maxLength: 20 }),
  createdAt: instantArb,
  updatedAt: instantArb,
  expiresAt: fc.option(instantArb, { nil: null }),
  lastUsedAt: fc.option(instantArb, { nil: null }),
  state: fc.constantFrom('active' as const, 'inactive' as const, 'deleted' as const),
  resources: fc.array(resourceArb, { maxLength: 4 }),
  secretHash: fc.stringMatching(/^[0-9a-f]{64}$/),
  displayPrefix: fc.string({ maxLength: 10 }),
  version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  allowedNetworks: fc.uniqueArray(networkArbitrary(), { maxLength: 4 }),
  recentAddresses: fc.uniqueArray(
    networkArbitrary().map((n) => n.slice(0, n.indexOf('/'))),
    { maxLength: 5 },
  ),
});

/** How one column may come back from a driver. */
type Encoding = { readonly snake: boolean; readonly form: number };
const encodingArb = fc.record({ snake: fc.boolean(), form: fc.nat(4) });

function encodeDate(ms: number, form: number): unknown {
  const iso = new Date(ms).toISOString();
  switch (form) {
    case 0:
      return new Date(ms);
    case 1:
      return iso;
    case 2:
      return ms;
    case 3:
      return String(ms);
    default:
      // Postgres's text form: a space and a short offset.
      return iso.replace('T', ' ').replace('Z', '+00');
  }
}

function encodeValue(field: keyof AccessTokenRecord, value: unknown, form: number): unknown {
  if (DATE_FIELDS.has(field)) return value === null ? null : encodeDate(value as number, form);
  if (field === 'resources' || field === 'allowedNetworks' || field === 'recentAddresses')
    return form % 2 === 0 ? value : JSON.stringify(value);
  if (field === 'version') return [value, String(value), BigInt(value as number)][form % 3];
  if (field === 'description' && value === '' && form % 2 === 1) return null;
  if (field === 'id' && form === 4) return (value as string).toUpperCase();
  return value;
}

/** A row as some driver might return it, with unrelated extra columns. */
function encodeRow(
  record: AccessTokenRecord,
  encodings: ReadonlyArray<Encoding>,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const row: Record<string, unknown> = { ...extra };
  (Object.keys(record) as Array<keyof AccessTokenRecord>).forEach((field, i) => {
    const { snake, form } = encodings[i % encodings.length]!;
    row[snake ? (SNAKE[field] ?? field) : field] = encodeValue(field, record[field], form);
  });
  return row;
}

const extraArb = fc.dictionary(
  fc.string({ maxLength: 6 }).map((k) => `x_${k}`),
  fc.anything(),
  { maxKeys: 3 },
);
const validRowArb = fc
  .tuple(recordArb, fc.array(encodingArb, { minLength: 1, maxLength: 14 }), extraArb)
  .map(([record, encodings, extra]) => ({
    record,
    row: encodeRow(record, encodings, extra),
  }));

function failureOf(run: () => unknown): OatError | 'no error' | 'other error' {
  try {
    run();
    return 'no error';
  } catch (error) {
    return isOatError(error) ? error : 'other error';
  }
}

const BAD_VALUES: Record<keyof AccessTokenRecord, ReadonlyArray<unknown>> = {
  id: ['not-a-uuid', 42, null, {}],
  organizationId: ['', 'tab\there', 'x'.repeat(256), null, 7],
  organization: ['Has Space', '', null, 7],
  label: [42, null, [], {}],
  description: [42, [], true],
  createdBy: [null, 3, {}],
  createdAt: [
    null,
    'yesterday',
    '2024-01-01T00:00:00',
    Number.NaN,
    1.5,
    9e15,
    {},
    true,
    new Date(Number.NaN),
    '2024-13-45T00:00:00Z',
  ],
  updatedAt: [null, 'soon', -9e15, [], '1e3'],
  expiresAt: ['never', {}, false, Number.POSITIVE_INFINITY],
  lastUsedAt: ['2024-01-01', 'now', [], 12.25],
  state: ['expired', 'ACTIVE', null, 1],
  resources: [
    '{not json',
    'null',
    '{}',
    {},
    null,
    [{ type: 'team', path: 'a', scopes: [] }],
    [{ type: 'repository', path: 1, scopes: [] }],
    [{ type: 'repository', path: 'a', scopes: 'pull' }],
  ],
  secretHash: ['', null, 5],
  displayPrefix: [null, 1],
  version: [0, -1, 1.5, '1.5', 'abc', 2 ** 53, null, '', 0n, Number.NaN],
  allowedNetworks: [
    null,
    '10.0.0.1/8',
    ['10.0.0.1/8'],
    ['not a range'],
    ['::ffff:10.0.0.0/104'],
    [1],
    '{}',
    Array.from({ length: 51 }, (_, i) => `10.0.${i}.0/24`),
  ],
  recentAddresses: [
    null,
    '10.0.0.1',
    ['10.0.0.1/32'],
    ['::ffff:10.0.0.1'],
    ['2001:DB8::1'],
    ['10.0.0.1', '10.0.0.1'],
    Array.from({ length: 6 }, (_, i) => `10.0.0.${i}`),
    [7],
  ],
};
const FIELD_NAMES = Object.keys(BAD_VALUES) as Array<keyof AccessTokenRecord>;

describe('parseStoredRecord', () => {
  it(
    'round-trips any valid record through any mix of driver encodings into an equal, deeply frozen record ' +
      'with epoch-millisecond instants',
    () => {
      fc.assert(
        fc.property(validRowArb, ({ record, row }) => {
          const parsed = parseStoredRecord(row);
          expect(parsed).toEqual(record);
          expect(Object.keys(parsed)).toEqual(Object.keys(record));
          expect(Object.isFrozen(parsed) && Object.isFrozen(parsed.resources)).toBe(true);
          for (const resource of parsed.resources)
            expect(Object.isFrozen(resource) && Object.isFrozen(resource.scopes)).toBe(true);
          for (const instant of [parsed.createdAt, parsed.updatedAt, parsed.expiresAt, parsed.lastUsedAt]) {
            if (instant !== null) expect(Number.isSafeInteger(instant)).toBe(true);
          }
        }),
      );
    },
  );

  it('shares no mutable object with the row it was given', () => {
    fc.assert(
      fc.property(recordArb, (record) => {
        const row = {
          ...record,
          resources: record.resources.map((r) => ({ ...r, scopes: [...r.scopes] })),
          createdAt: new Date(record.createdAt),
        };
        const parsed = parseStoredRecord(row);
        row.createdAt.setTime(0);
        row.resources.push({ type: 'repository', path: 'late', scopes: [] });
        expect(parsed).toEqual(record);
      }),
    );
  });

  it('names exactly the corrupted column, with STORE_FAILURE, and never echoes the secret hash', () => {
    fc.assert(
      fc.property(
        recordArb,
        fc
          .constantFrom(...FIELD_NAMES)
          .chain((field) => fc.tuple(fc.constant(field), fc.constantFrom(...BAD_VALUES[field]), fc.boolean())),
        (record, [field, bad, snake]) => {
          const column = snake ? (SNAKE[field] ?? field) : field;
          const row: Record<string, unknown> = { ...record, [field]: undefined };
          delete row[field];
          row[column] = bad;
          const error = failureOf(() => parseStoredRecord(row));
          expect(error).not.toBe('no error');
          expect(error).not.toBe('other error');
          const oat = error as OatError;
          expect(oat.code).toBe('STORE_FAILURE');
          expect(oat.name).toBe('OatError');
          expect([...new Set(oat.fields.map((f) => f.path.split('.')[0]))]).toEqual([column]);
          expect(`${oat.message} ${JSON.stringify(oat)}`).not.toContain(record.secretHash);
        },
      ),
    );
  });

  it('reports every missing column as missing', () => {
    fc.assert(
      fc.property(recordArb, fc.subarray(FIELD_NAMES, { minLength: 1 }), (record, removed) => {
        const row: Record<string, unknown> = { ...record };
        for (const field of removed) delete row[field];
        const error = failureOf(() => parseStoredRecord(row)) as OatError;
        expect(error.code).toBe('STORE_FAILURE');
        expect(error.fields.map((f) => f.path).sort()).toEqual([...removed].sort());
        for (const issue of error.fields) expect(issue.message).toBe('is missing');
      }),
    );
  });

  it('turns any garbage into STORE_FAILURE, never another throw', () => {
    const garbage = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    });
    fc.assert(
      fc.property(garbage, (value) => {
        const error = failureOf(() => parseStoredRecord(value));
        expect(error).not.toBe('other error');
        if (typeof error !== 'string') expect(error.code).toBe('STORE_FAILURE');
      }),
    );
  });

  it('turns a row that cannot even be read into STORE_FAILURE, keeping the cause', () => {
    const hostile = new Proxy(
      {},
      {
        has: () => true,
        getOwnPropertyDescriptor: () => {
          throw new Error('driver exploded');
        },
      },
    );
    const error = failureOf(() => parseStoredRecord(hostile)) as OatError;
    expect(error.code).toBe('STORE_FAILURE');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('accepts the common driver spellings of one instant as the same epoch milliseconds', () => {
    const ms = Date.UTC(2024, 1, 29, 12, 30, 45, 120);
    const base = {
      id: '00000000-0000-4000-8000-000000000001',
      organizationId: 'org-1',
      organization: 'acme',
      label: 'x',
      description: '',
      createdBy: 'a',
      state: 'active',
      resources: '[]',
      secretHash: 'h',
      displayPrefix: 'p',
      version: '3',
      expiresAt: null,
      lastUsedAt: null,
      updatedAt: ms,
      allowedNetworks: '[]',
      recentAddresses: '[]',
    };
    const spellings = [
      new Date(ms),
      ms,
      BigInt(ms),
      String(ms),
      '2024-02-29T12:30:45.120Z',
      '2024-02-29 12:30:45.12+00',
      '2024-02-29T14:30:45.120+02:00',
      '2024-02-29T14:30:45.120+0200',
      '2024-02-29T12:30:45.120000Z',
    ];
    for (const createdAt of spellings) expect(parseStoredRecord({ ...base, createdAt }).createdAt).toBe(ms);
    expect(parseStoredRecord({ ...base, createdAt: ms }).version).toBe(3);
  });

  it('rejects a row that is not an object with a field at the row itself', () => {
    for (const row of [null, undefined, 'row', 42, [], [1, 2]]) {
      const error = failureOf(() => parseStoredRecord(row)) as OatError;
      expect(error.code).toBe('STORE_FAILURE');
      expect(error.fields).toEqual([{ path: '', message: expect.any(String) }]);
    }
  });
});
