import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  isOatError,
  REUSE_DETECTION_ACTOR,
  type BackgroundFaultContext,
  type CreateTokenRequest,
  type OatError,
  type RotationPolicyOptions,
  type StaticOrganizationProfile,
  type TokenEvent,
  type TokenStore,
} from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';

const organizations: ReadonlyArray<StaticOrganizationProfile> = [
  {
    id: 'acme',
    name: 'acme',
    plan: 'team',
    owners: ['alice'],
    tokenManagers: [
      { username: 'tim', ceiling: [{ type: 'repository', path: 'acme/app', scopes: ['push'] }] },
      { username: 'pat', ceiling: [{ type: 'repository', path: 'acme/other', scopes: ['pull'] }] },
    ],
  },
];
const alice = { username: 'alice' };
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['push'] }],
  expires_at: '2026-07-01T00:00:00Z',
};
const SECOND = 1_000;

function setup(rotation: RotationPolicyOptions | null = { maxGraceSeconds: 3_600 }, store?: TokenStore) {
  const clock = createFakeClock();
  const events: TokenEvent[] = [];
  const faults: Array<{ error: OatError; context: BackgroundFaultContext }> = [];
  const service = createTokenService({
    store: store ?? createMemoryTokenStore(),
    clock,
    organizations,
    events: { emit: (event) => events.push(event) },
    onError: (error, context) => faults.push({ error, context }),
    ...(rotation === null ? {} : { rotation }),
  });
  return { service, clock, events, faults };
}

const failure = (promise: Promise<unknown>): Promise<OatError> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => {
      if (!isOatError(error)) throw error;
      return error;
    },
  );

describe('service.rotate: a new secret for the same token', () => {
  it(
    'keeps id, grants and expiry, moves the version, and only the new secret logs in once the ' + 'grace is 0',
    async () => {
      const { service, events } = setup();
      const created = await service.create(alice, 'acme', input);
      const rotated = await service.rotate(alice, 'acme', created.token.id);
      expect(rotated.token).toEqual({
        ...created.token,
        secretHash: rotated.token.secretHash,
        displayPrefix: rotated.secret.displayPrefix,
        version: 2,
      });
      expect(rotated.token.secretHash).not.toBe(created.token.secretHash);
      expect(rotated.secret.reveal()).not.toBe(created.secret.reveal());
      const login = await service.authenticate('acme', rotated.secret.reveal());
      expect(login.ok && login.principal.tokenId).toBe(created.token.id);
      await expect(service.authenticate('acme', created.secret.reveal())).resolves.toEqual({
        ok: false,
        code: 'ROTATED',
      });
      expect(events.find((e) => e.type === 'access_token.rotate')).toMatchObject({
        tokenId: created.token.id,
        actor: 'alice',
        organization: 'acme',
      });
    },
  );

  it('lets the old secret log in for the grace asked for, then refuses it as ROTATED', async () => {
    const { service, clock } = setup();
    const created = await service.create(alice, 'acme', input);
    await service.rotate(alice, 'acme', created.token.id, { graceSeconds: 600 });
    clock.advance(600 * SECOND - 1);
    const inGrace = await service.authenticate('acme', created.secret.reveal());
    expect(inGrace.ok && inGrace.principal.tokenId).toBe(created.token.id);
    clock.advance(1);
    await expect(service.authenticate('acme', created.secret.reveal())).resolves.toEqual({
      ok: false,
      code: 'ROTATED',
    });
  });

  it(
    'applies the usual login checks to an old secret in its grace: a deactivated token refuses it ' + 'as INACTIVE',
    async () => {
      const { service } = setup();
      const created = await service.create(alice, 'acme', input);
      await service.rotate(alice, 'acme', created.token.id, { graceSeconds: 600 });
      await service.deactivate(alice, 'acme', created.token.id);
      await expect(service.authenticate('acme', created.secret.reveal())).resolves.toEqual({
        ok: false,
        code: 'INACTIVE',
      });
    },
  );

  it('forgets a retired secret after reuseRecordDays past its grace: it is then NOT_FOUND', async () => {
    const { service, clock } = setup({ reuseRecordDays: 1 });
    const created = await service.create(alice, 'acme', input);
    await service.rotate(alice, 'acme', created.token.id);
    clock.advance(86_400 * SECOND - 1);
    await expect(service.authenticate('acme', created.secret.reveal())).resolves.toMatchObject({ code: 'ROTATED' });
    clock.advance(1);
    await expect(service.authenticate('acme', created.secret.reveal())).resolves.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('refuses a grace beyond the policy bound, a fraction, or an unknown field, naming the field', async () => {
    const { service } = setup();
    const { token } = await service.create(alice, 'acme', input);
    for (const request of [{ graceSeconds: 3_601 }, { graceSeconds: 1.5 }, { graceSeconds: '60' }]) {
      const refused = await service.safeRotate(alice, 'acme', token.id, request as never);
      expect(refused).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', fields: [{ path: 'graceSeconds' }] });
    }
    await expect(service.safeRotate(alice, 'acme', token.id, { grace: 5 } as never)).resolves.toMatchObject({
      ok: false,
      code: 'VALIDATION_FAILED',
      fields: [{ path: 'grace' }],
    });
    const thrown = await failure(service.rotate(alice, 'acme', token.id, { graceSeconds: -1 }));
    expect(thrown.code).toBe('VALIDATION_FAILED');
    await expect(service.get(alice, 'acme', token.id)).resolves.toMatchObject({ version: 1 });
  });

  it(
    'refuses an inactive token, a stranger, a manager whose ceiling does not cover the grants, and an ' + 'unknown id',
    async () => {
      const { service } = setup();
      const { token } = await service.create(alice, 'acme', input);
      await expect(service.safeRotate({ username: 'mallory' }, 'acme', token.id)).resolves.toMatchObject({
        code: 'FORBIDDEN',
      });
      await expect(service.safeRotate({ username: 'pat' }, 'acme', token.id)).resolves.toMatchObject({
        code: 'FORBIDDEN',
        context: { code: 'BEYOND_CEILING' },
      });
      await expect(service.safeRotate({ username: 'tim' }, 'acme', token.id)).resolves.toMatchObject({ ok: true });
      await expect(service.safeRotate(alice, 'acme', '00000000-0000-4000-8000-000000000000')).resolves.toMatchObject({
        code: 'NOT_FOUND',
      });
      await service.deactivate(alice, 'acme', token.id);
      const refused = await service.safeRotate(alice, 'acme', token.id);
      expect(refused).toMatchObject({ ok: false, code: 'TRANSITION_DENIED', context: { code: 'INACTIVE' } });
    },
  );

  it('never lets the new secret reach JSON, inspect or an event', async () => {
    const { service, events } = setup();
    const { token } = await service.create(alice, 'acme', input);
    const rotated = await service.rotate(alice, 'acme', token.id);
    const plaintext = rotated.secret.reveal();
    expect(JSON.stringify(rotated)).not.toContain(plaintext);
    expect(inspect(rotated, { depth: 10 })).not.toContain(plaintext);
    expect(JSON.stringify(events)).not.toContain(plaintext);
    expect(JSON.stringify(events)).not.toContain(rotated.token.secretHash);
  });
});

describe('reuse detection', () => {
  it('deactivates the token when a retired secret comes back after its grace, with an audit event', async () => {
    const { service, events } = setup({ reuseDetection: true });
    const created = await service.create(alice, 'acme', input);
    const rotated = await service.rotate(alice, 'acme', created.token.id);
    await expect(service.authenticate('acme', created.secret.reveal())).resolves.toEqual({
      ok: false,
      code: 'ROTATED',
    });
    await expect(service.get(alice, 'acme', created.token.id)).resolves.toMatchObject({ state: 'inactive' });
    expect(events.filter((e) => e.type === 'access_token.deactivate')).toEqual([
      expect.objectContaining({ tokenId: created.token.id, actor: REUSE_DETECTION_ACTOR }),
    ]);
    await expect(service.authenticate('acme', rotated.secret.reveal())).resolves.toEqual({
      ok: false,
      code: 'INACTIVE',
    });
  });

  it('is off by default: the token stays active', async () => {
    const { service } = setup({});
    const created = await service.create(alice, 'acme', input);
    const rotated = await service.rotate(alice, 'acme', created.token.id);
    await expect(service.authenticate('acme', created.secret.reveal())).resolves.toMatchObject({ code: 'ROTATED' });
    await expect(service.authenticate('acme', rotated.secret.reveal())).resolves.toMatchObject({ ok: true });
  });

  it('reports a failed deactivation to onError and still answers ROTATED', async () => {
    const memory = createMemoryTokenStore();
    let broken = false;
    const store = Object.assign(Object.create(memory) as typeof memory, {
      replace: (...args: Parameters<typeof memory.replace>) =>
        broken ? Promise.reject(new Error('disk on fire')) : memory.replace(...args),
    });
    const { service, faults } = setup({ reuseDetection: true }, store);
    const created = await service.create(alice, 'acme', input);
    await service.rotate(alice, 'acme', created.token.id);
    broken = true;
    await expect(service.authenticate('acme', created.secret.reveal())).resolves.toEqual({
      ok: false,
      code: 'ROTATED',
    });
    expect(faults).toEqual([
      {
        error: expect.objectContaining({ code: 'STORE_FAILURE' }),
        context: { operation: 'authenticate', tokenId: created.token.id },
      },
    ]);
    broken = false;
    await expect(service.get(alice, 'acme', created.token.id)).resolves.toMatchObject({ state: 'active' });
  });
});

describe('rotation configuration', () => {
  it('rotate without the rotation option throws MISCONFIGURED naming rotation', async () => {
    const { service } = setup(null);
    const { token } = await service.create(alice, 'acme', input);
    const thrown = await failure(service.safeRotate(alice, 'acme', token.id));
    expect(thrown).toMatchObject({ code: 'MISCONFIGURED', context: { field: 'rotation' } });
  });

  it('the rotation option on a store without the capability throws MISCONFIGURED listing what it lacks', () => {
    const memory = createMemoryTokenStore();
    const { rotate: _rotate, findRotatedSecret: _find, ...plain } = memory;
    let thrown: unknown;
    try {
      createTokenService({ store: plain as TokenStore, organizations, rotation: {} });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: 'MISCONFIGURED',
      context: { field: 'store', missing: ['rotate', 'findRotatedSecret'] },
    });
  });

  it('an out-of-range rotation option throws MISCONFIGURED naming it', () => {
    expect(() =>
      createTokenService({ store: createMemoryTokenStore(), organizations, rotation: { maxGraceSeconds: -1 } }),
    ).toThrow(expect.objectContaining({ code: 'MISCONFIGURED', context: { field: 'maxGraceSeconds' } }));
  });
});
