import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { OrganizationProfile } from '../../src/core/access.js';
import { createMemoryTokenStore, createTokenService, type RawResource, type TokenStore } from '../../src/index.js';
import { createSqliteTokenStore } from '../../src/sqlite/index.js';
import { makeTestRecord } from '../../src/testing/store-contract.js';

const alice = { username: 'alice' };
const grants: RawResource[] = [
  { type: 'repository', path: 'acme/app', scopes: ['scope-image-push'] },
  { type: 'repository', path: 'acme/*', scopes: ['scope-image-pull'] },
];

function world(store: TokenStore, profile: Partial<OrganizationProfile> = {}) {
  const byName = new Map<string, OrganizationProfile>([
    ['acme', { id: 'org-1', name: 'acme', plan: 'team', owners: ['alice'], ...profile }],
  ]);
  const service = createTokenService({
    store,
    organizations: { get: (name) => byName.get(name) ?? null },
    policy: { lifecycle: 'docker-hub-current' },
  });
  const rename = (from: string, to: string) => {
    const found = byName.get(from) as OrganizationProfile;
    byName.delete(from);
    byName.set(to, { ...found, name: to });
  };
  return { service, byName, rename };
}

const stores: ReadonlyArray<[string, () => TokenStore]> = [
  ['memory', () => createMemoryTokenStore()],
  ['sqlite', () => createSqliteTokenStore(new Database(':memory:'), { migrate: true })],
];

describe.each(stores)('edits after a rename (%s store)', (_name, makeStore) => {
  it(
    'an edit under the new name keeps the token valid: logins still succeed with grants under the ' + 'current name',
    async () => {
      const { service, rename } = world(makeStore());
      const { token, secret } = await service.create(alice, 'acme', { label: 'ci', resources: grants });
      rename('acme', 'beta');
      await expect(service.update(alice, 'beta', token.id, { label: 'renamed' })).resolves.toMatchObject({
        organization: 'beta',
        label: 'renamed',
        resources: [{ path: 'beta/app' }, { path: 'beta/*' }],
      });
      await expect(service.deactivate(alice, 'beta', token.id)).resolves.toMatchObject({ state: 'inactive' });
      await expect(service.reactivate(alice, 'beta', token.id)).resolves.toMatchObject({ state: 'active' });
      await expect(
        service.update(alice, 'beta', token.id, {
          resources: [{ type: 'repository', path: 'beta/web', scopes: ['scope-image-pull'] }],
        }),
      ).resolves.toMatchObject({
        resources: [{ path: 'beta/web' }],
      });
      const login = await service.authenticate('beta', secret.reveal());
      if (!login.ok) throw new Error(`login refused: ${login.code}`);
      expect(service.authorize(login.principal, { repository: 'beta/web' }, 'pull')).toEqual({ allowed: true });
      expect(service.authorize(login.principal, { repository: 'beta/app' }, 'pull').allowed).toBe(false);
    },
  );
});

describe('reactivation and the grant ceiling', () => {
  it('a manager cannot reactivate a token holding grants beyond its ceiling; an owner can', async () => {
    const { service } = world(createMemoryTokenStore(), { tokenManagers: [{ username: 'mallory' }] });
    const { token } = await service.create(alice, 'acme', {
      label: 'ci',
      resources: [...grants, { type: 'organization', path: 'acme', scopes: ['scope-member-edit'] }],
    });
    await service.deactivate(alice, 'acme', token.id);
    for (const attempt of [
      () => service.reactivate({ username: 'mallory' }, 'acme', token.id),
      () => service.update({ username: 'mallory' }, 'acme', token.id, { is_active: true }),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: 'FORBIDDEN', context: { code: 'BEYOND_CEILING' } });
    }
    await expect(service.get(alice, 'acme', token.id)).resolves.toMatchObject({ state: 'inactive' });
    await expect(service.reactivate(alice, 'acme', token.id)).resolves.toMatchObject({ state: 'active' });
  });
});

describe('a stored token whose grants a create request could not make', () => {
  it(
    'may be deactivated or deleted, never edited or reactivated: its grants are never carried into a ' + 'new version',
    async () => {
      const store = createMemoryTokenStore();
      const { service } = world(store);
      const tampered = makeTestRecord(1, {
        organization: 'acme',
        resources: [{ type: 'repository', path: 'library/nginx', scopes: ['scope-image-push'] }],
      });
      const organizationId = 'org-1' as typeof tampered.organizationId;
      await store.insertWithinQuota({ ...tampered, organizationId }, 10);
      await expect(service.update(alice, 'acme', tampered.id, { label: 'x' })).rejects.toMatchObject({
        code: 'TRANSITION_DENIED',
        context: { code: 'STORED_GRANTS_INVALID' },
      });
      await expect(service.deactivate(alice, 'acme', tampered.id)).resolves.toMatchObject({ state: 'inactive' });
      await expect(service.reactivate(alice, 'acme', tampered.id)).rejects.toMatchObject({ code: 'TRANSITION_DENIED' });
      await expect(service.delete(alice, 'acme', tampered.id)).resolves.toMatchObject({ state: 'deleted' });
      await expect(store.findById(tampered.id)).resolves.toMatchObject({ resources: [{ path: 'library/nginx' }] });
    },
  );
});

describe('a directory that answers with another organization', () => {
  it('is a DIRECTORY_FAILURE for management and for logins, never grants under the alias', async () => {
    const store = createMemoryTokenStore();
    const { service, byName } = world(store);
    const { secret } = await service.create(alice, 'acme', { label: 'ci', resources: grants });
    byName.set('alias', byName.get('acme') as OrganizationProfile);
    await expect(service.list(alice, 'alias')).rejects.toMatchObject({
      code: 'DIRECTORY_FAILURE',
      context: { field: 'name' },
    });
    await expect(service.authenticate('alias', secret.reveal())).rejects.toMatchObject({ code: 'DIRECTORY_FAILURE' });
    await expect(service.authenticate('ACME', secret.reveal())).resolves.toMatchObject({ ok: true });
  });
});
