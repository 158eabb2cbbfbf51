import { z } from 'zod';
import { OatError, type FieldIssue } from '../errors.js';
import { toOrganizationId, toOrganizationName, toTokenId, type TokenId } from './ids.js';
import { parseIsoInstant } from './instant.js';
import { MAX_ALLOWED_NETWORKS, normalizeAddress, normalizeNetwork } from './networks.js';
import { MAX_RECENT_ADDRESSES } from './recent-addresses.js';
import { freezeRecord, type AccessTokenRecord, type EpochMillis } from './token.js';

const FIELDS = [
  'id',
  'organizationId',
  'organization',
  'label',
  'description',
  'createdBy',
  'createdAt',
  'updatedAt',
  'expiresAt',
  'lastUsedAt',
  'state',
  'resources',
  'secretHash',
  'displayPrefix',
  'version',
  'allowedNetworks',
  'recentAddresses',
] as const;
type Field = (typeof FIELDS)[number];

// The snake_case spelling SQL schemas use; accepted when the camelCase key is absent.
const SNAKE: Readonly<Record<Field, string>> = {
  id: 'id',
  organizationId: 'organization_id',
  organization: 'organization',
  label: 'label',
  description: 'description',
  createdBy: 'created_by',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  expiresAt: 'expires_at',
  lastUsedAt: 'last_used_at',
  state: 'state',
  resources: 'resources',
  secretHash: 'secret_hash',
  displayPrefix: 'display_prefix',
  version: 'version',
  allowedNetworks: 'allowed_networks',
  recentAddresses: 'recent_addresses',
};

const MAX_EPOCH_MS = 8.64e15;
const EPOCH_TEXT = /^-?\d{1,16}$/;
const COUNT_TEXT = /^\d{1,16}$/;
const INSTANT_MESSAGE = 'must be a Date, an ISO 8601 string with an offset, or epoch milliseconds';

// Non-finite and fractional milliseconds are refused, not rounded: either means the driver and the schema disagree.
function checkedEpoch(ms: number): EpochMillis | undefined {
  return Number.isSafeInteger(ms) && Math.abs(ms) <= MAX_EPOCH_MS ? ms : undefined;
}

function toInstant(value: unknown): EpochMillis | undefined {
  if (value instanceof Date) return checkedEpoch(value.getTime());
  if (typeof value === 'number') return checkedEpoch(value);
  if (typeof value === 'bigint') return value >= -MAX_EPOCH_MS && value <= MAX_EPOCH_MS ? Number(value) : undefined;
  if (typeof value !== 'string') return undefined;
  if (EPOCH_TEXT.test(value)) return checkedEpoch(Number(value));
  return parseIsoInstant(value);
}

const instant = z.unknown().transform((value, ctx): EpochMillis => {
  const ms = toInstant(value);
  if (ms === undefined) ctx.addIssue({ code: 'custom', message: value === undefined ? 'is missing' : INSTANT_MESSAGE });
  return ms ?? 0;
});

const optionalInstant = z.unknown().transform((value, ctx): EpochMillis | null => {
  if (value === null) return null;
  const ms = toInstant(value);
  if (ms === undefined)
    ctx.addIssue({
      code: 'custom',
      message: value === undefined ? 'is missing' : `must be null or ${INSTANT_MESSAGE.slice('must be '.length)}`,
    });
  return ms ?? null;
});

const tokenId = z.unknown().transform((value, ctx) => {
  const id = toTokenId(value);
  if (id === null) ctx.addIssue({ code: 'custom', message: 'must be a token id (UUID)' });
  return id ?? ('' as never);
});

const organization = z.unknown().transform((value, ctx) => {
  const name = toOrganizationName(value);
  if (name === null) ctx.addIssue({ code: 'custom', message: 'must be an organization name' });
  return name ?? ('' as never);
});

const organizationId = z.unknown().transform((value, ctx) => {
  const id = toOrganizationId(value);
  if (id === null)
    ctx.addIssue({
      code: 'custom',
      message: 'must be an organization id (1 to 255 characters, no control characters)',
    });
  return id ?? ('' as never);
});

const version = z.unknown().transform((value, ctx): number => {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'bigint'
        ? Number(value)
        : typeof value === 'string' && COUNT_TEXT.test(value)
          ? Number(value)
          : NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    ctx.addIssue({ code: 'custom', message: 'must be a positive integer (a number, bigint or numeric string)' });
  return n;
});

function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

const resource = z.object({
  type: z.enum(['repository', 'organization']),
  path: z.string(),
  scopes: z.array(z.string()),
});

// A stored range must already be in normal form: anything else was written by something other than this library.
const storedNetworks = z.preprocess(
  parseJsonText,
  z
    .array(z.string().refine((text) => normalizeNetwork(text) === text, 'must hold CIDR ranges in normal form'))
    .max(MAX_ALLOWED_NETWORKS),
);

// The bookkeeping writes only normal forms, each once, at most five: any other list was not written by this library.
const storedAddresses = z.preprocess(
  parseJsonText,
  z
    .array(z.string().refine((text) => normalizeAddress(text) === text, 'must hold addresses in normal form'))
    .max(MAX_RECENT_ADDRESSES)
    .refine((list) => new Set(list).size === list.length, 'must not repeat an address'),
);

const rowSchema = z.object({
  id: tokenId,
  organizationId,
  organization,
  label: z.string(),
  // Some schemas store "no description" as NULL; the record spells it ''.
  description: z
    .string()
    .nullable()
    .transform((v) => v ?? ''),
  createdBy: z.string(),
  createdAt: instant,
  updatedAt: instant,
  expiresAt: optionalInstant,
  lastUsedAt: optionalInstant,
  state: z.enum(['active', 'inactive', 'deleted']),
  resources: z.preprocess(parseJsonText, z.array(resource)),
  secretHash: z.string().min(1),
  displayPrefix: z.string(),
  version,
  allowedNetworks: storedNetworks,
  recentAddresses: storedAddresses,
});

function isRecordLike(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function failure(
  fields: ReadonlyArray<FieldIssue>,
  context: Readonly<Record<string, unknown>>,
  cause?: unknown,
): OatError {
  const columns = [...new Set(fields.map((f) => (f.path === '' ? '(row)' : f.path.split('.')[0])))];
  return new OatError('STORE_FAILURE', `The store returned a malformed token record (bad: ${columns.join(', ')})`, {
    fields,
    // `reason` tells a row that cannot be read from a store that cannot answer: the service refuses a login
    // on the one, deletes it without reading it, and lists around it.
    context: { ...context, reason: 'UNREADABLE' },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Turns what a database driver returned for one token into a deeply frozen
 * {@link AccessTokenRecord}, or throws `OatError` `STORE_FAILURE` whose
 * `fields` name every bad column, with `context.reason` `'UNREADABLE'` (and
 * `context.tokenId` when the id column itself is readable).
 *
 * Invariant: a record that comes out has every instant as integer epoch
 * milliseconds ({@link EpochMillis}), a fresh frozen `resources` array, and
 * a safe positive integer `version`, whatever the driver's representation was. Columns may be spelled as the
 * record's fields (`createdAt`) or in snake_case (`created_at`); extra columns
 * are ignored. Accepted encodings:
 * - instants: `Date`, ISO 8601 text with an offset (`Z`, `+02:00`, `+00`; `T`
 *   or a space), or epoch milliseconds as a number, bigint or digit string;
 *   non-finite or fractional milliseconds and invalid dates are refused;
 *   `expiresAt` and `lastUsedAt` may be `null`;
 * - `resources`: an array, or its JSON text;
 * - `version`: a number, bigint or digit string;
 * - `description`: a string, or `null` for `''`.
 *
 * Never throws anything but `OatError`, and never puts a column's value in a
 * message (a row holds the secret's hash).
 *
 * @example
 * ```ts
 * const row = db.prepare('SELECT * FROM oat_tokens WHERE id = ?').get(id);
 * return row === undefined ? null : parseStoredRecord(row);
 * ```
 */
export function parseStoredRecord(row: unknown): AccessTokenRecord {
  try {
    if (!isRecordLike(row))
      throw failure([{ path: '', message: 'must be an object with one property per column' }], {});
    const columnOf = new Map<Field, string>();
    const values: Record<string, unknown> = {};
    for (const field of FIELDS) {
      const column = Object.hasOwn(row, field) || !Object.hasOwn(row, SNAKE[field]) ? field : SNAKE[field];
      columnOf.set(field, column);
      values[field] = Object.hasOwn(row, column) ? row[column] : undefined;
    }
    const parsed = rowSchema.safeParse(values);
    if (!parsed.success) {
      const id = toTokenId(values['id']);
      const fields = parsed.error.issues.map((issue): FieldIssue => {
        const [first, ...rest] = issue.path.map(String);
        const column = first === undefined ? '' : (columnOf.get(first as Field) ?? first);
        const missing = rest.length === 0 && first !== undefined && values[first] === undefined;
        return {
          path: [column, ...rest].filter((p) => p !== '').join('.'),
          message: missing ? 'is missing' : issue.message,
        };
      });
      throw failure(fields, id === null ? {} : { tokenId: id });
    }
    const v = parsed.data;
    return freezeRecord<AccessTokenRecord>({
      id: v.id,
      organizationId: v.organizationId,
      organization: v.organization,
      label: v.label,
      description: v.description,
      createdBy: v.createdBy,
      createdAt: v.createdAt,
      updatedAt: v.updatedAt,
      expiresAt: v.expiresAt,
      lastUsedAt: v.lastUsedAt,
      state: v.state,
      resources: v.resources.map((r) => ({ type: r.type, path: r.path, scopes: [...r.scopes] })),
      secretHash: v.secretHash,
      displayPrefix: v.displayPrefix,
      version: v.version,
      allowedNetworks: [...v.allowedNetworks],
      recentAddresses: [...v.recentAddresses],
    });
  } catch (error) {
    if (error instanceof OatError) throw error;
    // A hostile row (a throwing getter, a revoked proxy) is still a store fault, not a crash.
    throw failure([{ path: '', message: 'could not be read' }], {}, error);
  }
}

/**
 * Parses a page of rows with {@link parseStoredRecord}, leaving out and
 * counting the rows it refuses, so one unreadable row never hides the rest of
 * an organization's tokens. Frozen, `items` and `unreadableIds` included.
 *
 * Invariant: `unreadableIds` holds the `id` of each refused row whose id is
 * itself a token id (in row order), so `unreadableIds.length <= unreadable`;
 * a caller can still delete those rows by id (`TokenStore.markDeleted`).
 */
export function parseStoredRows(rows: ReadonlyArray<unknown>): {
  readonly items: ReadonlyArray<AccessTokenRecord>;
  readonly unreadable: number;
  readonly unreadableIds: ReadonlyArray<TokenId>;
} {
  const items: AccessTokenRecord[] = [];
  const unreadableIds: TokenId[] = [];
  let unreadable = 0;
  for (const row of rows) {
    try {
      items.push(parseStoredRecord(row));
    } catch {
      // parseStoredRecord throws only for this row; its fault names the columns, which a listing has no place for.
      unreadable++;
      const id = rowId(row);
      if (id !== null) unreadableIds.push(id);
    }
  }
  return Object.freeze({ items: Object.freeze(items), unreadable, unreadableIds: Object.freeze(unreadableIds) });
}

/** The token id of a row that may be hostile (a throwing getter, a revoked proxy), or `null`. */
function rowId(row: unknown): TokenId | null {
  try {
    return typeof row === 'object' && row !== null ? toTokenId((row as { id?: unknown }).id) : null;
  } catch {
    return null;
  }
}
