import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenService, type BackgroundFaultContext, type OatError } from '../../src/index.js';
import { createSqliteTokenStore, migrate } from '../../src/sqlite/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { tempFolder } from './helpers.js';
import type { CreateTokenRequest } from '../../src/index.js';

const organizations = [{ name: 'acme', plan: 'team', owners: ['alice'] }];
const owner = { username: 'alice' };
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
};
const BUSY_TIMEOUT_MS = 2_000;

describe('last-used bookkeeping on SQLite never blocks a login for busy_timeout', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  });

  it(
    'while another connection holds the write lock a login is ok and fast, the write is skipped and ' +
      'reported, and busy_timeout is kept',
    async () => {
      const folder = tempFolder('bookkeeping');
      cleanups.push(() => folder.dispose());
      const db = new Database(folder.file('tokens.db'), { timeout: BUSY_TIMEOUT_MS });
      cleanups.push(() => db.close());
      migrate(db);
      const reports: Array<{ error: OatError; context: BackgroundFaultContext }> = [];
      const clock = createFakeClock();
      const service = createTokenService({
        store: createSqliteTokenStore(db),
        organizations,
        clock,
        onError: (error, context) => reports.push({ error, context }),
      });
      const { token, secret } = await service.create(owner, 'acme', input);

      const other = new Database(folder.file('tokens.db'), { timeout: BUSY_TIMEOUT_MS });
      cleanups.push(() => other.close());
      other.exec('BEGIN IMMEDIATE');
      try {
        const started = performance.now();
        const login = await service.authenticate('acme', secret.reveal());
        await service.flush();
        const elapsed = performance.now() - started;
        expect(login).toMatchObject({ ok: true, principal: { tokenId: token.id } });
        expect(elapsed).toBeLessThan(BUSY_TIMEOUT_MS / 4);
      } finally {
        other.exec('ROLLBACK');
      }
      expect(reports).toHaveLength(1);
      expect(reports[0]?.context).toEqual({ operation: 'touchLastUsed', tokenId: token.id });
      expect(reports[0]?.error).toMatchObject({
        name: 'OatError',
        code: 'STORE_FAILURE',
        context: { operation: 'touchLastUsed', driverCode: 'SQLITE_BUSY' },
      });
      // The connection's own timeout is back for every other statement.
      expect(db.pragma('busy_timeout', { simple: true })).toBe(BUSY_TIMEOUT_MS);
      await expect(service.get(owner, 'acme', token.id)).resolves.toMatchObject({ lastUsedAt: null });

      clock.advance(60_000);
      await service.authenticate('acme', secret.reveal());
      await service.flush();
      await expect(service.get(owner, 'acme', token.id)).resolves.toMatchObject({ lastUsedAt: clock.now() });
    },
  );
});

describe('a last-used write on SQLite costs no recompilation', () => {
  it("keeps the token's compiled grants: the login after the write gets the very same compiled object", async () => {
    const db = new Database(':memory:');
    try {
      migrate(db);
      const clock = createFakeClock();
      const service = createTokenService({ store: createSqliteTokenStore(db), organizations, clock });
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
      // The write happened: the row changed, each read builds a new record object, and the grants stayed compiled.
      await expect(service.get(owner, 'acme', token.id)).resolves.toMatchObject({ lastUsedAt: clock.now() });
      expect(writing).toBe(before);
      expect(await grants()).toBe(before);
    } finally {
      db.close();
    }
  });
});
