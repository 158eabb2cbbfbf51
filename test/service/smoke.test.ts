import { describe, expect, it } from 'vitest';
import { createMemoryTokenStore, createTokenService } from '../../src/index.js';

describe('the token service on the in-memory store', () => {
  it('creates a token, logs in with it as the organization, and authorizes by its grants', async () => {
    const service = createTokenService({
      store: createMemoryTokenStore(),
      organizations: [{ name: 'acme', plan: 'team', owners: ['alice'] }],
    });
    const { secret } = await service.create({ username: 'alice' }, 'acme', {
      label: 'ci',
      resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }],
    });
    const login = await service.authenticate('ACME', secret.reveal());
    expect(login.ok).toBe(true);
    if (!login.ok) return;
    expect(service.authorize(login.principal, { repository: 'acme/app' }, 'pull')).toEqual({ allowed: true });
    expect(service.authorize(login.principal, { repository: 'acme/app' }, 'push')).toEqual({
      allowed: false,
      code: 'SCOPE_NOT_GRANTED',
    });
    expect(await service.authenticate('other', secret.reveal())).toMatchObject({ ok: false, code: 'ORG_MISMATCH' });
  });
});
