import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryTokenStore, createTokenService } from '../../src/index.js';
import { twoOrganizations } from '../support/organizations.js';
import type { CreateTokenRequest } from '../../src/index.js';

const input = (org: string): CreateTokenRequest => ({
  label: 'ci',
  resources: [{ type: 'repository', path: `${org}/app`, scopes: ['pull'] }],
});

describe('rights are per organization (service)', () => {
  it('gives an actor with rights in one organization FORBIDDEN on every operation in any other', async () => {
    await fc.assert(
      fc.asyncProperty(twoOrganizations, async ({ actor, home, away }) => {
        const service = createTokenService({
          store: createMemoryTokenStore(),
          organizations: [home, away],
          policy: { lifecycle: 'docker-hub-current' },
        });
        const me = { username: actor.toUpperCase() };
        await expect(service.create(me, 'home', input('home'))).resolves.toBeDefined();
        const { token } = await service.create({ username: 'root' }, 'away', input('away'));
        const attempts: Array<[string, () => Promise<unknown>]> = [
          ['create', () => service.create(me, 'away', input('away'))],
          ['get', () => service.get(me, 'away', token.id)],
          ['list', () => service.list(me, 'away')],
          ['update', () => service.update(me, 'away', token.id, { label: 'mine' })],
          ['deactivate', () => service.deactivate(me, 'away', token.id)],
          ['reactivate', () => service.reactivate(me, 'away', token.id)],
          ['delete', () => service.delete(me, 'away', token.id)],
        ];
        for (const [, attempt] of attempts) await expect(attempt()).rejects.toMatchObject({ code: 'FORBIDDEN' });
        expect(await service.get({ username: 'root' }, 'away', token.id)).toEqual(token);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses an actor that still carries a permissions list, naming the field', async () => {
    const service = createTokenService({
      store: createMemoryTokenStore(),
      organizations: [{ name: 'acme', plan: 'team', owners: ['alice'] }],
    });
    const legacy = { username: 'alice', permissions: ['manage-organization-access-tokens'] };
    await expect(service.list(legacy, 'acme')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [expect.objectContaining({ path: 'actor.permissions' })],
    });
  });

  it('reports a directory whose tokenManagers are malformed as DIRECTORY_FAILURE naming each entry', async () => {
    const organizations = {
      get: () => ({
        id: 'acme',
        name: 'acme',
        plan: 'team',
        owners: ['alice'],
        tokenManagers: [{ username: 'eve' }, { name: 'tim' }, 'tim'],
      }),
    };
    const service = createTokenService({ store: createMemoryTokenStore(), organizations: organizations as never });
    await expect(service.list({ username: 'alice' }, 'acme')).rejects.toMatchObject({
      code: 'DIRECTORY_FAILURE',
      fields: [
        expect.objectContaining({ path: 'tokenManagers.1.username' }),
        expect.objectContaining({ path: 'tokenManagers.2.username' }),
      ],
    });
  });
});
