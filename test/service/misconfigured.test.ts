import { describe, expect, it } from 'vitest';
import { createMemoryTokenStore, createStaticOrganizationDirectory, createTokenService } from '../../src/index.js';
import type { CreateTokenRequest } from '../../src/index.js';

const alice = { username: 'alice' };
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
};

function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('createTokenService without a store', () => {
  it.each([
    ['{}', {}],
    ['store: undefined', { store: undefined }],
    ['store: null', { store: null }],
  ])('%s throws MISCONFIGURED naming the store option', (_what, options) => {
    const error = thrownBy(() => createTokenService(options as never));
    expect(error).toMatchObject({ name: 'OatError', code: 'MISCONFIGURED', context: { field: 'store' } });
    expect((error as Error).message).toMatch(/\bstore option\b/);
  });

  it('names the store option and the missing methods when the store is incomplete', () => {
    const error = thrownBy(() => createTokenService({ store: { list: () => null } as never }));
    expect(error).toMatchObject({
      code: 'MISCONFIGURED',
      context: { field: 'store', missing: expect.arrayContaining(['insertWithinQuota', 'countLive']) },
    });
    expect((error as Error).message).toMatch(/\bstore option\b.*insertWithinQuota/);
  });

  it('throws MISCONFIGURED, not a TypeError, without any options', () => {
    expect(thrownBy(() => createTokenService(undefined as never))).toMatchObject({
      code: 'MISCONFIGURED',
      context: { field: 'options' },
    });
  });
});

describe('createTokenService without organizations', () => {
  it('builds, then every management call throws MISCONFIGURED naming the organizations option', async () => {
    const service = createTokenService({ store: createMemoryTokenStore() });
    const expected = {
      name: 'OatError',
      code: 'MISCONFIGURED',
      context: { field: 'organizations' },
      message: expect.stringContaining('organizations option'),
    };
    await expect(service.create(alice, 'acme', input)).rejects.toMatchObject(expected);
    await expect(service.list(alice, 'acme')).rejects.toMatchObject(expected);
    await expect(service.get(alice, 'acme', 'tok')).rejects.toMatchObject(expected);
  });

  it('refuses a login whose token is found with MISCONFIGURED, not a denial that hides the mistake', async () => {
    const store = createMemoryTokenStore();
    const configured = createTokenService({
      store,
      organizations: [{ name: 'acme', plan: 'team', owners: ['alice'] }],
    });
    const { secret } = await configured.create(alice, 'acme', input);
    const service = createTokenService({ store });
    await expect(service.authenticate('acme', secret.reveal())).rejects.toMatchObject({
      code: 'MISCONFIGURED',
      context: { field: 'organizations' },
    });
  });

  it('keeps NOT_FOUND for a directory that exists and does not know the name', async () => {
    for (const organizations of [
      [],
      createStaticOrganizationDirectory([{ name: 'other', plan: 'team', owners: ['alice'] }]),
    ]) {
      const service = createTokenService({ store: createMemoryTokenStore(), organizations });
      await expect(service.create(alice, 'acme', input)).rejects.toMatchObject({
        code: 'NOT_FOUND',
        context: { organization: 'acme' },
      });
    }
  });
});
