import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type {
  AccessTokenRecord,
  AuthenticationResult,
  EpochMillis,
  Principal,
  RawResource,
  TokenService,
  TokenStore,
} from '../../src/index.js';
import { createMemoryTokenStore, createTokenService } from '../../src/index.js';
import { createSqliteTokenStore } from '../../src/sqlite/index.js';
import { createFakeClock, type FakeClock } from '../../src/testing/index.js';

const DAY = 86_400_000;
const alice = { username: 'alice' };
const organizations = [{ name: 'acme', plan: 'business', owners: ['alice'] }];
const RESOURCES: RawResource[] = [
  { type: 'repository', path: 'acme/app', scopes: ['scope-image-push'] },
  { type: 'repository', path: '*/*/public', scopes: ['scope-image-pull'] },
  { type: 'organization', path: 'acme', scopes: ['scope-member-read'] },
];

/** What a vandal writes: drawn by fast-check so the values vary. */
interface Junk {
  readonly ms: number;
  readonly text: string;
  readonly key: string;
}

const junkArb: fc.Arbitrary<Junk> = fc.record({
  ms: fc.integer({ min: -8.64e15, max: 8.64e15 }),
  text: fc.string({ maxLength: 8 }),
  key: fc.constantFrom('extra', 'expiresAt', '__proto__x', '0'),
});

// Nothing is skipped: compiled grants are opaque (their state sits in a private field), so they are mutated too.
const SKIPPED_KEYS: ReadonlySet<PropertyKey> = new Set();

function attempt(change: () => unknown): void {
  try {
    change();
  } catch (error) {
    // Strict-mode code gets a TypeError from a frozen object: that is the refusal this test wants.
    if (!(error instanceof TypeError)) throw error;
  }
}

function replacementFor(value: unknown, junk: Junk): unknown {
  if (typeof value === 'number') return value === junk.ms ? junk.ms + 1 : junk.ms;
  if (typeof value === 'string') return `${value}${junk.text}!`;
  if (typeof value === 'boolean') return !value;
  return value === null ? junk.ms : null;
}

/**
 * Tries every way a caller could change what it was handed: assignment, defineProperty, delete, array methods, Date
 * setters.
 */
function vandalize(value: unknown, junk: Junk, seen: Set<object> = new Set()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const target = value as Record<PropertyKey, unknown>;
  for (const key of Reflect.ownKeys(target)) {
    if (SKIPPED_KEYS.has(key)) continue;
    const inner = target[key];
    vandalize(inner, junk, seen);
    // An array length must be a valid one, or the RangeError comes before the frozen check.
    const replacement = Array.isArray(value) && key === 'length' ? 0 : replacementFor(inner, junk);
    attempt(() => {
      target[key] = replacement;
    });
    attempt(() =>
      Object.defineProperty(target, key, { value: replacement, writable: true, enumerable: true, configurable: true }),
    );
    attempt(() => delete target[key]);
  }
  if (value instanceof Date) {
    attempt(() => value.setTime(junk.ms));
    attempt(() => value.setUTCFullYear(value.getUTCFullYear() + 150));
  }
  if (Array.isArray(value)) {
    attempt(() => value.push({ type: 'repository', path: 'acme/*', scopes: ['scope-image-delete'] }));
    attempt(() => value.reverse());
    attempt(() => value.splice(0, 1));
  }
  attempt(() => {
    target[junk.key] = junk.text;
  });
}

/** The principal as later calls can see it, with what it authorizes. */
function loginView(service: TokenService, result: AuthenticationResult): unknown {
  if (!result.ok) return result.code;
  const p: Principal = result.principal;
  return {
    organization: p.organization,
    tokenId: p.tokenId,
    label: p.label,
    expiresAt: p.expiresAt,
    push: service.authorize(p, { repository: 'acme/app' }, 'push').allowed,
  };
}

interface World {
  readonly service: TokenService;
  readonly clock: FakeClock;
  readonly tokens: Array<{ id: string; secret: string; expiresAt: number | null; state: 'active' | 'inactive' }>;
}

/** Everything later calls return, as a plain copy: logins first, since a login may write last-used. */
async function observe({ service, tokens }: World): Promise<unknown> {
  const logins = [];
  for (const t of tokens) logins.push(loginView(service, await service.authenticate('acme', t.secret)));
  const records = [];
  for (const t of tokens) records.push(await service.get(alice, 'acme', t.id));
  const page = await service.list(alice, 'acme', { pageSize: 100 });
  return structuredClone({ logins, records, items: [...page.items], total: page.total });
}

type Op =
  | { readonly kind: 'create'; readonly expiry: 'none' | '30d' | '90d' | number }
  | { readonly kind: 'get' | 'update' | 'deactivate' | 'authenticate'; readonly pick: number; readonly label: string }
  | { readonly kind: 'list' }
  | { readonly kind: 'advance'; readonly ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      expiry: fc.oneof(
        fc.constantFrom('none' as const, '30d' as const, '90d' as const),
        fc.integer({ min: 60_000, max: 300 * DAY }),
      ),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom('get' as const, 'update' as const, 'deactivate' as const, 'authenticate' as const),
      pick: fc.nat(),
      label: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim().length > 0),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'list' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 160 * DAY }) }),
  },
);

/** Runs one operation and returns what the service handed back (`undefined` when it refused). */
async function apply(world: World, op: Op): Promise<unknown> {
  const { service, clock, tokens } = world;
  if (op.kind === 'advance') {
    clock.advance(op.ms);
    return undefined;
  }
  if (op.kind === 'list') return service.list(alice, 'acme', { pageSize: 100 });
  if (op.kind === 'create') {
    const expiry = typeof op.expiry === 'number' ? clock.now() + op.expiry : op.expiry;
    const created = await service.create(alice, 'acme', { label: 'ci', resources: RESOURCES, expiry });
    const expiresAt =
      expiry === 'none'
        ? null
        : expiry === '30d'
          ? clock.now() + 30 * DAY
          : expiry === '90d'
            ? clock.now() + 90 * DAY
            : expiry;
    tokens.push({ id: created.token.id, secret: created.secret.reveal(), expiresAt, state: 'active' });
    return created;
  }
  const token = tokens[op.pick % Math.max(1, tokens.length)];
  if (token === undefined) return undefined;
  if (op.kind === 'authenticate') {
    const result = await service.authenticate('acme', token.secret);
    const live = token.state === 'active' && (token.expiresAt === null || clock.now() < token.expiresAt);
    // The model keeps its own expiry: a change through a handed-out object would show here, days later.
    expect(result.ok ? 'ok' : result.code).toBe(
      live
        ? 'ok'
        : token.state === 'inactive' && !(token.expiresAt !== null && clock.now() >= token.expiresAt)
          ? 'INACTIVE'
          : 'EXPIRED',
    );
    return result;
  }
  if (op.kind === 'get') return service.get(alice, 'acme', token.id);
  try {
    const record =
      op.kind === 'update'
        ? await service.update(alice, 'acme', token.id, { label: op.label })
        : await service.deactivate(alice, 'acme', token.id);
    if (op.kind === 'deactivate') token.state = 'inactive';
    return record;
  } catch (error) {
    // Inactive and expired tokens refuse edits: an outcome of the lifecycle, not of this test.
    if ((error as { code?: unknown }).code === 'TRANSITION_DENIED') return undefined;
    throw error;
  }
}

const sqliteFiles = mkdtempSync(join(tmpdir(), 'oat-immutability-'));
afterAll(() => rmSync(sqliteFiles, { recursive: true, force: true }));
let sqliteRuns = 0;

/** A fresh store per run, and how to let it go. */
const STORES: ReadonlyArray<{ readonly name: string; open(): { store: TokenStore; close(): void } }> = [
  { name: 'memory store', open: () => ({ store: createMemoryTokenStore(), close: () => undefined }) },
  {
    name: 'SQLite file',
    open: () => {
      const db = new Database(join(sqliteFiles, `run-${++sqliteRuns}.db`));
      return { store: createSqliteTokenStore(db, { migrate: true }), close: () => db.close() };
    },
  },
];

describe.each(STORES)('what the service hands out cannot change what it stores ($name)', ({ open }) => {
  it(
    'mutating everything reachable from each result leaves every later get, list and authenticate ' + 'unchanged',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(opArb, junkArb), { minLength: 1, maxLength: 25 }), async (steps) => {
          const clock = createFakeClock(Date.UTC(2026, 2, 1, 12));
          const { store, close } = open();
          try {
            const world: World = { service: createTokenService({ store, clock, organizations }), clock, tokens: [] };
            for (const [op, junk] of steps) {
              const result = await apply(world, op);
              if (result === undefined) continue;
              const before = await observe(world);
              vandalize(result, junk);
              expect(await observe(world)).toEqual(before);
            }
            await world.service.flush();
          } finally {
            close();
          }
        }),
        { numRuns: 60 },
      );
    },
  );
});

describe('what the service hands out cannot change what it stores (memory store)', () => {
  it('a 30-day token whose expiry a caller tried to push out still stops at 30 days', async () => {
    const clock = createFakeClock(Date.UTC(2026, 2, 1, 12));
    const service = createTokenService({ store: createMemoryTokenStore(), clock, organizations });
    const { token, secret } = await service.create(alice, 'acme', { label: 'ci', resources: RESOURCES, expiry: '30d' });
    const login = await service.authenticate('acme', secret.reveal());
    for (const handedOut of [
      token,
      await service.get(alice, 'acme', token.id),
      (await service.list(alice, 'acme')).items[0],
      login.ok ? login.principal : null,
    ]) {
      vandalize(handedOut, { ms: clock.now() + 200 * DAY, text: 'x', key: 'expiresAt' });
    }
    clock.advance(150 * DAY);
    await expect(service.authenticate('acme', secret.reveal())).resolves.toEqual({ ok: false, code: 'EXPIRED' });
    await expect(service.get(alice, 'acme', token.id)).resolves.toMatchObject({ expiresAt: Date.UTC(2026, 2, 31, 12) });
  });
});

/** Paths under `value` that are not frozen. */
function unfrozenPaths(value: unknown, path = '$', seen: Set<object> = new Set()): string[] {
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  const own = Object.isFrozen(value) ? [] : [path];
  return own.concat(
    Reflect.ownKeys(value)
      .filter((key) => !SKIPPED_KEYS.has(key))
      .flatMap((key) => unfrozenPaths((value as Record<PropertyKey, unknown>)[key], `${path}.${String(key)}`, seen)),
  );
}

describe('every result is deeply frozen', () => {
  it('records from create, get, list, update and deactivate, list pages, and principals', async () => {
    const clock = createFakeClock(Date.UTC(2026, 2, 1, 12));
    const service = createTokenService({ store: createMemoryTokenStore(), clock, organizations });
    const created = await service.create(alice, 'acme', { label: 'ci', resources: RESOURCES, expiry: '90d' });
    const login = await service.authenticate('acme', created.secret.reveal());
    const results: Record<string, unknown> = {
      created,
      get: await service.get(alice, 'acme', created.token.id),
      list: await service.list(alice, 'acme'),
      update: await service.update(alice, 'acme', created.token.id, { label: 'renamed' }),
      login,
      principal: login.ok ? login.principal : 'no principal',
      deactivate: await service.deactivate(alice, 'acme', created.token.id),
    };
    for (const [name, result] of Object.entries(results)) expect(unfrozenPaths(result, name)).toEqual([]);
  });

  it(
    "hands out frozen copies when a store breaks its promise of frozen records, and leaves the store's own " +
      'objects alone',
    async () => {
      const inner = createMemoryTokenStore();
      const thaw = (r: AccessTokenRecord): AccessTokenRecord => ({
        ...r,
        resources: r.resources.map((x) => ({ ...x, scopes: [...x.scopes] })),
      });
      const handedOut: AccessTokenRecord[] = [];
      const keep = (r: AccessTokenRecord): AccessTokenRecord => (handedOut.push(r), r);
      const careless: TokenStore = {
        ...inner,
        findById: async (id) => {
          const r = await inner.findById(id);
          return r === null ? null : keep(thaw(r));
        },
        list: async (query) => {
          const page = await inner.list(query);
          return {
            items: page.items.map((r) => keep(thaw(r))),
            total: page.total,
            unreadable: page.unreadable,
            unreadableIds: page.unreadableIds,
          };
        },
      };
      const service = createTokenService({ store: careless, clock: createFakeClock(), organizations });
      const { token } = await service.create(alice, 'acme', { label: 'ci', resources: RESOURCES });
      expect(unfrozenPaths(await service.get(alice, 'acme', token.id), 'get')).toEqual([]);
      expect(unfrozenPaths(await service.list(alice, 'acme'), 'list')).toEqual([]);
      expect(handedOut.length).toBeGreaterThanOrEqual(2);
      for (const own of handedOut) expect(Object.isFrozen(own) || Object.isFrozen(own.resources)).toBe(false);
    },
  );

  it('a record holds no Date: its instants are epoch milliseconds, at the type level too', async () => {
    const service = createTokenService({
      store: createMemoryTokenStore(),
      clock: createFakeClock(Date.UTC(2026, 2, 1)),
      organizations,
    });
    const { token } = await service.create(alice, 'acme', {
      label: 'ci',
      resources: RESOURCES,
      expiry: new Date(Date.UTC(2026, 5, 1)),
    });
    const created: EpochMillis = token.createdAt;
    expect(token).toMatchObject({
      createdAt: created,
      updatedAt: Date.UTC(2026, 2, 1),
      expiresAt: Date.UTC(2026, 5, 1),
      lastUsedAt: null,
    });
    expect(created).toBe(Date.UTC(2026, 2, 1));
    // @ts-expect-error a record's expiry is epoch milliseconds, never a Date
    const asDate: AccessTokenRecord['expiresAt'] = new Date();
    // @ts-expect-error a principal's expiry is epoch milliseconds, never a Date
    const principalAsDate: Principal['expiresAt'] = new Date();
    expect([asDate, principalAsDate].every((d: unknown) => d instanceof Date)).toBe(true);
  });
});
