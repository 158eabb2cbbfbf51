import { describe, expect, it } from 'vitest';
import { createMemoryTokenStore, createTokenService, type OrganizationProfile } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';
import type { CreateTokenRequest } from '../../src/index.js';

const DAY = 86_400_000;
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
};
const alice = { username: 'alice' };

function setup(profile: Partial<OrganizationProfile> = {}) {
  const clock = createFakeClock();
  let acme: OrganizationProfile = {
    id: 'acme',
    name: 'acme',
    plan: 'business',
    owners: ['alice'],
    ...profile,
  } as OrganizationProfile;
  const service = createTokenService({
    store: createMemoryTokenStore(),
    clock,
    organizations: { get: (name) => (name === 'acme' ? acme : null) },
  });
  return { clock, service, setCap: (days: number | null) => (acme = { ...acme, maxTokenLifetimeDays: days }) };
}

describe('organization lifetime cap (service)', () => {
  it('refuses a token that never expires or outlives the cap, naming the field and the maximum', async () => {
    const { service } = setup({ maxTokenLifetimeDays: 30 });
    await expect(service.create(alice, 'acme', input)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ path: 'expires_at', message: expect.stringContaining('30 days') }],
    });
    await expect(service.create(alice, 'acme', { ...input, expiry: '90d' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ path: 'expiry', message: expect.stringContaining('at most 30 days') }],
    });
    await expect(service.create(alice, 'acme', { ...input, expiry: '30d' })).resolves.toBeDefined();
  });

  it('refuses at login a token older than the current cap, and lets it in again when the cap is loosened', async () => {
    const { clock, service, setCap } = setup();
    const { secret } = await service.create(alice, 'acme', input);
    clock.advance(40 * DAY);
    expect(await service.authenticate('acme', secret.reveal())).toMatchObject({
      ok: true,
      principal: { expiresAt: null },
    });
    setCap(30);
    expect(await service.authenticate('acme', secret.reveal())).toEqual({ ok: false, code: 'LIFETIME_EXCEEDED' });
    setCap(60);
    const again = await service.authenticate('acme', secret.reveal());
    // Credentials derived from the login must not outlive the cap either.
    expect(again).toMatchObject({ ok: true, principal: { expiresAt: clock.now() - 40 * DAY + 60 * DAY } });
    setCap(null);
    expect(await service.authenticate('acme', secret.reveal())).toMatchObject({
      ok: true,
      principal: { expiresAt: null },
    });
  });

  it('reports a cap outside 1 to 366 days from the directory as DIRECTORY_FAILURE', async () => {
    const { service } = setup({ maxTokenLifetimeDays: 400 });
    await expect(service.list(alice, 'acme')).rejects.toMatchObject({
      code: 'DIRECTORY_FAILURE',
      fields: [expect.objectContaining({ path: 'maxTokenLifetimeDays' })],
    });
  });
});
