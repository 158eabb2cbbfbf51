import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createStaticOrganizationDirectory,
  createTokenService,
  isOatError,
  type OrganizationName,
} from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import type { CreateTokenRequest } from '../../src/index.js';

// U+212A KELVIN SIGN: String#toLowerCase folds it to an ASCII 'k'.
const KELVIN = '\u212A';
const organizations = [{ name: 'kiosk', plan: 'team', owners: ['kim'] }];
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'kiosk/app', scopes: ['pull'] }],
};

async function seeded() {
  const service = createTokenService({ store: createMemoryTokenStore(), clock: createFakeClock(), organizations });
  const { secret } = await service.create({ username: 'kim' }, 'kiosk', input);
  return { service, secret: secret.reveal() };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isOatError(error) ? error.code : 'not an OatError';
  }
}

describe('names are compared with ASCII-only case folding in the service', () => {
  it('authenticate takes an ASCII recasing of the organization as its username, never a look-alike', async () => {
    const { service, secret } = await seeded();
    expect((await service.authenticate('KIOSK', secret)).ok).toBe(true);
    expect(await service.authenticate(`${KELVIN}iosk`, secret)).toEqual({ ok: false, code: 'ORG_MISMATCH' });
  });

  it('refuses a look-alike organization name and a look-alike owner', async () => {
    const { service } = await seeded();
    expect(await codeOf(service.list({ username: 'kim' }, `${KELVIN}iosk`))).toBe('VALIDATION_FAILED');
    expect(await codeOf(service.list({ username: `${KELVIN}im` }, 'kiosk'))).toBe('FORBIDDEN');
    expect(await codeOf(service.list({ username: 'KIM' }, 'KIOSK'))).toBe('resolved');
  });

  it('a static directory refuses a profile whose name is a look-alike', () => {
    expect(() => createStaticOrganizationDirectory([{ name: `${KELVIN}iosk`, plan: 'team', owners: [] }])).toThrow(
      expect.objectContaining({ code: 'MISCONFIGURED', context: { field: 'name' } }),
    );
    expect(
      createStaticOrganizationDirectory([{ name: 'KIOSK', plan: 'team', owners: [] }]).get('kiosk' as OrganizationName),
    ).toMatchObject({ name: 'KIOSK' });
  });
});
