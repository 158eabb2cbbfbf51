import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTokenService, type BackgroundFaultContext, type OatError } from '../../src/index.js';
import { createPostgresTokenStore } from '../../src/postgres/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { openPool, skipPostgres, useFreshSchema } from './support.js';
import type { CreateTokenRequest } from '../../src/index.js';

const organizations = [{ name: 'acme', plan: 'team', owners: ['alice'] }];
const owner = { username: 'alice' };
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }],
};

describe.skipIf(skipPostgres)('last-used bookkeeping on PostgreSQL never decides or delays a login', () => {
  let pool: pg.Pool;
  let schema: string;

  useFreshSchema('bookkeeping', { connections: 4 }, (fixture) => {
    ({ pool, schema } = fixture);
  });

  it(
    'on read-only connections (a hot standby) logins are ok and the refused write reaches onError with ' +
      'sqlstate 25006',
    async () => {
      const clock = createFakeClock();
      const writer = createTokenService({ store: createPostgresTokenStore(pool, { schema }), organizations, clock });
      const { token, secret } = await writer.create(owner, 'acme', input);

      const readOnly = openPool(2, { options: '-c default_transaction_read_only=on' });
      try {
        const reports: Array<{ error: OatError; context: BackgroundFaultContext }> = [];
        const standby = createTokenService({
          store: createPostgresTokenStore(readOnly, { schema }),
          organizations,
          clock,
          onError: (error, context) => reports.push({ error, context }),
        });
        await expect(standby.authenticate('acme', secret.reveal())).resolves.toMatchObject({
          ok: true,
          principal: { tokenId: token.id },
        });
        await standby.flush();
        expect(reports).toHaveLength(1);
        expect(reports[0]?.context).toEqual({ operation: 'touchLastUsed', tokenId: token.id });
        expect(reports[0]?.error).toMatchObject({
          name: 'OatError',
          code: 'STORE_FAILURE',
          context: { operation: 'touchLastUsed', sqlstate: '25006' },
        });
        await expect(writer.get(owner, 'acme', token.id)).resolves.toMatchObject({ lastUsedAt: null });
      } finally {
        await readOnly.end();
      }
    },
  );

  it(
    'a row lock held by another transaction neither delays the login nor holds the write: it is ' + 'skipped at once',
    async () => {
      const clock = createFakeClock();
      const reports: OatError[] = [];
      // A timeout far above the bound checked below: a write that waited on the lock would show in flush's time.
      const service = createTokenService({
        store: createPostgresTokenStore(pool, { schema }),
        organizations,
        clock,
        lastUsedTimeoutMs: 20_000,
        onError: (error) => reports.push(error),
      });
      const { token, secret } = await service.create(owner, 'acme', input);

      const holder = await pool.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT id FROM "${schema}".oat_tokens WHERE id = $1 FOR UPDATE`, [token.id]);
        const started = performance.now();
        await expect(service.authenticate('acme', secret.reveal())).resolves.toMatchObject({ ok: true });
        const login = performance.now() - started;
        await service.flush();
        const settled = performance.now() - started;
        expect({ login: login < 1_000, settled: settled < 1_000 }).toEqual({ login: true, settled: true });
      } finally {
        await holder.query('ROLLBACK');
        holder.release();
      }
      expect(reports).toEqual([]);
      await expect(service.get(owner, 'acme', token.id)).resolves.toMatchObject({ lastUsedAt: null });

      // With the lock gone, the next due login records its use.
      clock.advance(60_000);
      await service.authenticate('acme', secret.reveal());
      await service.flush();
      await expect(service.get(owner, 'acme', token.id)).resolves.toMatchObject({ lastUsedAt: clock.now() });
    },
  );
});

describe.skipIf(skipPostgres)('a last-used write on PostgreSQL costs no recompilation', () => {
  let pool: pg.Pool;
  let schema: string;

  useFreshSchema('recompile', { connections: 2 }, (fixture) => {
    ({ pool, schema } = fixture);
  });

  it("keeps the token's compiled grants: the login after the write gets the very same compiled object", async () => {
    const clock = createFakeClock();
    const service = createTokenService({ store: createPostgresTokenStore(pool, { schema }), organizations, clock });
    const { token, secret } = await service.create(owner, 'acme', input);
    const grants = async (): Promise<unknown> => {
      const login = await service.authenticate('acme', secret.reveal());
      if (!login.ok) throw new Error(`login refused: ${login.code}`);
      return login.principal.grants;
    };
    const before = await grants();
    await service.flush();
    clock.advance(61_000);
    const writing = await grants();
    await service.flush();
    await expect(service.get(owner, 'acme', token.id)).resolves.toMatchObject({ lastUsedAt: clock.now() });
    expect(writing).toBe(before);
    expect(await grants()).toBe(before);
  });
});
