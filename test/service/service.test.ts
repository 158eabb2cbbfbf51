import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  fingerprintOf,
  hmacSha256Hasher,
  platformRandom,
  sha256Hasher,
  type TokenEvent,
  type TokenStore,
} from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import type { CreateTokenRequest } from '../../src/index.js';

const organizations = [
  { id: 'acme', name: 'acme', plan: 'team', owners: ['alice'] },
  { id: 'iam', name: 'iam', plan: 'team', owners: ['alice'], imageAccessManagement: true },
  { id: 'ram', name: 'ram', plan: 'business', owners: ['alice'], registryAccessManagement: true },
  { id: 'free', name: 'free', plan: 'personal', owners: ['alice'] },
];
const alice = { username: 'alice' };
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['push'] }],
};

function setup(options: { lastUsedIntervalMs?: number } = {}) {
  const store = createMemoryTokenStore();
  const clock = createFakeClock();
  const events: TokenEvent[] = [];
  const service = createTokenService({
    store,
    clock,
    organizations,
    events: { emit: (e) => events.push(e) },
    ...options,
  });
  return { store, clock, events, service };
}

describe('hashers', () => {
  it('sha256Hasher matches pinned SHA-256 vectors in base64url', () => {
    const hasher = sha256Hasher();
    expect(hasher.hash('')).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
    expect(hasher.hash('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(hasher.algorithm).toBe('sha256');
  });

  it('hmacSha256Hasher matches RFC 4231 test case 6 and refuses short peppers', () => {
    // RFC 4231, 4.7: a 131-byte key of 0xaa.
    const hasher = hmacSha256Hasher(Buffer.alloc(131, 0xaa));
    const expected = Buffer.from('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54', 'hex').toString(
      'base64url',
    );
    expect(hasher.hash('Test Using Larger Than Block-Size Key - Hash Key First')).toBe(expected);
    expect(hasher.algorithm).toBe('hmac-sha256');
    expect(() => hmacSha256Hasher('short')).toThrow(expect.objectContaining({ code: 'MISCONFIGURED' }));
  });
});

describe('createTokenService', () => {
  it('refuses a store that lacks methods, naming each one', () => {
    const broken = { findById: async () => null } as unknown as TokenStore;
    expect(() => createTokenService({ store: broken })).toThrow(
      /insertWithinQuota, replace, touchLastUsed, markDeleted, findBySecretHash, list, countLive/,
    );
  });

  it('creates tokens whose secret stays out of JSON, String and inspect, and stores only its hash', async () => {
    const { service, store } = setup();
    const created = await service.create(alice, 'acme', input);
    const plaintext = created.secret.reveal();
    expect(plaintext).toMatch(/^oat_[0-9A-Za-z]{36}$/);
    expect(JSON.stringify(created)).not.toContain(plaintext);
    expect(String(created.secret)).toBe('[REDACTED]');
    expect(`${created.secret}`).toBe('[REDACTED]');
    expect(inspect(created, { depth: null })).not.toContain(plaintext);
    const stored = await store.findById(created.token.id);
    expect(stored?.secretHash).toBe(sha256Hasher().hash(plaintext));
    expect(JSON.stringify(stored)).not.toContain(plaintext.slice(4));
    expect(Object.isFrozen(stored)).toBe(true);
  });

  it('refuses creation for IAM and RAM organizations and plans without tokens, each with its own code', async () => {
    const { service } = setup();
    const at = (org: string): CreateTokenRequest => ({
      ...input,
      resources: [{ type: 'repository', path: `${org}/app`, scopes: ['pull'] }],
    });
    await expect(service.create(alice, 'iam', at('iam'))).rejects.toMatchObject({
      code: 'ORG_INCOMPATIBLE',
      context: { incompatibility: 'IMAGE_ACCESS_MANAGEMENT' },
    });
    await expect(service.create(alice, 'ram', at('ram'))).rejects.toMatchObject({
      code: 'ORG_INCOMPATIBLE',
      context: { incompatibility: 'REGISTRY_ACCESS_MANAGEMENT' },
    });
    await expect(service.create(alice, 'free', at('free'))).rejects.toMatchObject({ code: 'PLAN_NOT_ELIGIBLE' });
  });

  it('refuses the eleventh token of a Team organization with the limit and count', async () => {
    const { service } = setup();
    for (let i = 0; i < 10; i++) await service.create(alice, 'acme', input);
    await expect(service.create(alice, 'acme', input)).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
      context: { limit: 10, count: 10 },
    });
  });

  it('emits audit events with the token id and a hash fingerprint, never the secret', async () => {
    const { service, events } = setup();
    const { token, secret } = await service.create(alice, 'acme', input);
    await service.update(alice, 'acme', token.id, { label: 'renamed' });
    await service.authenticate('acme', secret.reveal());
    await service.authenticate('acme', 'oat_garbage');
    await service.deactivate(alice, 'acme', token.id);
    await service.delete(alice, 'acme', token.id);
    expect(events.map((e) => (e.type === 'access_token.authenticate' ? `${e.type}:${e.outcome}` : e.type))).toEqual([
      'access_token.create',
      'access_token.update',
      'access_token.authenticate:success',
      'access_token.authenticate:failure',
      'access_token.deactivate',
      'access_token.delete',
    ]);
    const fingerprint = fingerprintOf(token.secretHash);
    expect(events.filter((e) => e.tokenId === token.id).every((e) => e.fingerprint === fingerprint)).toBe(true);
    expect(events[1]).toMatchObject({ changed: ['label'], actor: 'alice' });
    expect(events[3]).toMatchObject({ outcome: 'failure', code: 'MALFORMED', fingerprint: null });
    expect(JSON.stringify(events)).not.toContain(secret.reveal());
  });

  it('keeps working when the event sink throws, and reports the sink error', async () => {
    const errors: unknown[] = [];
    const service = createTokenService({
      store: createMemoryTokenStore(),
      organizations,
      events: {
        emit: () => {
          throw new Error('sink down');
        },
      },
      onSinkError: (error) => errors.push(error),
    });
    await service.create(alice, 'acme', input);
    expect(errors).toHaveLength(1);
  });

  it('writes last-used at most once per interval, only on success, never backwards', async () => {
    const { service, store, clock } = setup({ lastUsedIntervalMs: 60_000 });
    const { token, secret } = await service.create(alice, 'acme', input);
    const lastUsed = async () => (await store.findById(token.id))?.lastUsedAt ?? null;
    await service.authenticate('globex', secret.reveal());
    expect(await lastUsed()).toBeNull();
    const t0 = clock.now();
    await service.authenticate('acme', secret.reveal());
    expect(await lastUsed()).toBe(t0);
    clock.advance(59_999);
    await service.authenticate('acme', secret.reveal());
    expect(await lastUsed()).toBe(t0);
    clock.advance(1);
    await service.authenticate('acme', secret.reveal());
    expect(await lastUsed()).toBe(t0 + 60_000);
    clock.advance(-3_600_000);
    await service.authenticate('acme', secret.reveal());
    expect(await lastUsed()).toBe(t0 + 60_000);
  });

  it('denies logins by state, expiry, organization and compatibility with stable codes', async () => {
    const { service, clock } = setup();
    const expiring = await service.create(alice, 'acme', { ...input, expiry: '30d' });
    const login = (secret: string, client?: object) => service.authenticate('acme', secret, client as never);
    expect(await login(expiring.secret.reveal(), { kind: 'docker-desktop' })).toMatchObject({
      ok: false,
      code: 'ORG_INCOMPATIBLE',
      incompatibility: 'DOCKER_DESKTOP',
    });
    expect((await login(expiring.secret.reveal())).ok).toBe(true);
    clock.advance(30 * 24 * 3600 * 1000);
    expect(await login(expiring.secret.reveal())).toMatchObject({ ok: false, code: 'EXPIRED' });
    const other = await service.create(alice, 'acme', input);
    await service.deactivate(alice, 'acme', other.token.id);
    expect(await login(other.secret.reveal())).toMatchObject({ ok: false, code: 'INACTIVE' });
    await service.delete(alice, 'acme', other.token.id);
    expect(await login(other.secret.reveal())).toMatchObject({ ok: false, code: 'DELETED' });
    const unknown = service.policy.format.generate(platformRandom);
    expect(await login(unknown)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });

  it('lists with Docker Hub paging and the derived expired filter', async () => {
    const { service, clock } = setup();
    for (let i = 0; i < 5; i++) {
      await service.create(alice, 'acme', { ...input, label: `t${i}`, expiry: i < 2 ? '30d' : 'none' });
      clock.advance(1000);
    }
    const first = await service.list(alice, 'acme', { page: 1, pageSize: 2 });
    expect(first).toMatchObject({ total: 5, page: 1, pageSize: 2 });
    expect(first.items.map((t) => t.label)).toEqual(['t0', 't1']);
    clock.advance(31 * 24 * 3600 * 1000);
    expect((await service.list(alice, 'acme', { status: 'expired' })).total).toBe(2);
    expect((await service.list(alice, 'acme', { status: 'active' })).total).toBe(3);
    await expect(service.list(alice, 'acme', { pageSize: 1000 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [expect.objectContaining({ path: 'pageSize' })],
    });
  });

  it("lets only owners, company owners and the organization's token managers manage tokens", async () => {
    const store = createMemoryTokenStore();
    const service = createTokenService({
      store,
      organizations: [
        {
          id: 'acme',
          name: 'acme',
          plan: 'team',
          owners: ['alice'],
          company: { name: 'corp', owners: ['carol'] },
          tokenManagers: [{ username: 'eve', ceiling: [{ type: 'repository', path: 'acme/*', scopes: ['push'] }] }],
        },
      ],
    });
    await expect(service.create({ username: 'ALICE' }, 'acme', input)).resolves.toBeDefined();
    await expect(service.create({ username: 'carol' }, 'acme', input)).resolves.toBeDefined();
    await expect(service.create({ username: 'EVE' }, 'acme', input)).resolves.toBeDefined();
    await expect(service.create({ username: 'mallory' }, 'acme', input)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(service.create(alice, 'nope', input)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reads the organization on every login, so a plan downgrade or IAM switch applies at once', async () => {
    const profiles = new Map([
      [
        'acme',
        { id: 'acme', name: 'acme', plan: 'team', owners: ['alice'] } as {
          id: string;
          name: string;
          plan: string;
          owners: string[];
          imageAccessManagement?: boolean;
        },
      ],
    ]);
    const service = createTokenService({
      store: createMemoryTokenStore(),
      organizations: { get: (name) => profiles.get(name) ?? null },
    });
    const { secret } = await service.create(alice, 'acme', input);
    expect((await service.authenticate('acme', secret.reveal())).ok).toBe(true);
    profiles.set('acme', { id: 'acme', name: 'acme', plan: 'personal', owners: ['alice'] });
    expect(await service.authenticate('acme', secret.reveal())).toMatchObject({ ok: false, code: 'PLAN_NOT_ELIGIBLE' });
    profiles.set('acme', { id: 'acme', name: 'acme', plan: 'team', owners: ['alice'], imageAccessManagement: true });
    expect(await service.authenticate('acme', secret.reveal())).toMatchObject({
      ok: false,
      code: 'ORG_INCOMPATIBLE',
      incompatibility: 'IMAGE_ACCESS_MANAGEMENT',
    });
    profiles.delete('acme');
    expect(await service.authenticate('acme', secret.reveal())).toMatchObject({
      ok: false,
      code: 'ORGANIZATION_UNKNOWN',
    });
  });

  it('never writes a token presented as the username into an audit event', async () => {
    const { service, events } = setup();
    const { secret } = await service.create(alice, 'acme', input);
    await service.authenticate(secret.reveal(), 'acme');
    await service.authenticate(secret.reveal(), secret.reveal());
    const failures = events.filter((e) => e.type === 'access_token.authenticate' && e.outcome === 'failure');
    expect(failures).toHaveLength(2);
    expect(failures.every((e) => 'username' in e && e.username === null)).toBe(true);
    expect(JSON.stringify(events).toLowerCase()).not.toContain(secret.reveal().toLowerCase());
  });

  it('treats an update that asks for what already holds as a no-op: no write, no event, no denial', async () => {
    const { service, store, events } = setup();
    const { token } = await service.create(alice, 'acme', input);
    const same = await service.update(alice, 'acme', token.id, { is_active: true, label: 'ci' });
    expect(same.version).toBe(1);
    await service.deactivate(alice, 'acme', token.id);
    const again = await service.update(alice, 'acme', token.id, { is_active: false });
    expect(again.state).toBe('inactive');
    expect((await store.findById(token.id))?.version).toBe(2);
    expect(events.map((e) => e.type)).toEqual(['access_token.create', 'access_token.deactivate']);
  });

  it('reports a failing store or directory, and a malformed profile, as OatError with the cause', async () => {
    const failing = createMemoryTokenStore();
    const store: TokenStore = {
      ...failing,
      findBySecretHash: async () => {
        throw new Error('connection reset');
      },
    };
    const service = createTokenService({ store, organizations });
    const { secret } = await service.create(alice, 'acme', input);
    await expect(service.authenticate('acme', secret.reveal())).rejects.toMatchObject({
      name: 'OatError',
      code: 'STORE_FAILURE',
      cause: expect.objectContaining({ message: 'connection reset' }),
    });
    const broken = createTokenService({
      store: createMemoryTokenStore(),
      organizations: { get: () => ({ id: 'acme', name: 'acme', plan: 'team' }) as never },
    });
    await expect(broken.create(alice, 'acme', input)).rejects.toMatchObject({
      code: 'DIRECTORY_FAILURE',
      fields: [expect.objectContaining({ path: 'owners' })],
    });
    const down = createTokenService({
      store: createMemoryTokenStore(),
      organizations: {
        get: async () => {
          throw new Error('ldap down');
        },
      },
    });
    await expect(down.create(alice, 'acme', input)).rejects.toMatchObject({ code: 'DIRECTORY_FAILURE' });
  });

  it('with a zero last-used interval writes on every login without asking the store for a future bound', async () => {
    const calls: Array<[number, number]> = [];
    const inner = createMemoryTokenStore();
    const store: TokenStore = {
      ...inner,
      touchLastUsed: (id, at, ifOlderThan) => {
        calls.push([at, ifOlderThan]);
        return inner.touchLastUsed(id, at, ifOlderThan);
      },
    };
    const clock = createFakeClock();
    const service = createTokenService({ store, clock, organizations, lastUsedIntervalMs: 0 });
    const { secret } = await service.create(alice, 'acme', input);
    await service.authenticate('acme', secret.reveal());
    // A write still pending suppresses the next one for the same token: let the first land.
    await service.flush();
    clock.advance(1);
    await service.authenticate('acme', secret.reveal());
    expect(calls).toHaveLength(2);
    expect(calls.every(([at, bound]) => bound <= at)).toBe(true);
  });
});
