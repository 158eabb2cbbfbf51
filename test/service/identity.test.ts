import { describe, expect, it } from 'vitest';
import type { OrganizationProfile } from '../../src/core/access.js';
import { createMemoryTokenStore, createTokenService, type TokenEvent } from '../../src/index.js';
import { PURGE_ACTOR } from '../../src/service/service.js';
import type { CreateTokenRequest } from '../../src/index.js';

const alice = { username: 'alice' };
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [
    { type: 'repository', path: 'acme/app', scopes: ['scope-image-push'] },
    { type: 'repository', path: 'acme/*', scopes: ['scope-image-pull'] },
    { type: 'organization', path: 'acme', scopes: ['scope-member-read'] },
  ],
};

/** A host directory the test edits as the host would: rename, remove, give a freed name to another organization. */
function world() {
  const byName = new Map<string, OrganizationProfile>([
    ['acme', { id: 'org-1', name: 'acme', plan: 'team', owners: ['alice'] }],
  ]);
  const events: TokenEvent[] = [];
  const store = createMemoryTokenStore();
  const service = createTokenService({
    store,
    organizations: { get: (name) => byName.get(name) ?? null },
    events: { emit: (e) => events.push(e) },
  });
  const rename = (from: string, to: string) => {
    const profile = byName.get(from)!;
    byName.delete(from);
    byName.set(to, { ...profile, name: to });
  };
  return { byName, events, store, service, rename };
}

describe('tokens belong to the organization id', () => {
  it(
    'a rename keeps the tokens working under the new name, grants following it, and the old name ' + 'stops working',
    async () => {
      const { service, rename } = world();
      const { token, secret } = await service.create(alice, 'acme', input);
      expect(token.organizationId).toBe('org-1');
      rename('acme', 'acme-labs');
      const login = await service.authenticate('acme-labs', secret.reveal());
      if (!login.ok) throw new Error(`login failed: ${login.code}`);
      expect(login.principal).toMatchObject({ organization: 'acme-labs', organizationId: 'org-1' });
      expect(service.authorize(login.principal, { repository: 'acme-labs/app' }, 'push')).toEqual({ allowed: true });
      expect(service.authorize(login.principal, { repository: 'acme-labs/other' }, 'pull')).toEqual({ allowed: true });
      expect(service.authorize(login.principal, { repository: 'acme/app' }, 'pull').allowed).toBe(false);
      expect(service.authorizeOrganization(login.principal, 'scope-member-read')).toEqual({ allowed: true });
      await expect(service.authenticate('acme', secret.reveal())).resolves.toMatchObject({
        ok: false,
        code: 'ORGANIZATION_UNKNOWN',
      });
      const page = await service.list(alice, 'acme-labs');
      expect(page.items.map((t) => [t.id, t.organization, t.resources.map((r) => r.path)])).toEqual([
        [token.id, 'acme-labs', ['acme-labs/app', 'acme-labs/*', 'acme-labs']],
      ]);
      await expect(
        service.update(alice, 'acme-labs', token.id, {
          label: 'renamed',
          resources: [{ type: 'repository', path: 'acme-labs/web', scopes: ['scope-image-pull'] }],
        }),
      ).resolves.toMatchObject({
        organization: 'acme-labs',
        resources: [{ path: 'acme-labs/web' }],
      });
    },
  );

  it(
    'a token changed after a rename still logs in: its row keeps its grants under the name it was ' + 'created with',
    async () => {
      const { service, store, rename } = world();
      const { token, secret } = await service.create(alice, 'acme', input);
      rename('acme', 'acme-labs');
      await service.update(alice, 'acme-labs', token.id, {
        resources: [{ type: 'repository', path: 'acme-labs/web', scopes: ['scope-image-push'] }],
      });
      expect((await store.findById(token.id))?.resources.map((r) => r.path)).toEqual(['acme/web']);
      const login = await service.authenticate('acme-labs', secret.reveal());
      if (!login.ok) throw new Error(`login failed: ${login.code}`);
      expect(service.authorize(login.principal, { repository: 'acme-labs/web' }, 'push')).toEqual({ allowed: true });
      await expect(service.get(alice, 'acme-labs', token.id)).resolves.toMatchObject({
        organization: 'acme-labs',
        resources: [{ path: 'acme-labs/web' }],
      });
    },
  );

  it('a principal cached before a rename is not reused after it: grants read under the new name', async () => {
    const { service, rename } = world();
    const { secret } = await service.create(alice, 'acme', input);
    const before = await service.authenticate('acme', secret.reveal());
    expect(before.ok && before.principal.organization).toBe('acme');
    rename('acme', 'acme-labs');
    const after = await service.authenticate('acme-labs', secret.reveal());
    expect(after.ok && service.authorize(after.principal, { repository: 'acme-labs/app' }, 'push').allowed).toBe(true);
  });

  it(
    'a new organization that takes a freed name sees none of the old tokens, and they never ' + 'authenticate',
    async () => {
      const { byName, service } = world();
      const { token, secret } = await service.create(alice, 'acme', input);
      byName.set('acme', { id: 'org-2', name: 'acme', plan: 'team', owners: ['mallory'] });
      const mallory = { username: 'mallory' };
      await expect(service.authenticate('acme', secret.reveal())).resolves.toMatchObject({
        ok: false,
        code: 'ORG_MISMATCH',
      });
      await expect(service.list(mallory, 'acme')).resolves.toMatchObject({ items: [], total: 0 });
      await expect(service.get(mallory, 'acme', token.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(service.delete(mallory, 'acme', token.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      // The old tokens do not count against the new organization's quota either.
      await expect(service.create(mallory, 'acme', input)).resolves.toMatchObject({
        token: { organizationId: 'org-2' },
      });
    },
  );

  it(
    'purgeOrganization deletes every live token of an id whatever its state, frees its quota, emits delete ' +
      'events, and leaves other ids alone',
    async () => {
      const { byName, events, store, service } = world();
      byName.set('globex', { id: 'org-3', name: 'globex', plan: 'team', owners: ['alice'] });
      const a = await service.create(alice, 'acme', input);
      const b = await service.create(alice, 'acme', input);
      await service.deactivate(alice, 'acme', b.token.id);
      const other = await service.create(alice, 'globex', {
        label: 'x',
        resources: [{ type: 'repository', path: 'globex/app', scopes: ['scope-image-pull'] }],
      });
      byName.delete('acme');
      await expect(service.get(alice, 'acme', a.token.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(service.purgeOrganization('org-1')).resolves.toEqual({
        organizationId: 'org-1',
        deleted: 2,
        unreadable: 0,
      });
      await expect(store.countLive(a.token.organizationId)).resolves.toBe(0);
      expect((await store.findById(b.token.id))?.state).toBe('deleted');
      expect((await store.findById(other.token.id))?.state).toBe('active');
      expect(events.filter((e) => e.type === 'access_token.delete').map((e) => 'actor' in e && e.actor)).toEqual([
        PURGE_ACTOR,
        PURGE_ACTOR,
      ]);
      await expect(service.purgeOrganization('org-1')).resolves.toEqual({
        organizationId: 'org-1',
        deleted: 0,
        unreadable: 0,
      });
    },
  );

  it('purgeOrganization refuses what is not an organization id, naming the field', async () => {
    const { service } = world();
    for (const bad of ['', 'a\nb', 'x'.repeat(256), 42 as unknown as string]) {
      await expect(service.purgeOrganization(bad)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        fields: [{ path: 'organizationId' }],
      });
    }
  });

  it('a directory profile without an id is a DIRECTORY_FAILURE naming id', async () => {
    const store = createMemoryTokenStore();
    const service = createTokenService({
      store,
      organizations: {
        get: () => ({ name: 'acme', plan: 'team', owners: ['alice'] }) as unknown as OrganizationProfile,
      },
    });
    await expect(service.list(alice, 'acme')).rejects.toMatchObject({
      code: 'DIRECTORY_FAILURE',
      fields: [{ path: 'id' }],
    });
  });

  it('a static list refuses two organizations with one id', () => {
    expect(() =>
      createTokenService({
        store: createMemoryTokenStore(),
        organizations: [
          { id: 'x', name: 'a', plan: 'team', owners: [] },
          { id: 'x', name: 'b', plan: 'team', owners: [] },
        ],
      }),
    ).toThrow(expect.objectContaining({ code: 'MISCONFIGURED' }));
  });
});
