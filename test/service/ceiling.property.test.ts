import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  isOatError,
  type AccessTokenRecord,
  type OrganizationProfile,
  type Resource,
} from '../../src/index.js';
import { covers, resources } from '../support/ceiling.js';
import type { CreateTokenRequest } from '../../src/index.js';

const held = (list: ReadonlyArray<Resource>) =>
  list.flatMap((r) => r.scopes.map((scope) => [r.type, r.path, scope] as const));
const step = fc.record({
  actor: fc.constantFrom('alice', 'tim', 'eve'),
  update: fc.boolean(),
  pick: fc.nat(),
  resources: resources.filter((l) => l.length > 0),
});

describe('grant ceilings (service)', () => {
  it('no token ever holds a scope that the actor who last granted it could not grant', async () => {
    await fc.assert(
      fc.asyncProperty(resources, fc.array(step, { minLength: 1, maxLength: 12 }), async (timCeiling, steps) => {
        const acme: OrganizationProfile = {
          id: 'acme',
          name: 'acme',
          plan: 'business',
          owners: ['alice'],
          tokenManagers: [{ username: 'tim', ceiling: timCeiling }, { username: 'eve' }],
        };
        const service = createTokenService({ store: createMemoryTokenStore(), organizations: [acme] });
        const eveCeiling: ReadonlyArray<Resource> = [
          { type: 'repository', path: 'acme/*', scopes: ['scope-image-pull'] },
          { type: 'repository', path: '*/*/public', scopes: ['scope-image-pull'] },
        ];
        const mayGrant = (actor: string, type: Resource['type'], path: string, scope: string) =>
          actor === 'alice' || covers(actor === 'tim' ? timCeiling : eveCeiling, type, path, scope);
        const tokens: AccessTokenRecord[] = [];
        for (const s of steps) {
          const before = s.update && tokens.length > 0 ? tokens[s.pick % tokens.length] : undefined;
          const allowed = held(s.resources).every(
            ([type, path, scope]) =>
              mayGrant(s.actor, type, path, scope) ||
              (before !== undefined && covers(before.resources, type, path, scope)),
          );
          const input = { label: 'ci', resources: s.resources.map((r) => ({ ...r, scopes: [...r.scopes] })) };
          try {
            const record =
              before === undefined
                ? (await service.create({ username: s.actor }, 'acme', input)).token
                : await service.update({ username: s.actor }, 'acme', before.id, { resources: input.resources });
            expect(allowed).toBe(true);
            if (before === undefined) tokens.push(record);
            else tokens[tokens.indexOf(before)] = record;
          } catch (error) {
            if (!isOatError(error) || error.context.code !== 'BEYOND_CEILING') throw error;
            expect(allowed).toBe(false);
          }
        }
        // The store holds exactly what the accepted steps returned: no refused step left a trace.
        for (const t of tokens) expect(await service.get({ username: 'alice' }, 'acme', t.id)).toEqual(t);
      }),
      { numRuns: 150 },
    );
  });

  const acme: OrganizationProfile = {
    id: 'acme',
    name: 'acme',
    plan: 'business',
    owners: ['alice'],
    tokenManagers: [{ username: 'tim' }],
  };
  const alice = { username: 'alice' };
  const tim = { username: 'tim' };

  it('refuses a custom-role holder the organization scopes it cannot grant, listing each in the error', async () => {
    const service = createTokenService({ store: createMemoryTokenStore(), organizations: [acme] });
    const input: CreateTokenRequest = {
      label: 'ci',
      resources: [
        {
          type: 'TYPE_ORG',
          path: 'acme',
          scopes: ['scope-member-edit', 'scope-invite-edit', 'scope-group-edit', 'scope-ram-write'],
        },
      ],
    };
    const error = await service.create(tim, 'acme', input).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FORBIDDEN', context: { code: 'BEYOND_CEILING' } });
    const excess = (error as { context: { excess: ReadonlyArray<{ scope: string }> } }).context.excess;
    expect(excess.map((e) => e.scope)).toEqual([
      'scope-member-edit',
      'scope-invite-edit',
      'scope-group-edit',
      'scope-ram-write',
    ]);
    expect((error as Error).message).toContain('acme: scope-ram-write');
    expect((await service.list(alice, 'acme')).total).toBe(0);
  });

  it("lets a lesser manager narrow an owner's token, but not widen it", async () => {
    const service = createTokenService({ store: createMemoryTokenStore(), organizations: [acme] });
    const pull = await service.create(alice, 'acme', {
      label: 'pull',
      resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
    });
    await expect(
      service.update(tim, 'acme', pull.token.id, {
        resources: [{ type: 'repository', path: 'acme/*', scopes: ['image-delete'] }],
      }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
      context: { excess: [{ type: 'repository', path: 'acme/*', scope: 'scope-image-delete' }] },
    });
    const wide = await service.create(alice, 'acme', {
      label: 'wide',
      resources: [
        { type: 'repository', path: 'acme/*', scopes: ['delete'] },
        { type: 'organization', path: 'acme', scopes: ['scope-member-edit'] },
      ],
    });
    const narrowed = await service.update(tim, 'acme', wide.token.id, {
      resources: [{ type: 'repository', path: 'acme/app', scopes: ['push'] }],
    });
    expect(narrowed.resources).toEqual([{ type: 'repository', path: 'acme/app', scopes: ['scope-image-push'] }]);
    // Once narrowed, what was dropped is gone: tim cannot hand it back.
    await expect(
      service.update(tim, 'acme', wide.token.id, {
        resources: [{ type: 'repository', path: 'acme/*', scopes: ['push'] }],
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(service.update(tim, 'acme', wide.token.id, { label: 'renamed' })).resolves.toMatchObject({
      label: 'renamed',
    });
  });

  it('reports a ceiling the catalog does not know as DIRECTORY_FAILURE naming the field', async () => {
    const bad: OrganizationProfile = {
      ...acme,
      tokenManagers: [{ username: 'tim', ceiling: [{ type: 'repository', path: 'acme/*', scopes: ['scope-nope'] }] }],
    };
    const service = createTokenService({ store: createMemoryTokenStore(), organizations: [bad] });
    await expect(service.list(tim, 'acme')).rejects.toMatchObject({
      code: 'DIRECTORY_FAILURE',
      fields: [expect.objectContaining({ path: 'tokenManagers.0.ceiling.0.scopes.0' })],
    });
    await expect(service.list(alice, 'acme')).resolves.toMatchObject({ total: 0 });
  });
});
