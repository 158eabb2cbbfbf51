import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { twoOrganizations } from '../support/organizations.js';
import { startHub } from './harness.js';

const body = (org: string) => ({
  label: 'ci',
  resources: [{ type: 'TYPE_REPO', path: `${org}/app`, scopes: ['repo-pull'] }],
});

describe('rights are per organization (Hub API)', () => {
  it('answers 403 FORBIDDEN to an actor with rights in one organization on every endpoint of any other', async () => {
    await fc.assert(
      fc.asyncProperty(twoOrganizations, async ({ actor, home, away }) => {
        const hub = await startHub({ organizations: [home, away] });
        expect((await hub.call('POST', '/v2/orgs/home/access-tokens', { as: actor, json: body('home') })).status).toBe(
          201,
        );
        const created = await hub.call('POST', '/v2/orgs/away/access-tokens', { as: 'root', json: body('away') });
        const one = `/v2/orgs/away/access-tokens/${created.body.id as string}`;
        const replies = [
          await hub.call('POST', '/v2/orgs/away/access-tokens', { as: actor, json: body('away') }),
          await hub.call('GET', '/v2/orgs/away/access-tokens', { as: actor }),
          await hub.call('GET', one, { as: actor }),
          await hub.call('PATCH', one, { as: actor, json: { is_active: false } }),
          await hub.call('DELETE', one, { as: actor }),
        ];
        for (const reply of replies) expect([reply.status, reply.body.code]).toEqual([403, 'FORBIDDEN']);
        expect((await hub.call('GET', one, { as: 'root' })).body.is_active).toBe(true);
      }),
      { numRuns: 15 },
    );
  });

  it('answers 403 naming the excess when a token manager asks for more than its ceiling', async () => {
    const hub = await startHub();
    const reply = await hub.call('POST', '/v2/orgs/acme/access-tokens', {
      as: 'carol',
      json: { label: 'ci', resources: [{ type: 'TYPE_REPO', path: 'acme/*', scopes: ['repo-push'] }] },
    });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ code: 'FORBIDDEN', detail: 'Forbidden' });
    expect(reply.body.message).toContain('acme/*: scope-image-push');
  });

  it(
    "answers a create beyond the organization's lifetime cap with Docker Hub's 400 naming expires_at and " +
      'the maximum',
    async () => {
      const hub = await startHub({
        organizations: [{ id: 'acme', name: 'acme', plan: 'business', owners: ['alice'], maxTokenLifetimeDays: 7 }],
      });
      const reply = await hub.call('POST', '/v2/orgs/acme/access-tokens', {
        as: 'alice',
        json: { ...body('acme'), expires_at: null },
      });
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('VALIDATION_FAILED');
      expect(reply.body.fields.expires_at).toEqual([expect.stringContaining('at most 7 days')]);
    },
  );
});
