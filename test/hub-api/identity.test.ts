import { describe, expect, it } from 'vitest';
import type { OrganizationProfile } from '../../src/core/access.js';
import { createToken, startHub } from './harness.js';

/** A directory the test edits as a host would: rename an organization, give a freed name to a new one. */
function directory() {
  const byName = new Map<string, OrganizationProfile>([
    ['acme', { id: 'org-1', name: 'acme', plan: 'business', owners: ['alice'] }],
  ]);
  const rename = (from: string, to: string) => {
    const profile = byName.get(from) as OrganizationProfile;
    byName.delete(from);
    byName.set(to, { ...profile, name: to });
  };
  return { byName, rename, organizations: { get: (name: string) => byName.get(name) ?? null } };
}

describe('Hub API: tokens follow their organization id through renames', () => {
  it(
    'after a rename, GET, list, PATCH and DELETE work under the new name, show it, and answer 404 under ' +
      'the old one',
    async () => {
      const { rename, organizations } = directory();
      const hub = await startHub({ organizations });
      const token = await createToken(hub, 'acme');
      const other = await createToken(hub, 'acme');
      rename('acme', 'acme-labs');

      const got = await hub.call('GET', `/v2/orgs/acme-labs/access-tokens/${token.id}`, { as: 'alice' });
      expect(got.status).toBe(200);
      expect(got.body.resources).toEqual([{ type: 'TYPE_REPO', path: 'acme-labs/app', scopes: ['scope-image-pull'] }]);
      const listed = await hub.call('GET', '/v2/orgs/acme-labs/access-tokens', { as: 'alice' });
      expect(listed.status).toBe(200);
      expect(listed.body.results.map((t: { id: string }) => t.id).sort()).toEqual([token.id, other.id].sort());
      const patched = await hub.call('PATCH', `/v2/orgs/acme-labs/access-tokens/${token.id}`, {
        as: 'alice',
        json: {
          label: 'deploy',
          resources: [{ type: 'TYPE_REPO', path: 'acme-labs/web', scopes: ['scope-image-push'] }],
        },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        label: 'deploy',
        resources: [{ type: 'TYPE_REPO', path: 'acme-labs/web', scopes: ['scope-image-push'] }],
      });
      // Changed after the rename (its row keeps its grants under the old name), it still logs in under the new one.
      await expect(hub.service.authenticate('acme-labs', token.token)).resolves.toMatchObject({ ok: true });

      for (const [method, path, json] of [
        ['GET', `/v2/orgs/acme/access-tokens/${token.id}`, undefined],
        ['GET', '/v2/orgs/acme/access-tokens', undefined],
        ['PATCH', `/v2/orgs/acme/access-tokens/${token.id}`, { label: 'x' }],
        ['DELETE', `/v2/orgs/acme/access-tokens/${token.id}`, undefined],
      ] as const) {
        const reply = await hub.call(method, path, { as: 'alice', ...(json === undefined ? {} : { json }) });
        expect([method, path, reply.status]).toEqual([method, path, 404]);
      }

      expect((await hub.call('DELETE', `/v2/orgs/acme-labs/access-tokens/${token.id}`, { as: 'alice' })).status).toBe(
        204,
      );
      const after = await hub.call('GET', '/v2/orgs/acme-labs/access-tokens', { as: 'alice' });
      expect(after.body.results.map((t: { id: string }) => t.id)).toEqual([other.id]);
    },
  );

  it('a new organization that takes a freed name lists none of the old tokens and cannot reach them', async () => {
    const { byName, rename, organizations } = directory();
    const hub = await startHub({ organizations });
    const token = await createToken(hub, 'acme');
    rename('acme', 'acme-labs');
    byName.set('acme', { id: 'org-2', name: 'acme', plan: 'business', owners: ['alice'] });

    const listed = await hub.call('GET', '/v2/orgs/acme/access-tokens', { as: 'alice' });
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ total: 0, results: [] });
    expect((await hub.call('GET', `/v2/orgs/acme/access-tokens/${token.id}`, { as: 'alice' })).status).toBe(404);
    expect(
      (await hub.call('PATCH', `/v2/orgs/acme/access-tokens/${token.id}`, { as: 'alice', json: { is_active: false } }))
        .status,
    ).toBe(404);
    expect((await hub.call('DELETE', `/v2/orgs/acme/access-tokens/${token.id}`, { as: 'alice' })).status).toBe(404);
    // The old organization still holds it, under its new name.
    expect((await hub.call('GET', `/v2/orgs/acme-labs/access-tokens/${token.id}`, { as: 'alice' })).body).toMatchObject(
      { id: token.id, is_active: true },
    );
  });
});
