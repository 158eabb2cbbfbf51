import { describe, expect, it } from 'vitest';
import { createHubApi } from '../../src/hub-api/index.js';
import { createMemoryTokenStore, createTokenService } from '../../src/index.js';
import { createToken, startHub } from './harness.js';

const rotatePath = (id: string) => `/v2/orgs/acme/access-tokens/${id}/rotate`;

describe('Hub API extension: POST /v2/orgs/{org}/access-tokens/{id}/rotate', () => {
  it('answers 200 with the same token and a new secret; the old one logs in for the grace asked for', async () => {
    const hub = await startHub({ rotation: true });
    const created = await createToken(hub);
    const rotated = await hub.call('POST', rotatePath(created.id), { as: 'alice', json: { grace_seconds: 60 } });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const { token: secret, ...rest } = rotated.body;
    const { token: oldSecret, ...before } = created;
    expect(rest).toEqual(before);
    expect(secret).toMatch(/^oat_/);
    expect(secret).not.toBe(oldSecret);
    await expect(hub.service.authenticate('acme', secret)).resolves.toMatchObject({ ok: true });
    await expect(hub.service.authenticate('acme', oldSecret)).resolves.toMatchObject({ ok: true });
    hub.advance(60_000);
    await expect(hub.service.authenticate('acme', oldSecret)).resolves.toEqual({ ok: false, code: 'ROTATED' });
  });

  it('refuses a bad body naming grace_seconds, an unknown field, a stranger, and another method', async () => {
    const hub = await startHub({ rotation: true });
    const { id } = await createToken(hub);
    const tooLong = await hub.call('POST', rotatePath(id), { as: 'alice', json: { grace_seconds: 3_601 } });
    expect(tooLong.status).toBe(400);
    expect(Object.keys(tooLong.body.fields)).toEqual(['grace_seconds']);
    const text = await hub.call('POST', rotatePath(id), { as: 'alice', json: { grace_seconds: '60' } });
    expect(Object.keys(text.body.fields)).toEqual(['grace_seconds']);
    const extra = await hub.call('POST', rotatePath(id), { as: 'alice', json: { grace: 1 } });
    expect(Object.keys(extra.body.fields)).toEqual(['grace']);
    expect((await hub.call('POST', rotatePath(id), { as: 'bob', json: {} })).status).toBe(403);
    const get = await hub.call('GET', rotatePath(id), { as: 'alice' });
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await hub.call('POST', rotatePath(id), { json: {} })).status).toBe(401);
  });

  it('is a 404 like any unknown path unless the host turns it on, and then needs safeRotate', async () => {
    const hub = await startHub();
    const { id } = await createToken(hub);
    expect((await hub.call('POST', rotatePath(id), { as: 'alice', json: {} })).status).toBe(404);
    const service = createTokenService({ store: createMemoryTokenStore(), organizations: [] });
    const { safeRotate: _unused, ...withoutRotate } = service;
    expect(() => createHubApi({ service: withoutRotate, authenticateCaller: () => null, rotation: true })).toThrow(
      expect.objectContaining({ code: 'MISCONFIGURED', context: { missing: ['service.safeRotate'] } }),
    );
  });
});
