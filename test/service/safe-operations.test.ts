import type { CreateTokenRequest } from '../../src/index.js';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  isOatError,
  MANAGEMENT_DENIAL_CODES,
  type ManagementResult,
  type OatError,
  type OrganizationDirectory,
  type TokenService,
  type TokenStore,
} from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';

const organizations = [
  { id: 'acme', name: 'acme', plan: 'team', owners: ['alice'], tokenManagers: [{ username: 'tim' }] },
  { id: 'iam', name: 'iam', plan: 'team', owners: ['alice'], imageAccessManagement: true },
  { id: 'free', name: 'free', plan: 'personal', owners: ['alice'] },
  { id: 'tiny', name: 'tiny', plan: 'tiny', owners: ['alice'] },
];
const alice = { username: 'alice' };
const tim = { username: 'tim' };
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['push'] }],
};
const MISSING = '00000000-0000-4000-8000-000000000000';
const pullIn = (org: string): CreateTokenRequest => ({
  label: 'ci',
  resources: [{ type: 'repository', path: `${org}/app`, scopes: ['pull'] }],
});

function setup(store: TokenStore = createMemoryTokenStore()) {
  const service = createTokenService({
    store,
    clock: createFakeClock(),
    organizations,
    policy: { plans: { team: { maxTokens: 10 }, tiny: { maxTokens: 1 } } },
  });
  return { store, service };
}

type Safe = 'safeCreate' | 'safeGet' | 'safeList' | 'safeUpdate' | 'safeDeactivate' | 'safeReactivate' | 'safeDelete';
type Throwing = 'create' | 'get' | 'list' | 'update' | 'deactivate' | 'reactivate' | 'delete';
const THROWING_OF: Readonly<Record<Safe, Throwing>> = {
  safeCreate: 'create',
  safeGet: 'get',
  safeList: 'list',
  safeUpdate: 'update',
  safeDeactivate: 'deactivate',
  safeReactivate: 'reactivate',
  safeDelete: 'delete',
};

/** Calls one operation in both forms, with the same arguments. */
async function both(
  service: TokenService,
  op: Safe,
  args: ReadonlyArray<unknown>,
): Promise<{ result: ManagementResult<unknown>; thrown: unknown }> {
  const call = (name: string) =>
    (service as unknown as Record<string, (...a: ReadonlyArray<unknown>) => Promise<unknown>>)[name]!(...args);
  const result = (await call(op)) as ManagementResult<unknown>;
  const thrown = await call(THROWING_OF[op]).then(
    () => undefined,
    (error: unknown) => error,
  );
  return { result, thrown };
}

/**
 * Each refusal a management operation can meet, set up on a fresh service: what, operation, arguments, expected code
 * (and finer context).
 */
interface Refusal {
  readonly what: string;
  readonly op: Safe;
  readonly arrange: (service: TokenService) => Promise<ReadonlyArray<unknown>>;
  readonly code: string;
  readonly context?: Record<string, unknown>;
}
const refusal = (
  what: string,
  op: Safe,
  arrange: Refusal['arrange'],
  code: string,
  context: Record<string, unknown> = {},
): Refusal => ({ what, op, arrange, code, context });

const REFUSALS: ReadonlyArray<Refusal> = [
  refusal('a malformed create request', 'safeCreate', async () => [alice, 'acme', { label: 7 }], 'VALIDATION_FAILED'),
  refusal('an actor without a username', 'safeGet', async () => [{}, 'acme', MISSING], 'VALIDATION_FAILED'),
  refusal('an id that is not a token id', 'safeGet', async () => [alice, 'acme', 'nope'], 'VALIDATION_FAILED'),
  refusal(
    'list options out of range',
    'safeList',
    async () => [alice, 'acme', { pageSize: 1000 }],
    'VALIDATION_FAILED',
  ),
  refusal(
    'a malformed update request',
    'safeUpdate',
    async (s) => [alice, 'acme', (await s.create(alice, 'acme', input)).token.id, { label: 7 }],
    'VALIDATION_FAILED',
  ),
  refusal('an unknown organization', 'safeList', async () => [alice, 'nobody', {}], 'NOT_FOUND'),
  refusal('an unknown token', 'safeGet', async () => [alice, 'acme', MISSING], 'NOT_FOUND'),
  refusal('deactivating an unknown token', 'safeDeactivate', async () => [alice, 'acme', MISSING], 'NOT_FOUND'),
  refusal('deleting an unknown token', 'safeDelete', async () => [alice, 'acme', MISSING], 'NOT_FOUND'),
  refusal(
    'someone who manages nothing there',
    'safeCreate',
    async () => [{ username: 'mallory' }, 'acme', input],
    'FORBIDDEN',
    { code: 'NOT_A_MANAGER' },
  ),
  refusal('a manager granting beyond its ceiling', 'safeCreate', async () => [tim, 'acme', input], 'FORBIDDEN', {
    code: 'BEYOND_CEILING',
  }),
  refusal('a plan without tokens', 'safeCreate', async () => [alice, 'free', pullIn('free')], 'PLAN_NOT_ELIGIBLE'),
  refusal(
    'a full organization',
    'safeCreate',
    async (s) => (await s.create(alice, 'tiny', pullIn('tiny')), [alice, 'tiny', pullIn('tiny')]),
    'QUOTA_EXCEEDED',
    { limit: 1, count: 1 },
  ),
  refusal('Image Access Management', 'safeCreate', async () => [alice, 'iam', pullIn('iam')], 'ORG_INCOMPATIBLE', {
    incompatibility: 'IMAGE_ACCESS_MANAGEMENT',
  }),
  refusal(
    'reactivating under the seed lifecycle',
    'safeReactivate',
    async (s) => {
      const { token } = await s.create(alice, 'acme', input);
      await s.deactivate(alice, 'acme', token.id);
      return [alice, 'acme', token.id];
    },
    'TRANSITION_DENIED',
    { code: 'INACTIVE_IS_DELETE_ONLY', operation: 'reactivate', from: 'inactive' },
  ),
];

describe('the safe* management operations', () => {
  it.each(REFUSALS)(
    'return $what as a value, and the throwing form throws the same OatError',
    async ({ op, arrange, code, context }) => {
      const { service } = setup();
      const { result, thrown } = await both(service, op, await arrange(service));
      expect(result).toMatchObject({ ok: false, code, message: expect.any(String), context });
      expect(Object.isFrozen(result)).toBe(true);
      if (result.ok) return;
      expect(MANAGEMENT_DENIAL_CODES).toContain(result.code);
      expect(result.fields !== undefined).toBe(code === 'VALIDATION_FAILED');
      expect(isOatError(thrown)).toBe(true);
      const error = thrown as OatError;
      expect({ code: error.code, message: error.message, fields: error.fields, context: error.context }).toEqual({
        code: result.code,
        message: result.message,
        fields: result.fields ?? [],
        context: result.context,
      });
    },
  );

  it('return CONFLICT as a value when the token keeps changing, and the throwing form throws it', async () => {
    const base = createMemoryTokenStore();
    const store: TokenStore = { ...base, replace: () => Promise.resolve({ ok: false, code: 'CONFLICT' }) };
    const { service } = setup(store);
    const { token } = await service.create(alice, 'acme', input);
    const { result, thrown } = await both(service, 'safeDeactivate', [alice, 'acme', token.id]);
    expect(result).toMatchObject({ ok: false, code: 'CONFLICT', context: { tokenId: token.id } });
    expect(thrown).toMatchObject({ name: 'OatError', code: 'CONFLICT' });
  });

  it('resolve to { ok: true, value } with what the throwing form resolves to', async () => {
    const { service } = setup();
    const created = await service.safeCreate(alice, 'acme', input);
    expect(created).toMatchObject({ ok: true, value: { token: { label: 'ci', state: 'active' } } });
    if (!created.ok) return;
    const id = created.value.token.id;
    expect(await service.safeGet(alice, 'acme', id)).toEqual({ ok: true, value: await service.get(alice, 'acme', id) });
    expect(await service.safeList(alice, 'acme')).toEqual({ ok: true, value: await service.list(alice, 'acme') });
    expect(await service.safeUpdate(alice, 'acme', id, { label: 'renamed' })).toMatchObject({
      ok: true,
      value: { label: 'renamed', version: 2 },
    });
    expect(await service.safeDeactivate(alice, 'acme', id)).toMatchObject({
      ok: true,
      value: { state: 'inactive', version: 3 },
    });
    expect(await service.safeDelete(alice, 'acme', id)).toMatchObject({
      ok: true,
      value: { state: 'deleted', version: 4 },
    });
  });

  it('keep a secret out of a refusal, in JSON and in inspect', async () => {
    const { service } = setup();
    const secret = (await service.create(alice, 'acme', input)).secret.reveal();
    const result = await service.safeCreate(alice, 'acme', { ...input, label: secret, [secret]: true });
    expect(result).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(result)).not.toContain(secret.slice(4, 20));
    expect(inspect(result, { depth: 10 })).not.toContain(secret.slice(4, 20));
  });
});

describe('faults', () => {
  const failing = (): TokenStore => {
    const fail = () => Promise.reject(new Error('disk on fire'));
    return {
      insertWithinQuota: fail,
      replace: fail,
      touchLastUsed: fail,
      markDeleted: fail,
      findById: fail,
      findBySecretHash: fail,
      list: fail,
      countLive: fail,
    };
  };
  const CALLS: ReadonlyArray<readonly [Safe, ReadonlyArray<unknown>]> = [
    ['safeCreate', [alice, 'acme', input]],
    ['safeGet', [alice, 'acme', MISSING]],
    ['safeList', [alice, 'acme']],
    ['safeUpdate', [alice, 'acme', MISSING, { label: 'x' }]],
    ['safeDeactivate', [alice, 'acme', MISSING]],
    ['safeReactivate', [alice, 'acme', MISSING]],
    ['safeDelete', [alice, 'acme', MISSING]],
  ];

  it.each(CALLS)('%s rejects with STORE_FAILURE when the store throws, never resolving to it', async (op, args) => {
    const { service } = setup(failing());
    const call = (name: string) =>
      (service as unknown as Record<string, (...a: ReadonlyArray<unknown>) => Promise<unknown>>)[name]!(...args);
    await expect(call(op)).rejects.toMatchObject({ name: 'OatError', code: 'STORE_FAILURE' });
    await expect(call(THROWING_OF[op])).rejects.toMatchObject({ name: 'OatError', code: 'STORE_FAILURE' });
  });

  it.each(CALLS)('%s rejects with DIRECTORY_FAILURE when the directory throws', async (op, args) => {
    const directory: OrganizationDirectory = { get: () => Promise.reject(new Error('ldap down')) };
    const service = createTokenService({ store: createMemoryTokenStore(), organizations: directory });
    await expect((service[op] as (...a: ReadonlyArray<unknown>) => Promise<unknown>)(...args)).rejects.toMatchObject({
      code: 'DIRECTORY_FAILURE',
    });
  });

  it('rejects with MISCONFIGURED on a service built without organizations', async () => {
    const service = createTokenService({ store: createMemoryTokenStore() });
    await expect(service.safeCreate(alice, 'acme', input)).rejects.toMatchObject({ code: 'MISCONFIGURED' });
  });
});
