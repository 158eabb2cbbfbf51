import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  LEAK_ACTOR,
  createMemoryTokenStore,
  createPolicy,
  createTokenService,
  fingerprintOf,
  hmacSha256Hasher,
  type AccessTokenRecord,
  type TokenEvent,
  type TokenId,
  type TokenServiceOptions,
  type TokenStore,
} from '../../src/index.js';
import { SEED_LIFECYCLE } from '../../src/core/lifecycle.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { platformRandom } from '../../src/service/random.js';

const organizations = [{ id: 'org-1', name: 'acme', plan: 'team', owners: ['alice'] }];
const alice = { username: 'alice' };
const URL_FOUND = 'https://github.com/octo/app/blob/0123456789abcdef0123456789abcdef01234567/.env';
const DAY = 24 * 3600 * 1000;

function setup(options: Partial<TokenServiceOptions> = {}) {
  const store = options.store ?? createMemoryTokenStore();
  const clock = createFakeClock();
  const events: TokenEvent[] = [];
  const service = createTokenService({
    clock,
    organizations,
    events: { emit: (e) => events.push(e) },
    ...options,
    store,
  });
  const create = async (input: object = {}) => {
    const { token, secret } = await service.create(alice, 'acme', {
      label: 'ci',
      resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
      ...input,
    });
    return { id: token.id, secret: secret.reveal() };
  };
  const stored = (id: string) => store.findById(id as TokenId);
  return { store, clock, events, service, create, stored };
}

describe('reportLeaked', () => {
  it('deactivates a live token, emits the deactivation and the leak, and labels it true_positive', async () => {
    const { service, create, stored, events, clock } = setup();
    const { id, secret } = await create();
    const before = (await stored(id)) as AccessTokenRecord;
    events.length = 0;
    clock.advance(1000);

    const result = await service.reportLeaked(secret, { url: URL_FOUND, source: 'content' });

    expect(result).toEqual({
      ok: true,
      value: {
        label: 'true_positive',
        action: 'DEACTIVATED',
        tokenId: id,
        organizationId: 'org-1',
        organization: 'acme',
      },
    });
    expect(Object.isFrozen(result) && result.ok && Object.isFrozen(result.value)).toBe(true);
    const after = (await stored(id)) as AccessTokenRecord;
    expect(after).toMatchObject({ state: 'inactive', version: before.version + 1, updatedAt: clock.now() });
    const fingerprint = fingerprintOf(before.secretHash);
    expect(events).toEqual([
      {
        type: 'access_token.deactivate',
        at: clock.now(),
        organization: 'acme',
        tokenId: id,
        fingerprint,
        actor: LEAK_ACTOR,
      },
      {
        type: 'access_token.leaked',
        at: clock.now(),
        organization: 'acme',
        organizationId: 'org-1',
        tokenId: id,
        fingerprint,
        url: URL_FOUND,
        source: 'content',
        action: 'DEACTIVATED',
      },
    ]);
    expect(await service.authenticate('acme', secret)).toEqual({ ok: false, code: 'INACTIVE' });
  });

  it('looks the token up with the service hasher, so a peppered store works too', async () => {
    const { service, create, stored } = setup({ hasher: hmacSha256Hasher('p'.repeat(32)) });
    const { id, secret } = await create();
    expect((await service.reportLeaked(secret, { url: URL_FOUND })).ok).toBe(true);
    expect((await stored(id))?.state).toBe('inactive');
  });

  it('in report mode changes nothing and still audits the leak', async () => {
    const { service, create, stored, events } = setup();
    const { id, secret } = await create();
    const before = await stored(id);
    events.length = 0;
    const result = await service.reportLeaked(secret, { url: URL_FOUND, mode: 'report' });
    expect(result).toMatchObject({ ok: true, value: { label: 'true_positive', action: 'REPORTED', tokenId: id } });
    expect(await stored(id)).toEqual(before);
    expect(events).toEqual([
      expect.objectContaining({ type: 'access_token.leaked', action: 'REPORTED', source: 'unknown' }),
    ]);
  });

  it('leaves an inactive, expired or deleted token alone and labels it true_positive', async () => {
    const { service, create, stored, events, clock } = setup();
    const inactive = await create();
    await service.deactivate(alice, 'acme', inactive.id);
    const deleted = await create();
    await service.delete(alice, 'acme', deleted.id);
    const expired = await create({ expiry: '30d' });
    clock.advance(31 * DAY);
    for (const [token, action] of [
      [inactive, 'ALREADY_INACTIVE'],
      [expired, 'ALREADY_EXPIRED'],
      [deleted, 'ALREADY_DELETED'],
    ] as const) {
      const before = await stored(token.id);
      events.length = 0;
      expect(await service.reportLeaked(token.secret, { url: URL_FOUND })).toMatchObject({
        ok: true,
        value: { label: 'true_positive', action, tokenId: token.id },
      });
      expect(await stored(token.id)).toEqual(before);
      expect(events).toEqual([expect.objectContaining({ type: 'access_token.leaked', action, tokenId: token.id })]);
    }
  });

  it(
    'labels an unknown token, a mistyped one and anything that is no token false_positive, with no event and ' +
      'no store read',
    async () => {
      const store = createMemoryTokenStore();
      let reads = 0;
      const counting: TokenStore = {
        ...store,
        findBySecretHash: (hash) => {
          reads++;
          return store.findBySecretHash(hash);
        },
      };
      const { service, create, events } = setup({ store: counting });
      const { secret } = await create();
      events.length = 0;
      const falsePositive = {
        ok: true,
        value: { label: 'false_positive', action: 'NONE', tokenId: null, organizationId: null, organization: null },
      };
      expect(await service.reportLeaked(service.policy.format.generate(platformRandom), { url: URL_FOUND })).toEqual(
        falsePositive,
      );
      expect(reads).toBe(1);
      const mistyped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
      for (const garbage of [mistyped, 'oat_short', 42, null, undefined, { toString: () => secret }]) {
        expect(await service.reportLeaked(garbage, { url: URL_FOUND })).toEqual(falsePositive);
      }
      expect(reads).toBe(1);
      expect(events).toEqual([]);
    },
  );

  it('refuses a bad request as VALIDATION_FAILED naming each field, before reading the store', async () => {
    const { service, create, stored, events } = setup();
    const { id, secret } = await create();
    const before = await stored(id);
    events.length = 0;
    const cases: Array<[unknown, string[]]> = [
      [{}, ['url']],
      [{ url: 'ftp://example.com/x' }, ['url']],
      [{ url: 'not a url' }, ['url']],
      [{ url: `https://example.com/${'a'.repeat(2048)}` }, ['url']],
      [{ url: 'https://example.com/a\nb' }, ['url']],
      [{ url: URL_FOUND, source: 'Content!' }, ['source']],
      [{ url: URL_FOUND, source: 'x'.repeat(33) }, ['source']],
      [{ url: URL_FOUND, mode: 'delete' }, ['mode']],
      [{ url: 7, source: 7, mode: 7 }, ['url', 'source', 'mode']],
      [null, ['', 'url']],
    ];
    for (const [request, paths] of cases) {
      const result = await service.reportLeaked(secret, request as never);
      expect(result).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
      expect(!result.ok && result.fields?.map((f) => f.path)).toEqual(paths);
    }
    expect(await stored(id)).toEqual(before);
    expect(events).toEqual([]);
  });

  it('keeps the secret out of the result, the events and the audited URL, even when the URL carries it', async () => {
    const { service, create, events } = setup();
    const { secret } = await create();
    const result = await service.reportLeaked(secret, {
      url: `https://example.com/paste?t=${secret.toLowerCase()}&u=${secret}`,
    });
    expect(result.ok).toBe(true);
    const leaked = events.find((e) => e.type === 'access_token.leaked');
    expect(leaked).toMatchObject({ url: 'https://example.com/paste?t=[redacted]&u=[redacted]' });
    for (const text of [
      JSON.stringify(result),
      inspect(result, { depth: null }),
      JSON.stringify(events),
      inspect(events, { depth: null }),
    ]) {
      expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
    }
  });

  it('keeps a percent-encoded secret out of the audited URL: only the origin is left', async () => {
    const { service, create, events } = setup();
    const { secret } = await create();
    const encoded = [...secret].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    expect((await service.reportLeaked(secret, { url: `https://example.com/paste?t=${encoded}` })).ok).toBe(true);
    const leaked = events.find((e) => e.type === 'access_token.leaked');
    expect(leaked).toMatchObject({ url: 'https://example.com/[redacted]' });
    expect(decodeURIComponent(JSON.stringify(events)).toLowerCase()).not.toContain(secret.toLowerCase());
  });

  it(
    'goes through the lifecycle: a table that refuses to deactivate gives TRANSITION_DENIED, audits the leak ' +
      'and changes nothing',
    async () => {
      const table = {
        ...SEED_LIFECYCLE.table,
        active: { ...SEED_LIFECYCLE.table.active, deactivate: { deny: 'NEVER_DEACTIVATE' } },
      };
      const { service, create, stored, events } = setup({
        policy: createPolicy({ lifecycle: { name: 'sticky', table } }),
      });
      const { id, secret } = await create();
      const before = await stored(id);
      events.length = 0;
      const result = await service.reportLeaked(secret, { url: URL_FOUND });
      expect(result).toEqual({
        ok: false,
        code: 'TRANSITION_DENIED',
        message: expect.stringContaining('NEVER_DEACTIVATE'),
      });
      expect(await stored(id)).toEqual(before);
      expect(events).toEqual([expect.objectContaining({ type: 'access_token.leaked', action: 'REPORTED' })]);
    },
  );

  it('decides again when another writer changed the token first, through the store version guard', async () => {
    const store = createMemoryTokenStore();
    let raced = false;
    let service: ReturnType<typeof createTokenService> | undefined;
    const racing: TokenStore = {
      ...store,
      async replace(record, expectedVersion) {
        if (!raced && record.state === 'inactive' && record.label === 'ci') {
          raced = true;
          // A manager renames the token between the leak report's read and its write.
          await service?.update(alice, 'acme', record.id, { label: 'renamed' });
        }
        return store.replace(record, expectedVersion);
      },
    };
    const s = setup({ store: racing });
    service = s.service;
    const { id, secret } = await s.create();
    expect(await s.service.reportLeaked(secret, { url: URL_FOUND })).toMatchObject({
      ok: true,
      value: { action: 'DEACTIVATED' },
    });
    expect(raced).toBe(true);
    // Both writes landed: the rename was not overwritten by the deactivation.
    expect(await s.stored(id)).toMatchObject({ state: 'inactive', label: 'renamed', version: 3 });
  });

  it('gives CONFLICT, with no event, when the token keeps changing', async () => {
    const store = createMemoryTokenStore();
    let replaces = 0;
    const losing: TokenStore = {
      ...store,
      replace: async () => {
        replaces++;
        return { ok: false, code: 'CONFLICT' } as const;
      },
    };
    const { service, create, events } = setup({ store: losing });
    const { secret } = await create();
    events.length = 0;
    expect(await service.reportLeaked(secret, { url: URL_FOUND })).toEqual({
      ok: false,
      code: 'CONFLICT',
      message: expect.any(String),
    });
    expect(replaces).toBe(5);
    expect(events).toEqual([]);
  });

  it('rejects with STORE_FAILURE when the store fails, as every operation does', async () => {
    const store = createMemoryTokenStore();
    const { service, create } = setup({
      store: {
        ...store,
        findBySecretHash: () => {
          throw new Error('disk on fire');
        },
      },
    });
    const { secret } = await create();
    await expect(service.reportLeaked(secret, { url: URL_FOUND })).rejects.toMatchObject({
      name: 'OatError',
      code: 'STORE_FAILURE',
    });
  });
});
