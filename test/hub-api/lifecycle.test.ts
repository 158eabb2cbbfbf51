import { describe, expect, it } from 'vitest';
import { sha256Hasher } from '../../src/index.js';
import { createToken, REPO_PULL, START, startHub } from './harness.js';

const TOKEN_KEYS = [
  'created_at',
  'created_by',
  'description',
  'expires_at',
  'id',
  'is_active',
  'label',
  'last_used_at',
];
const BASE = '/v2/orgs/acme/access-tokens';

describe('Hub API: a token from creation to deletion', () => {
  it('creates (201 with the secret), reads, lists, edits, deactivates, deletes (204), then answers 404', async () => {
    const hub = await startHub();
    const created = await hub.call('POST', BASE, {
      as: 'alice',
      json: { label: 'ci', description: 'pipeline', resources: [REPO_PULL], expires_at: null },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/json');
    expect(created.headers.get('cache-control')).toBe('no-store');
    const token = created.body;
    expect(Object.keys(token).sort()).toEqual(
      [...TOKEN_KEYS, 'allowed_networks', 'last_client_addresses', 'resources', 'token'].sort(),
    );
    expect(token).toMatchObject({
      label: 'ci',
      description: 'pipeline',
      created_by: 'alice',
      is_active: true,
      created_at: new Date(START).toISOString(),
      expires_at: null,
      last_used_at: null,
      resources: [{ type: 'TYPE_REPO', path: 'acme/app', scopes: ['scope-image-pull'] }],
      allowed_networks: [],
      last_client_addresses: [],
    });
    expect(token.token).toMatch(/^oat_/);
    expect(created.headers.get('location')).toBe(`${hub.url}${BASE}/${token.id}`);

    const { token: _secret, ...withoutSecret } = token;
    const got = await hub.call('GET', `${BASE}/${token.id}`, { as: 'alice' });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(withoutSecret);

    const listed = await hub.call('GET', BASE, { as: 'alice' });
    expect(listed.status).toBe(200);
    const {
      resources: _resources,
      allowed_networks: _networks,
      last_client_addresses: _addresses,
      ...summary
    } = withoutSecret;
    expect(listed.body).toEqual({ total: 1, next: null, previous: null, results: [summary] });

    hub.advance(1000);
    const relabelled = await hub.call('PATCH', `${BASE}/${token.id}`, { as: 'alice', json: { label: 'deploy' } });
    expect(relabelled.status).toBe(200);
    expect(relabelled.body).toEqual({ ...withoutSecret, label: 'deploy' });

    const regranted = await hub.call('PATCH', `${BASE}/${token.id}`, {
      as: 'alice',
      json: {
        resources: [
          { type: 'TYPE_REPO', path: 'acme/*', scopes: ['repo-push'] },
          { type: 'TYPE_ORG', path: 'acme', scopes: ['scope-member-read'] },
        ],
      },
    });
    expect(regranted.status).toBe(200);
    expect(regranted.body.resources).toEqual([
      { type: 'TYPE_REPO', path: 'acme/*', scopes: ['scope-image-push'] },
      { type: 'TYPE_ORG', path: 'acme', scopes: ['scope-member-read'] },
    ]);

    const deactivated = await hub.call('PATCH', `${BASE}/${token.id}`, { as: 'alice', json: { is_active: false } });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.is_active).toBe(false);

    const deleted = await hub.call('DELETE', `${BASE}/${token.id}`, { as: 'alice' });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');

    expect((await hub.call('GET', `${BASE}/${token.id}`, { as: 'alice' })).status).toBe(404);
    expect((await hub.call('DELETE', `${BASE}/${token.id}`, { as: 'alice' })).status).toBe(404);
    expect((await hub.call('GET', BASE, { as: 'alice' })).body).toEqual({
      total: 0,
      next: null,
      previous: null,
      results: [],
    });
  });

  it('shows the secret only in the create response, and never its hash', async () => {
    const hub = await startHub();
    const token = await createToken(hub);
    const secret: string = token.token;
    const hash = sha256Hasher().hash(secret);
    await hub.call('GET', `${BASE}/${token.id}`, { as: 'alice' });
    await hub.call('GET', BASE, { as: 'alice' });
    await hub.call('PATCH', `${BASE}/${token.id}`, { as: 'alice', json: { description: 'x' } });
    await hub.call('PATCH', `${BASE}/${token.id}`, { as: 'alice', json: { is_active: false } });
    await hub.call('PATCH', `${BASE}/${token.id}`, { as: 'alice', json: { is_active: true } });
    await hub.call('DELETE', `${BASE}/${token.id}`, { as: 'alice' });
    const [create, ...rest] = hub.replies;
    expect(create?.text).toContain(secret);
    expect(rest).toHaveLength(6);
    for (const reply of hub.replies) expect(reply.text).not.toContain(hash);
    for (const reply of rest) expect(reply.text).not.toContain(secret);
  });

  it('pages the list with absolute next and previous links and no resources in results', async () => {
    const hub = await startHub();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await createToken(hub, 'acme', { label: `t${i}` })).id);
      hub.advance(1000);
    }
    const link = (page: number): string => `${hub.url}${BASE}?page=${page}&page_size=2`;

    const first = await hub.call('GET', `${BASE}?page_size=2`, { as: 'alice' });
    expect(first.body).toMatchObject({ total: 5, next: link(2), previous: null });
    expect(first.body.results.map((t: { id: string }) => t.id)).toEqual(ids.slice(0, 2));
    for (const result of first.body.results) expect(Object.keys(result).sort()).toEqual(TOKEN_KEYS);

    const second = await hub.call('GET', new URL(first.body.next).pathname + new URL(first.body.next).search, {
      as: 'alice',
    });
    expect(second.body).toMatchObject({ total: 5, next: link(3), previous: link(1) });
    expect(second.body.results.map((t: { id: string }) => t.id)).toEqual(ids.slice(2, 4));

    const last = await hub.call('GET', `${BASE}?page=3&page_size=2`, { as: 'alice' });
    expect(last.body).toMatchObject({ total: 5, next: null, previous: link(2) });
    expect(last.body.results.map((t: { id: string }) => t.id)).toEqual(ids.slice(4));

    const beyond = await hub.call('GET', `${BASE}?page=9&page_size=2`, { as: 'alice' });
    expect(beyond.body).toMatchObject({ total: 5, next: null, results: [] });

    const defaults = await hub.call('GET', BASE, { as: 'alice' });
    expect(defaults.body).toMatchObject({ total: 5, next: null, previous: null });
    expect(defaults.body.results).toHaveLength(5);
  });

  it('under the default lifecycle an inactive token can only be deleted', async () => {
    const hub = await startHub();
    const token = await createToken(hub);
    const path = `${BASE}/${token.id}`;
    expect((await hub.call('PATCH', path, { as: 'alice', json: { is_active: false } })).status).toBe(200);

    const reactivate = await hub.call('PATCH', path, { as: 'alice', json: { is_active: true } });
    expect(reactivate.status).toBe(409);
    expect(reactivate.body).toMatchObject({ detail: 'Conflict', code: 'TRANSITION_DENIED' });
    expect(typeof reactivate.body.message).toBe('string');
    expect((await hub.call('PATCH', path, { as: 'alice', json: { label: 'again' } })).status).toBe(409);
    expect((await hub.call('GET', path, { as: 'alice' })).body).toMatchObject({ is_active: false, label: 'ci' });
    expect((await hub.call('DELETE', path, { as: 'alice' })).status).toBe(204);
  });

  it("under Docker Hub's current lifecycle is_active: true reactivates", async () => {
    const hub = await startHub({ policy: { lifecycle: 'docker-hub-current' } });
    const token = await createToken(hub);
    const path = `${BASE}/${token.id}`;
    await hub.call('PATCH', path, { as: 'alice', json: { is_active: false } });
    const reactivated = await hub.call('PATCH', path, { as: 'alice', json: { is_active: true } });
    expect(reactivated.status).toBe(200);
    expect(reactivated.body.is_active).toBe(true);
  });

  it('an expired token reads with its expires_at, refuses edits with 409 and can be deleted', async () => {
    const hub = await startHub();
    const expiresAt = new Date(START + 30 * 86_400_000).toISOString();
    const token = await createToken(hub, 'acme', { expires_at: expiresAt });
    expect(token.expires_at).toBe(expiresAt);
    hub.advance(31 * 86_400_000);
    const path = `${BASE}/${token.id}`;
    expect((await hub.call('GET', path, { as: 'alice' })).body).toMatchObject({ expires_at: expiresAt });
    const edit = await hub.call('PATCH', path, { as: 'alice', json: { label: 'late' } });
    expect(edit.status).toBe(409);
    expect(edit.body.code).toBe('TRANSITION_DENIED');
    expect((await hub.call('DELETE', path, { as: 'alice' })).status).toBe(204);
  });

  it('reports last_used_at once the token has been used to log in', async () => {
    const hub = await startHub();
    const token = await createToken(hub);
    hub.advance(5000);
    expect((await hub.service.authenticate('acme', token.token)).ok).toBe(true);
    const got = await hub.call('GET', `${BASE}/${token.id}`, { as: 'alice' });
    expect(got.body.last_used_at).toBe(new Date(START + 5000).toISOString());
  });

  it('reports last_client_addresses, newest first, IPv4-mapped shown as IPv4', async () => {
    const hub = await startHub();
    const token = await createToken(hub);
    expect((await hub.service.authenticate('acme', token.token, { address: '203.0.113.9' })).ok).toBe(true);
    await hub.service.flush();
    expect((await hub.service.authenticate('acme', token.token, { address: '::ffff:192.0.2.1' })).ok).toBe(true);
    await hub.service.flush();
    const got = await hub.call('GET', `${BASE}/${token.id}`, { as: 'alice' });
    expect(got.body.last_client_addresses).toEqual(['192.0.2.1', '203.0.113.9']);
  });

  it('takes allowed_networks on create and update, answers them in normal form, and logins follow them', async () => {
    const hub = await startHub();
    const created = await hub.call('POST', BASE, {
      as: 'alice',
      json: { label: 'ci', resources: [REPO_PULL], allowed_networks: ['10.1.2.3/8', '::ffff:192.0.2.1', '10.0.0.0/8'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.allowed_networks).toEqual(['10.0.0.0/8', '192.0.2.1/32']);
    const path = `${BASE}/${created.body.id}`;
    expect((await hub.call('GET', path, { as: 'alice' })).body.allowed_networks).toEqual([
      '10.0.0.0/8',
      '192.0.2.1/32',
    ]);
    const secret: string = created.body.token;
    expect(await hub.service.authenticate('acme', secret, { address: '203.0.113.9' })).toMatchObject({
      ok: false,
      code: 'NETWORK_NOT_ALLOWED',
    });
    expect((await hub.service.authenticate('acme', secret, { address: '10.9.9.9' })).ok).toBe(true);

    const narrowed = await hub.call('PATCH', path, { as: 'alice', json: { allowed_networks: ['2001:DB8::1/32'] } });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.allowed_networks).toEqual(['2001:db8::/32']);
    expect((await hub.service.authenticate('acme', secret, { address: '10.9.9.9' })).ok).toBe(false);
    const cleared = await hub.call('PATCH', path, { as: 'alice', json: { allowed_networks: [] } });
    expect(cleared.body.allowed_networks).toEqual([]);
    expect((await hub.service.authenticate('acme', secret, { address: '10.9.9.9' })).ok).toBe(true);
  });

  it('names the allowed_networks entry that is not a range, and refuses both spellings at once', async () => {
    const hub = await startHub();
    const bad = await hub.call('POST', BASE, {
      as: 'alice',
      json: { label: 'ci', resources: [REPO_PULL], allowed_networks: ['10.0.0.0/8', '10.0.0.0/33'] },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fields)).toEqual(['allowed_networks.1']);
    const both = await hub.call('POST', BASE, {
      as: 'alice',
      json: { label: 'ci', resources: [REPO_PULL], allowed_networks: [], allowedNetworks: [] },
    });
    expect(both.status).toBe(400);
    expect(Object.keys(both.body.fields)).toEqual(['allowed_networks']);
    const token = await createToken(hub);
    const patch = await hub.call('PATCH', `${BASE}/${token.id}`, {
      as: 'alice',
      json: { allowed_networks: ['nowhere'] },
    });
    expect(patch.status).toBe(400);
    expect(Object.keys(patch.body.fields)).toEqual(['allowed_networks.0']);
  });

  it('serves under a base path and nowhere else', async () => {
    const hub = await startHub({ basePath: '/api/' });
    const created = await hub.call('POST', `/api${BASE}`, {
      as: 'alice',
      json: { label: 'ci', resources: [REPO_PULL] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${hub.url}/api${BASE}/${created.body.id}`);
    expect((await hub.call('GET', `/api${BASE}/${created.body.id}`, { as: 'alice' })).status).toBe(200);
    const outside = await hub.call('GET', BASE, { as: 'alice' });
    expect(outside.status).toBe(404);
    expect(outside.body.code).toBe('ROUTE_NOT_FOUND');
  });

  it('lets a token manager of the organization act for an organization it does not own, and nowhere else', async () => {
    const hub = await startHub();
    const reply = await hub.call('POST', BASE, { as: 'carol', json: { label: 'ci', resources: [REPO_PULL] } });
    expect(reply.status).toBe(201);
    expect(reply.body.created_by).toBe('carol');
    const elsewhere = await hub.call('POST', '/v2/orgs/small/access-tokens', {
      as: 'carol',
      json: { label: 'ci', resources: [{ ...REPO_PULL, path: 'small/app' }] },
    });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.code).toBe('FORBIDDEN');
  });

  it('answers 500 to a host whose authenticateCaller still returns permissions, and reports it', async () => {
    const reported: unknown[] = [];
    const hub = await startHub({
      authenticateCaller: () => ({ username: 'carol', permissions: ['manage-organization-access-tokens'] }),
      onError: (error) => reported.push(error),
    });
    const reply = await hub.call('GET', '/v2/orgs/small/access-tokens', { as: 'carol' });
    expect(reply.status).toBe(500);
    expect(reported).toEqual([expect.objectContaining({ code: 'MISCONFIGURED' })]);
  });
});
