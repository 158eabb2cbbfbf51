import { describe, expect, it } from 'vitest';
import { createMemoryTokenStore, createTokenService, type CreateTokenRequest } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';

const organizations = [{ id: 'acme', name: 'acme', plan: 'team', owners: ['alice'] }];
const alice = { username: 'alice' };
const SECOND = 1_000;
const GRACE_SECONDS = 3_600;

async function rotatedWithGrace(expiry: Pick<CreateTokenRequest, 'expires_at'>) {
  const clock = createFakeClock();
  const service = createTokenService({
    store: createMemoryTokenStore(),
    clock,
    organizations,
    rotation: { maxGraceSeconds: GRACE_SECONDS },
  });
  const created = await service.create(alice, 'acme', {
    label: 'ci',
    resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
    ...expiry,
  });
  clock.advance(10 * SECOND);
  const rotatedAt = clock.now();
  const rotated = await service.rotate(alice, 'acme', created.token.id, { graceSeconds: GRACE_SECONDS });
  clock.advance(SECOND);
  return { service, created, rotated, graceEndsAt: rotatedAt + GRACE_SECONDS * SECOND };
}

describe('a login with a secret in its grace', () => {
  it("gets a principal that expires when the grace ends, not at the token's expiry", async () => {
    const { service, created, rotated, graceEndsAt } = await rotatedWithGrace({ expires_at: '2026-07-01T00:00:00Z' });
    const old = await service.authenticate('acme', created.secret.reveal());
    expect(old.ok && old.principal.expiresAt).toBe(graceEndsAt);
    const fresh = await service.authenticate('acme', rotated.secret.reveal());
    expect(fresh.ok && fresh.principal.expiresAt).toBe(Date.parse('2026-07-01T00:00:00Z'));
  });

  it('caps a token that never expires at the end of the grace too', async () => {
    const { service, created, rotated, graceEndsAt } = await rotatedWithGrace({});
    const old = await service.authenticate('acme', created.secret.reveal());
    expect(old.ok && old.principal.expiresAt).toBe(graceEndsAt);
    const fresh = await service.authenticate('acme', rotated.secret.reveal());
    expect(fresh.ok && fresh.principal.expiresAt).toBeNull();
  });

  it('keeps the expiry of a token that expires before its grace ends', async () => {
    const clock = createFakeClock();
    const expiresAt = clock.now() + 30 * 60 * SECOND;
    const { service, created } = await rotatedWithGrace({ expires_at: new Date(expiresAt).toISOString() });
    const old = await service.authenticate('acme', created.secret.reveal());
    expect(old.ok && old.principal.expiresAt).toBe(expiresAt);
  });
});
