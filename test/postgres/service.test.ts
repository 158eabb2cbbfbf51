import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTokenService, isOatError } from '../../src/index.js';
import { createPostgresTokenStore } from '../../src/postgres/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { organizationState, skipPostgres, useFreshSchema } from './support.js';
import type { CreateTokenRequest } from '../../src/index.js';

const owner = { username: 'alice' };
const input = (label: string): CreateTokenRequest => ({
  label,
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }],
  expiry: '30d',
});

describe.skipIf(skipPostgres)('the token service on the PostgreSQL store', () => {
  let pool: pg.Pool;
  let schema: string;

  useFreshSchema('service', { connections: 5 }, (fixture) => {
    ({ pool, schema } = fixture);
  });

  it(
    'a Team organization gets 10 tokens; logging in records last use; deleting one makes room for another; ' +
      'expiry shows in the listing',
    async () => {
      const clock = createFakeClock();
      const service = createTokenService({
        store: createPostgresTokenStore(pool, { schema }),
        organizations: [{ name: 'acme', plan: 'team', owners: ['alice'] }],
        clock,
      });

      const created = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          service.create(owner, 'acme', input(`ci ${i}`)).then(
            (t) => t,
            (e: unknown) => e,
          ),
        ),
      );
      const tokens = created.filter((c) => !(c instanceof Error)) as Array<Awaited<ReturnType<typeof service.create>>>;
      const refused = created.filter((c) => isOatError(c) && c.code === 'QUOTA_EXCEEDED');
      expect({ tokens: tokens.length, refused: refused.length }).toEqual({ tokens: 10, refused: 2 });

      const first = tokens[0]!;
      const login = await service.authenticate('ACME', first.secret.reveal());
      expect(login.ok).toBe(true);
      // The login does not wait for its last-used write.
      await service.flush();
      await expect(service.get(owner, 'acme', first.token.id)).resolves.toMatchObject({
        lastUsedAt: clock.now(),
        version: 1,
      });

      await service.delete(owner, 'acme', first.token.id);
      await expect(service.authenticate('acme', first.secret.reveal())).resolves.toMatchObject({ ok: false });
      await expect(service.create(owner, 'acme', input('replacement'))).resolves.toMatchObject({
        token: { state: 'active' },
      });
      await expect(organizationState(pool, schema, 'acme')).resolves.toEqual({ live: 10, counter: 10, rows: 11 });

      clock.advance(31 * 24 * 3600 * 1000);
      await expect(service.list(owner, 'acme', { status: 'expired', pageSize: 100 })).resolves.toMatchObject({
        total: 10,
      });
      await expect(service.list(owner, 'acme', { status: 'deleted' })).resolves.toMatchObject({
        total: 1,
        items: [{ id: first.token.id }],
      });
    },
  );
});
